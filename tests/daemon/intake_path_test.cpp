// The fetch → parse → classify → store path in process, against the fakes of
// the mailbox and store ports (tests/daemon/fakes/): each outcome a message
// can have, and the one that must never happen: a message the store refuses
// holding up the messages behind it.
#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>

#include <future>
#include <mutex>
#include <string>

#include "daemon/core/logging.hpp"
#include "daemon/fetch/intake_cycle.hpp"
#include "daemon/respond/template_catalog.hpp"
#include "tests/daemon/fakes/fake_clock.hpp"
#include "tests/daemon/fakes/fake_mailbox_source.hpp"
#include "tests/daemon/fakes/fake_intake_store.hpp"
#include "tests/daemon/fakes/fake_mail_sender.hpp"
#include "tests/daemon/fakes/fake_outbox_store.hpp"
#include "tests/daemon/fakes/fake_summary_store.hpp"

namespace intake::daemon {
namespace {

using testing::FakeClock;
using testing::FakeMailboxSource;
using testing::FakeRandom;
using testing::FakeIntakeStore;
using testing::FakeMailSender;
using testing::FakeOutboxStore;
using testing::FakeSummaryStore;

std::string message(const std::string& id, const std::string& subject) {
  return "From: Alice <alice@example.test>\r\nTo: requests@example.test\r\nSubject: " + subject +
         "\r\nMessage-ID: <" + id + ">\r\nDate: Wed, 02 Dec 2026 08:55:00 +0000\r\n\r\nPlease help with " + subject + ".\r\n";
}

// PostgreSQL's answer to a Message-ID its index cannot take, for every attempt.
std::optional<Error> refuse_poison(const InboundMessage& m) {
  if (m.email.subject.find("poison") == std::string::npos) return std::nullopt;
  return fail("PostgreSQL error during ingest: index row size 3904 exceeds btree version 4 maximum 2704");
}

struct IntakePath : ::testing::Test {
  IntakePath() {
    mailbox.name = "requests";
    mailbox.address = "requests@example.test";
    mailbox.default_category = "general";
    mailbox.batch_size = 1;
    config.smtp.from = "requests@example.test";
    config.mailboxes = {mailbox};
    auto t = TemplateSet::load(INTAKE_TEMPLATES_DIR, required_template_names(), template_variables());
    EXPECT_TRUE(t) << (t ? "" : t.error().message);
    if (t) templates = std::move(t.value());
  }
  CycleStats run() {
    IntakeCycle cycle(config, {store, outbox, summaries}, templates, clock, nullptr, &random);
    return cycle.fetch_mailbox(mailbox, source);
  }
  parsers::MailboxConfig mailbox;
  parsers::Config config;
  TemplateSet templates;
  FakeClock clock{std::chrono::sys_days{std::chrono::year{2026} / 12 / 2} + std::chrono::hours{9}};
  FakeRandom random;
  FakeMailboxSource source;
  FakeIntakeStore store;
  FakeOutboxStore outbox;
  FakeSummaryStore summaries;
};

TEST_F(IntakePath, the_next_chunk_is_fetched_while_the_one_before_is_committed) {
  mailbox.batch_size = 2;
  for (int i = 1; i <= 6; ++i) source.add(message("p" + std::to_string(i) + "@example.test", "item " + std::to_string(i)));
  std::promise<void> third;
  std::once_flag once;
  source.on_fetch = [&](std::uint64_t uid) {
    if (uid == 3) std::call_once(once, [&] { third.set_value(); });
  };
  auto fetched_third = third.get_future();
  bool overlapped = false;
  int writes = 0;
  // The first chunk's commit waits for the second chunk's first fetch: one
  // pass after the other would never get there (and the wait runs out).
  store.before_write = [&](FakeIntakeStore&) {
    if (++writes == 1) overlapped = fetched_third.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  };
  const CycleStats stats = run();
  EXPECT_TRUE(overlapped);
  EXPECT_EQ(stats.fetched, 6u);
  EXPECT_EQ(stats.created, 6u);
  EXPECT_EQ(source.processed, (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(store.stored_ids.size(), 6u);
}

TEST_F(IntakePath, new_requests_are_stored_acknowledged_and_moved) {
  source.add(message("a@example.test", "printer"));
  source.add(message("b@example.test", "laptop"));
  const CycleStats stats = run();
  EXPECT_FALSE(stats.fetch_failed);
  EXPECT_EQ(stats.created, 2u);
  EXPECT_EQ(store.stored_ids, (std::vector<std::string>{"a@example.test", "b@example.test"}));
  EXPECT_EQ(store.acknowledgments.size(), 2u);
  EXPECT_EQ(source.processed, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_TRUE(source.inbox.empty());
}

TEST_F(IntakePath, message_ids_of_acknowledgments_take_their_random_part_from_the_random_port) {
  source.add(message("a@example.test", "printer"));
  source.add(message("b@example.test", "laptop"));
  run();
  EXPECT_EQ(store.acknowledgment_ids, (std::vector<std::string>{"intake.REQ-1001.0100000000000000@example.test",
                                                                "intake.REQ-1002.0200000000000000@example.test"}));
}

TEST_F(IntakePath, a_message_the_store_refuses_is_quarantined_after_max_attempts_and_the_rest_are_stored) {
  store.refuse = refuse_poison;
  source.add(message("a@example.test", "printer"));
  source.add(message("p@example.test", "poison"));
  source.add(message("c@example.test", "laptop"));
  const CycleStats stats = run();
  // The cycle went on past it and reports it.
  EXPECT_FALSE(stats.fetch_failed);
  EXPECT_EQ(stats.created, 2u);
  EXPECT_EQ(stats.quarantined, 1u);
  EXPECT_EQ(store.stored_ids, (std::vector<std::string>{"a@example.test", "c@example.test"}));
  EXPECT_EQ(store.acknowledgments.size(), 2u);
  EXPECT_EQ((store.failures[{"requests", 7, 2}]), 3);
  ASSERT_EQ(store.quarantined.size(), 1u);
  EXPECT_EQ(store.quarantined[0].uid, 2u);
  EXPECT_EQ(store.quarantined[0].reason,
            "could not be stored (3 attempts, daemon.max_attempts = 3): PostgreSQL error during ingest: index row size "
            "3904 exceeds btree version 4 maximum 2704");
  EXPECT_EQ(store.quarantined[0].raw, message("p@example.test", "poison"));  // the raw bytes are kept
  EXPECT_EQ(source.processed, (std::vector<std::uint64_t>{1, 2, 3}));        // nothing waits on the server
}

TEST_F(IntakePath, a_refused_message_in_a_group_commit_is_quarantined_and_the_rest_of_the_group_stored) {
  mailbox.batch_size = 10;
  store.refuse = refuse_poison;
  source.add(message("a@example.test", "printer"));
  source.add(message("p@example.test", "poison"));
  source.add(message("c@example.test", "laptop"));
  const CycleStats stats = run();
  EXPECT_EQ(store.multi_writes, 1);  // refused as a whole, then one at a time
  EXPECT_FALSE(stats.fetch_failed);
  EXPECT_EQ(stats.created, 2u);
  EXPECT_EQ(stats.quarantined, 1u);
  EXPECT_EQ(store.stored_ids, (std::vector<std::string>{"a@example.test", "c@example.test"}));
  EXPECT_EQ(source.processed, (std::vector<std::uint64_t>{1, 2, 3}));
}

TEST_F(IntakePath, the_failure_count_survives_a_restart) {
  // Two attempts were counted before intaked died; the next one is the last.
  store.refuse = refuse_poison;
  store.failures[{"requests", 7, 1}] = 2;
  source.add(message("p@example.test", "poison"));
  const CycleStats stats = run();
  EXPECT_EQ(store.ingest_calls, 1);
  EXPECT_EQ(stats.quarantined, 1u);
  EXPECT_EQ((store.failures[{"requests", 7, 1}]), 3);
}

TEST_F(IntakePath, max_attempts_of_one_quarantines_at_the_first_refusal) {
  config.daemon.max_attempts = 1;
  store.refuse = refuse_poison;
  source.add(message("p@example.test", "poison"));
  const CycleStats stats = run();
  EXPECT_EQ(store.ingest_calls, 1);
  EXPECT_EQ(stats.quarantined, 1u);
}

TEST_F(IntakePath, a_passing_refusal_is_tried_again_and_stored) {
  int refusals = 0;
  store.refuse = [&](const InboundMessage&) -> std::optional<Error> {
    if (refusals++ > 0) return std::nullopt;
    return fail("PostgreSQL error during ingest: could not serialize access due to concurrent update");
  };
  source.add(message("a@example.test", "printer"));
  const CycleStats stats = run();
  EXPECT_EQ(stats.created, 1u);
  EXPECT_EQ(stats.quarantined, 0u);
  EXPECT_EQ((store.failures[{"requests", 7, 1}]), 1);
  EXPECT_TRUE(store.quarantined.empty());
}

TEST_F(IntakePath, a_lost_database_stops_the_pass_counts_nothing_and_leaves_the_rest_on_the_server) {
  store.refuse = [](const InboundMessage& m) -> std::optional<Error> {
    if (m.uid != 2) return std::nullopt;
    Error e = fail("PostgreSQL connection lost during ingest");
    e.kind = ErrorKind::unreachable;
    return e;
  };
  source.add(message("a@example.test", "printer"));
  source.add(message("b@example.test", "laptop"));
  source.add(message("c@example.test", "screen"));
  const CycleStats stats = run();
  EXPECT_TRUE(stats.fetch_failed);  // intaked --once exits non-zero
  EXPECT_EQ(store.failure_calls, 0);
  EXPECT_TRUE(store.quarantined.empty());
  EXPECT_EQ(source.processed, (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(source.inbox.size(), 2u);
  ASSERT_FALSE(store.fetch_health.empty());
  EXPECT_FALSE(store.fetch_health.back().first);
}

TEST_F(IntakePath, a_fetch_cut_off_stores_what_came_before_and_stops) {
  source.add(message("a@example.test", "printer"));
  source.add(message("b@example.test", "laptop"));
  source.fetch_fails = {2};
  const CycleStats stats = run();
  EXPECT_TRUE(stats.fetch_failed);
  EXPECT_EQ(store.stored_ids, (std::vector<std::string>{"a@example.test"}));
  EXPECT_EQ(source.processed, (std::vector<std::uint64_t>{1}));
}

TEST_F(IntakePath, a_message_nothing_can_be_read_from_is_quarantined_at_once) {
  source.add("X-Junk: 1\r\n\r\n");
  source.add(message("b@example.test", "laptop"));
  const CycleStats stats = run();
  EXPECT_FALSE(stats.fetch_failed);
  EXPECT_EQ(stats.quarantined, 1u);
  EXPECT_EQ(store.ingest_calls, 1);
  ASSERT_EQ(store.quarantined.size(), 1u);
  EXPECT_EQ(store.quarantined[0].reason, "no headers and no text could be read");
  EXPECT_EQ(source.processed, (std::vector<std::uint64_t>{1, 2}));
}

TEST_F(IntakePath, mail_where_the_desk_is_only_in_cc_is_observed_and_not_acknowledged) {
  source.add("From: Alice <alice@example.test>\r\nTo: bob@example.test\r\nCc: requests@example.test\r\nSubject: fyi\r\n"
             "Message-ID: <cc@example.test>\r\n\r\nfor your information\r\n");
  const CycleStats stats = run();
  EXPECT_EQ(stats.observed, 1u);
  EXPECT_EQ(stats.created, 0u);
  EXPECT_TRUE(store.acknowledgments.empty());
}

}  // namespace
}  // namespace intake::daemon

namespace intake::daemon {
namespace {

// A run of failed fetches emails the admin once, from the failure that makes
// daemon.alert_after_failures in a row; a success ends the run.
TEST_F(IntakePath, a_run_of_failed_fetches_alerts_the_admin_once) {
  config.daemon.alert_after_failures = 2;
  config.daemon.admin_address = "admin@example.test";
  source.add(message("a@example.test", "printer"));
  source.fetch_fails = {1};
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(run().fetch_failed);
  EXPECT_EQ(store.fetch_alerts.size(), 1u);
  source.fetch_fails.clear();
  EXPECT_FALSE(run().fetch_failed);
  source.add(message("b@example.test", "laptop"));
  source.fetch_fails = {2};
  for (int i = 0; i < 2; ++i) run();
  EXPECT_EQ(store.fetch_alerts.size(), 2u);  // a new run, a new alert
}

// Stage 5 against the outbox and sender fakes: each kind of answer.
struct Respond : IntakePath {
  CycleStats drain() {
    IntakeCycle cycle(config, {store, outbox, summaries}, templates, clock, nullptr, &random);
    return cycle.drain_outbox(sender, 100);
  }
  FakeMailSender sender;
};

TEST_F(Respond, sent_mail_is_recorded_a_refusal_for_good_fails_and_a_passing_one_waits) {
  outbox.add("acknowledgment", "alice@example.test", "REQ-1001");
  outbox.add("acknowledgment", "nobody@example.test", "REQ-1002");
  outbox.add("acknowledgment", "busy@example.test", "REQ-1003");
  sender.refuse = [](const OutgoingMail& m) -> std::optional<Error> {
    if (m.rcpt_to.front() == "nobody@example.test") return fail("550 no such user", true);
    if (m.rcpt_to.front() == "busy@example.test") return fail("451 try again later");
    return std::nullopt;
  };
  const CycleStats stats = drain();
  EXPECT_EQ(stats.mails_sent, 1u);
  EXPECT_EQ(stats.mails_failed, 2u);
  EXPECT_FALSE(stats.send_failed);
  EXPECT_EQ(outbox.rows[0].status, "sent");
  EXPECT_EQ(outbox.rows[1].status, "failed");
  EXPECT_EQ(outbox.rows[2].status, "pending");
  EXPECT_EQ(outbox.rows[2].last_error, "451 try again later");
}

TEST_F(Respond, mail_is_counted_by_kind_and_each_log_line_names_what_it_is_about) {
  outbox.add("acknowledgment", "alice@example.test", "REQ-1001");
  outbox.add("summary", "boss@example.test");  // no request: the row names itself
  outbox.add("due_soon_alert", "bob@example.test", "REQ-1002");
  outbox.add("admin_alert", "nobody@example.test");
  sender.refuse = [](const OutgoingMail& m) -> std::optional<Error> {
    if (m.rcpt_to.front() == "nobody@example.test") return fail("550 no such user", true);
    return std::nullopt;
  };
  auto lines = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(16);
  lines->set_pattern("%v");
  auto log = stage_logger("respond");
  log->sinks().push_back(lines);
  const CycleStats stats = drain();
  log->sinks().pop_back();
  EXPECT_EQ(stats.mails.sent, (std::map<std::string, std::size_t>{{"acknowledgment", 1}, {"due_soon_alert", 1}, {"summary", 1}}));
  EXPECT_EQ(stats.mails.failed, (std::map<std::string, std::size_t>{{"admin_alert", 1}}));
  EXPECT_EQ(stats.mails_sent, 3u);
  EXPECT_EQ(stats.mails_failed, 1u);
  EXPECT_EQ(stats.mails.line(), "sent 1 acknowledgment, 1 due_soon_alert, 1 summary; failed 1 admin_alert");
  std::vector<std::string> logged = lines->last_formatted();
  for (auto& l : logged)
    if (!l.empty() && l.back() == '\n') l.pop_back();
  EXPECT_EQ(logged, (std::vector<std::string>{
                        "REQ-1001: acknowledgment sent to alice@example.test",
                        "outbox #2: summary sent to boss@example.test",
                        "REQ-1002: due_soon_alert sent to bob@example.test",
                        "outbox #4: admin_alert not sent (permanent): 550 no such user",
                    }));
}

TEST(StageTimes, adding_sums_each_stage_wall_and_cpu_apart) {
  StageTimes a, b;
  a.wall_ms[static_cast<std::size_t>(Stage::send)] = 2.0;
  a.cpu_ms[static_cast<std::size_t>(Stage::send)] = 1.0;
  b.wall_ms[static_cast<std::size_t>(Stage::send)] = 3.0;
  b.wall_ms[static_cast<std::size_t>(Stage::store)] = 4.0;
  a.add(b);
  EXPECT_DOUBLE_EQ(a.wall_ms[static_cast<std::size_t>(Stage::send)], 5.0);
  EXPECT_DOUBLE_EQ(a.cpu_ms[static_cast<std::size_t>(Stage::send)], 1.0);
  EXPECT_DOUBLE_EQ(a.wall_ms[static_cast<std::size_t>(Stage::store)], 4.0);
  EXPECT_DOUBLE_EQ(a.wall_ms[static_cast<std::size_t>(Stage::fetch)], 0.0);
}

TEST(MailCounts, totals_add_up_and_no_mail_reads_none) {
  MailCounts a, b;
  EXPECT_EQ(a.line(), "sent none; failed none");
  a.count("acknowledgment", true);
  a.count("acknowledgment", true);
  b.count("summary", true);
  b.count("acknowledgment", false);
  a.add(b);
  EXPECT_EQ(a.total_sent(), 3u);
  EXPECT_EQ(a.total_failed(), 1u);
  EXPECT_EQ(a.line(), "sent 2 acknowledgment, 1 summary; failed 1 acknowledgment");
}

TEST_F(Respond, each_mail_costs_one_commit_its_outcome_going_with_the_next_claim) {
  for (int i = 0; i < 3; ++i) outbox.add("acknowledgment", "alice@example.test");
  const CycleStats stats = drain();
  EXPECT_EQ(stats.mails_sent, 3u);
  EXPECT_EQ(outbox.count("sent"), 3u);
  // The first claim, then each mail's outcome with the next claim (the last
  // one's finds nothing): 4 commits for 3 mails, where one claim and one
  // finish per mail made 6.
  EXPECT_EQ(outbox.commits, 4);
}

TEST_F(Respond, a_stop_between_two_mails_records_the_first_and_claims_no_other) {
  for (int i = 0; i < 3; ++i) outbox.add("acknowledgment", "alice@example.test");
  IntakeCycle cycle(config, {store, outbox, summaries}, templates, clock, nullptr, &random);
  const CycleStats stats = cycle.drain_outbox(sender, 100, [] { return true; });
  EXPECT_EQ(stats.mails_sent, 1u);
  EXPECT_EQ(outbox.count("sent"), 1u);
  EXPECT_EQ(outbox.count("pending"), 2u);
  EXPECT_EQ(outbox.count("sending"), 0u);
}

TEST_F(Respond, an_unreachable_server_stops_the_drain_and_the_rest_wait) {
  for (int i = 0; i < 3; ++i) outbox.add("acknowledgment", "alice@example.test");
  sender.refuse = [](const OutgoingMail&) -> std::optional<Error> { return fail("connect: refused", ErrorKind::unreachable); };
  const CycleStats stats = drain();
  EXPECT_TRUE(stats.send_failed);
  EXPECT_EQ(sender.calls, 1);  // the first told it all
  EXPECT_EQ(outbox.count("pending"), 3u);
}

TEST_F(Respond, due_alerts_are_rendered_by_the_stage_and_recorded_once) {
  config.daemon.admin_address = "admin@example.test";
  RequestView r;
  r.id = 1;
  r.reference = "REQ-1001";
  r.category = "general";
  r.subject = "printer";
  r.due_first_response = std::chrono::time_point_cast<std::chrono::seconds>(clock.now()) + std::chrono::minutes{30};
  outbox.due.push_back({r, "first_response", false, std::nullopt});
  IntakeCycle cycle(config, {store, outbox, summaries}, templates, clock, nullptr, &random);
  cycle.queue_due_alerts();
  cycle.queue_due_alerts();
  ASSERT_EQ(outbox.queued_alerts.size(), 1u);
  EXPECT_NE(outbox.queued_alerts[0].find("REQ-1001"), std::string::npos);
}

}  // namespace
}  // namespace intake::daemon
