// Stage 4's decisions in pure code: thread matching, the flood decision and
// the IngestPlan of each kind of message (store/ingest_planner.hpp), from
// snapshots made by hand; and the chunk writer planning again when its
// write finds the database changed (a fake store that changes in between).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "daemon/adapters/postgres/ingest_rows.hpp"
#include "daemon/classify/flood.hpp"
#include "daemon/classify/thread_match.hpp"
#include "daemon/store/chunk_writer.hpp"
#include "daemon/store/ingest_planner.hpp"
#include "tests/daemon/fakes/fake_clock.hpp"
#include "tests/daemon/fakes/fake_intake_store.hpp"

namespace intake::daemon {
namespace {

parsers::Email email(const std::string& id, const std::string& subject = "printer") {
  parsers::Email e;
  e.message_id = id;
  e.subject = subject;
  e.from = parsers::Address{"Alice", "alice@example.test"};
  return e;
}

// ---- thread matching ---------------------------------------------------------

TEST(ThreadMatch, the_nearest_named_message_wins_in_reply_to_then_references_from_the_last) {
  parsers::Email e = email("r@x");
  e.in_reply_to = "b@x";
  e.references = {"a@x", "c@x"};
  const std::map<std::string, std::int64_t> known = {{"a@x", 1}, {"b@x", 2}, {"c@x", 3}};
  EXPECT_EQ(match_thread(e, known, {}), 2);
  e.in_reply_to.clear();
  EXPECT_EQ(match_thread(e, known, {}), 3);  // the last reference is the nearest
  EXPECT_EQ(named_message_ids(e), (std::vector<std::string>{"c@x", "a@x"}));
}

TEST(ThreadMatch, the_subject_tag_counts_only_when_no_named_message_is_known) {
  parsers::Email e = email("r@x", "Re: still broken [REQ-1042]");
  e.in_reply_to = "unknown@x";
  EXPECT_EQ(match_thread(e, {}, {{1042, 7}}), 7);
  EXPECT_EQ(match_thread(e, {{"unknown@x", 9}}, {{1042, 7}}), 9);
  EXPECT_EQ(match_thread(e, {}, {{1041, 7}}), std::nullopt);  // a tag of no known request
}

TEST(ThreadMatch, a_bounce_is_threaded_by_the_mail_it_returns) {
  parsers::Email e = email("bounce@mta");
  e.kind = parsers::MessageKind::bounce;
  e.enclosed_message_ids = {"ack@intake"};
  EXPECT_EQ(match_thread(e, {{"ack@intake", 4}}, {}), 4);
  e.kind = parsers::MessageKind::human;
  EXPECT_EQ(match_thread(e, {{"ack@intake", 4}}, {}), std::nullopt);  // not a bounce: enclosed ids are not read
}

TEST(ThreadMatch, subject_tags_are_read_strictly) {
  EXPECT_EQ(subject_reference("[REQ-1042] x"), 1042);
  EXPECT_EQ(subject_reference("[REQ-] x [REQ-7]"), 7);
  EXPECT_EQ(subject_reference("[REQ-12 x"), std::nullopt);
  EXPECT_EQ(subject_reference("[REQ-1234567890123456]"), std::nullopt);  // longer than 15 digits
  EXPECT_EQ(subject_reference("REQ-1042"), std::nullopt);
}

// ---- flood decision -----------------------------------------------------------

TEST(Flood, the_limit_counts_per_address_case_blind_and_counts_what_it_lets_through) {
  std::map<std::string, int> sent = {{"carol@example.test", 1}};
  const FloodLimit limit{2, 3600};
  auto first = take_acknowledgment(sent, "Carol@Example.test", limit);
  EXPECT_TRUE(first.allowed);
  EXPECT_EQ(first.sent, 1);
  auto second = take_acknowledgment(sent, "carol@example.test", limit);
  EXPECT_FALSE(second.allowed);
  EXPECT_EQ(second.sent, 2);
  EXPECT_EQ(sent["carol@example.test"], 2);  // a held-back one is not counted
  EXPECT_EQ(flood_detail(2, "carol@example.test", limit),
            "flood limit: 2 acknowledgments to carol@example.test in the last 60 min (daemon.auto_reply_limit)");
}

TEST(Flood, employees_in_the_directory_have_their_own_higher_cap_and_strangers_keep_the_low_one) {
  std::map<std::string, int> sent;
  const FloodLimit limit{10, 10800, 50, {"alice@example.test"}};
  int alice = 0, stranger = 0;
  for (int i = 0; i < 60; ++i) {
    alice += take_acknowledgment(sent, i % 2 == 0 ? "Alice@example.test" : "alice@example.test", limit).allowed ? 1 : 0;
    stranger += take_acknowledgment(sent, "someone@partner.test", limit).allowed ? 1 : 0;
  }
  EXPECT_EQ(alice, 50);
  EXPECT_EQ(stranger, 10);
  EXPECT_EQ(flood_detail(50, "alice@example.test", limit),
            "flood limit: 50 acknowledgments to alice@example.test in the last 180 min (daemon.employee_auto_reply_limit)");
}

TEST(Flood, an_urgent_request_is_always_acknowledged_and_counted) {
  std::map<std::string, int> sent = {{"bot@partner.test", 10}};
  const FloodLimit limit{10, 10800};
  EXPECT_FALSE(take_acknowledgment(sent, "bot@partner.test", limit).allowed);
  const FloodVerdict urgent = take_acknowledgment(sent, "bot@partner.test", limit, true);
  EXPECT_TRUE(urgent.allowed);
  EXPECT_EQ(sent["bot@partner.test"], 11);
}

TEST(Flood, a_limit_of_zero_lets_everything_through_uncounted) {
  std::map<std::string, int> sent;
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(take_acknowledgment(sent, "a@x", FloodLimit{0, 60}).allowed);
  EXPECT_TRUE(sent.empty());
}

// ---- plans ------------------------------------------------------------------

// Acknowledges everyone; a reply saying "resolved" asks to resolve, one
// saying "again" to reopen.
class Mails final : public PlanMails {
 public:
  std::optional<QueuedMail> acknowledgment(const parsers::Email& e, const RequestView& r) const override {
    QueuedMail q;
    q.mail.mail_from = "requests@example.test";
    q.mail.rcpt_to = {e.from->address};
    q.mail.raw = "ack";
    q.message_id = "ack." + r.reference + "@intake";
    q.subject = "[" + r.reference + "] " + e.subject;
    return q;
  }
  // The team hears of every request in the "it" category.
  std::optional<QueuedMail> team_notice(const parsers::Email&, const RequestView& r, const Decision&) const override {
    if (r.category != "it") return std::nullopt;
    QueuedMail q;
    q.mail.rcpt_to = {"bob@example.test", "dave@example.test"};
    q.message_id = "team." + r.reference + "@intake";
    return q;
  }
  // Answers outside mail to whoever sent it.
  std::optional<QueuedMail> outside_notice(const parsers::Email& e) const override {
    QueuedMail q;
    q.mail.rcpt_to = {e.from->address};
    q.message_id = "outside." + e.message_id;
    return q;
  }
  ReplyPlan reply(const parsers::Email& e, const RequestView&) const override {
    ReplyPlan p;
    if (e.body_text == "resolved") p.new_status = RequestStatus::resolved;
    if (e.body_text == "again") {
      p.new_status = RequestStatus::in_progress;
      p.reopened = true;
    }
    if (e.body_text == "5 - great") {
      p.role = "feedback";
      p.feedback = Feedback{5, "great"};
    }
    return p;
  }
};

struct Chunk {
  std::vector<InboundMessage> messages;
  std::vector<Decision> decisions;
  std::vector<ChunkItem> items() const {
    std::vector<ChunkItem> out;
    for (std::size_t i = 0; i < messages.size(); ++i) out.push_back({&messages[i], nullptr, &decisions[i], "", -1, {}});
    return out;
  }
  void add(parsers::Email e, Decision d = {}) {
    InboundMessage m;
    m.mailbox = "requests";
    m.uid = messages.size() + 1;
    m.content_sha256 = "h" + std::to_string(m.uid);
    m.email = std::move(e);
    d.category = "general";
    messages.push_back(std::move(m));
    decisions.push_back(std::move(d));
  }
};

IngestSnapshot snapshot_for(std::size_t n) {
  IngestSnapshot s;
  for (std::size_t i = 0; i < n; ++i) {
    s.message_rows.push_back(100 + static_cast<std::int64_t>(i));
    s.request_ids.push_back(500 + static_cast<std::int64_t>(i));
  }
  return s;
}

std::vector<IngestPlan> plan(const Chunk& chunk, const IngestSnapshot& s, FloodLimit flood = {}) {
  const Mails mails;
  const auto items = chunk.items();
  const auto outline = outline_plans(items, s);
  std::vector<std::int64_t> numbers;
  for (int i = 0; i < new_requests(outline); ++i) numbers.push_back(1001 + i);
  return build_plans(items, outline, s, numbers, PlanContext{mails, flood});
}

std::vector<std::string> event_types(const IngestPlan& p) {
  std::vector<std::string> out;
  for (const auto& e : p.events) out.push_back(e.type);
  return out;
}

TEST(IngestPlanner, a_new_request_gets_its_row_history_and_acknowledgment) {
  Chunk c;
  c.add(email("a@x"));
  const auto plans = plan(c, snapshot_for(1));
  ASSERT_EQ(plans.size(), 1u);
  const IngestPlan& p = plans[0];
  EXPECT_EQ(p.kind, PlanKind::created);
  EXPECT_EQ(p.message_row, 100);
  EXPECT_EQ(p.request_id, 500);
  ASSERT_TRUE(p.created);
  EXPECT_EQ(p.created->view.reference, "REQ-1001");
  EXPECT_EQ(p.created->view.status, RequestStatus::new_);
  EXPECT_EQ(event_types(p), (std::vector<std::string>{"created", "acknowledgment_queued"}));
  ASSERT_EQ(p.mails.size(), 1u);
  EXPECT_EQ(p.mails[0].purpose, "acknowledgment");
  EXPECT_EQ(p.mails[0].in_reply_to, "a@x");
  EXPECT_TRUE(p.result.ack_queued);
}

TEST(IngestPlanner, a_request_missing_facts_waits_on_the_requester_and_a_quiet_one_is_not_acknowledged) {
  Chunk c;
  Decision missing;
  missing.missing = {"the order number"};
  c.add(email("a@x"), missing);
  Decision quiet;
  quiet.acknowledge = false;
  quiet.quiet_reason = "auto-reply";
  c.add(email("b@x"), quiet);
  const auto plans = plan(c, snapshot_for(2));
  EXPECT_EQ(plans[0].created->view.status, RequestStatus::waiting_on_requester);
  EXPECT_EQ(event_types(plans[0]), (std::vector<std::string>{"created", "information_missing", "acknowledgment_queued"}));
  EXPECT_EQ(event_types(plans[1]), (std::vector<std::string>{"created", "not_acknowledged"}));
  EXPECT_TRUE(plans[1].mails.empty());
}

TEST(IngestPlanner, a_second_copy_in_the_chunk_or_in_the_store_is_a_duplicate) {
  Chunk c;
  c.add(email("a@x"));
  c.add(email("a@x"));
  c.add(email("old@x"));
  IngestSnapshot s = snapshot_for(3);
  s.stored_in = {"old@x"};
  const auto plans = plan(c, s);
  EXPECT_EQ(plans[0].kind, PlanKind::created);
  EXPECT_EQ(plans[1].kind, PlanKind::duplicate);
  EXPECT_EQ(plans[2].kind, PlanKind::duplicate);
  EXPECT_EQ(plans[2].result.outcome, IngestOutcome::duplicate);
}

TEST(IngestPlanner, a_reply_to_a_request_made_earlier_in_the_same_chunk_joins_it) {
  Chunk c;
  c.add(email("a@x"));
  parsers::Email reply = email("r@x", "Re: printer");
  reply.in_reply_to = "a@x";
  c.add(reply);
  const auto plans = plan(c, snapshot_for(2));
  EXPECT_EQ(plans[1].kind, PlanKind::joined);
  EXPECT_EQ(plans[1].request_id, plans[0].request_id);
  EXPECT_EQ(plans[1].result.reference, "REQ-1001");
  EXPECT_EQ(new_requests(outline_plans(c.items(), snapshot_for(2))), 1);
}

TEST(IngestPlanner, our_own_mail_come_back_and_cc_only_mail_are_observed) {
  Chunk c;
  c.add(email("ack.REQ-1@intake"));
  Decision observe;
  observe.make_request = false;
  c.add(email("cc@x"), observe);
  IngestSnapshot s = snapshot_for(2);
  s.sent_out = {"ack.REQ-1@intake"};
  const auto plans = plan(c, s);
  EXPECT_EQ(plans[0].kind, PlanKind::own_copy);
  EXPECT_EQ(plans[0].role, "own_copy");
  EXPECT_EQ(plans[1].kind, PlanKind::observed);
  EXPECT_EQ(plans[1].result.outcome, IngestOutcome::observed);
}

TEST(IngestPlanner, outside_mail_is_kept_as_outside_and_answered_only_when_allowed_and_under_the_flood_cap) {
  Chunk c;
  Decision outside;
  outside.make_request = false;
  outside.acknowledge = false;
  outside.outside = true;
  c.add(email("o1@x"), outside);  // not allowed an answer (its sender was not authenticated)
  outside.answer_outside = true;
  for (int i = 2; i <= 4; ++i) c.add(email("o" + std::to_string(i) + "@x"), outside);
  const auto plans = plan(c, snapshot_for(4), FloodLimit{2, 3600});
  for (const auto& p : plans) {
    EXPECT_EQ(p.kind, PlanKind::observed);
    EXPECT_EQ(p.role, "outside");
    EXPECT_FALSE(p.created.has_value());
  }
  EXPECT_TRUE(plans[0].mails.empty());
  ASSERT_EQ(plans[1].mails.size(), 1u);
  EXPECT_EQ(plans[1].mails[0].purpose, "outside_notice");
  EXPECT_FALSE(plans[1].mails[0].of_request);
  EXPECT_EQ(plans[2].mails.size(), 1u);
  EXPECT_TRUE(plans[3].mails.empty()) << "the third answer to one address is past the cap of two";
  const IngestRows rows = build_ingest_rows(plans);
  EXPECT_EQ(nlohmann::json::parse(rows.outbox).size(), 2u);
}

TEST(IngestPlanner, the_flood_limit_holds_back_acknowledgments_past_it_counting_the_chunk) {
  Chunk c;
  for (int i = 0; i < 3; ++i) c.add(email("f" + std::to_string(i) + "@x"));
  IngestSnapshot s = snapshot_for(3);
  s.acks_sent = {{"alice@example.test", 1}};
  const auto plans = plan(c, s, FloodLimit{2, 3600});
  EXPECT_TRUE(plans[0].result.ack_queued);
  EXPECT_EQ(plans[0].flood_checked, std::make_pair(std::string("alice@example.test"), 1));
  EXPECT_TRUE(plans[1].result.flood_limited);
  EXPECT_TRUE(plans[2].result.flood_limited);
  EXPECT_EQ(event_types(plans[2]), (std::vector<std::string>{"created", "not_acknowledged"}));
  EXPECT_EQ(plans[2].events.back().detail, "flood limit: 2 acknowledgments to alice@example.test in the last 60 min (daemon.auto_reply_limit)");
}

TEST(IngestPlanner, status_moves_go_through_the_status_machine_and_a_later_reply_sees_the_earlier_one) {
  IngestSnapshot s = snapshot_for(3);
  RequestView r;
  r.id = 7;
  r.reference = "REQ-7";
  r.status = RequestStatus::acknowledged;
  r.version = 41;
  s.requests[7] = r;
  s.request_of_message = {{"a@x", 7}};
  Chunk c;
  for (const char* body : {"resolved", "resolved", "again"}) {
    parsers::Email e = email(std::string(body) + std::to_string(c.messages.size()) + "@x", "Re: printer");
    e.in_reply_to = "a@x";
    e.body_text = body;
    c.add(e);
  }
  const auto plans = plan(c, s);
  ASSERT_TRUE(plans[0].change && plans[0].change->status);
  EXPECT_EQ(*plans[0].change->status, RequestStatus::resolved);
  EXPECT_EQ(plans[0].change->resolved, ResolvedMark::set);
  EXPECT_EQ(plans[0].change->version, 41);
  EXPECT_FALSE(plans[1].change->status);  // resolved again: no move, nothing recorded
  EXPECT_TRUE(plans[1].events.empty());
  EXPECT_EQ(*plans[2].change->status, RequestStatus::in_progress);
  EXPECT_TRUE(plans[2].change->reopened);
  EXPECT_EQ(plans[2].change->resolved, ResolvedMark::clear);
  EXPECT_EQ(event_types(plans[2]), (std::vector<std::string>{"reopened"}));
}

TEST(IngestPlanner, an_admin_change_the_status_machine_refuses_is_an_error_naming_the_allowed_moves) {
  RequestView r;
  r.id = 7;
  r.reference = "REQ-7";
  r.status = RequestStatus::closed;
  ReplyPlan ask;
  ask.new_status = RequestStatus::waiting_on_requester;
  auto refused = plan_change(r, ask, "intakectl");
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.error().permanent());
  EXPECT_NE(refused.error().message.find("REQ-7 is closed: it cannot move to waiting_on_requester"), std::string::npos);
  ask.new_status = RequestStatus::in_progress;
  ask.owner = "bob@example.test";
  auto ok = plan_change(r, ask, "intakectl");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->kind, PlanKind::change);
  EXPECT_EQ(ok->events.front().by, "intakectl");
  EXPECT_EQ(event_types(*ok), (std::vector<std::string>{"status_changed", "assigned"}));
}

TEST(IngestPlanner, a_quarantined_item_carries_its_reason_and_notice_and_no_row_of_its_own) {
  InboundMessage m;
  m.uid = 3;
  QueuedMail notice;
  notice.mail.rcpt_to = {"alice@example.test"};
  std::vector<ChunkItem> items = {{&m, nullptr, nullptr, "oversized: 30 MB", 31457280, notice}};
  const Mails mails;
  const auto outline = outline_plans(items, snapshot_for(1));
  const auto plans = build_plans(items, outline, snapshot_for(1), {}, PlanContext{mails, {}});
  EXPECT_EQ(plans[0].kind, PlanKind::quarantine);
  EXPECT_EQ(plans[0].reason, "oversized: 30 MB");
  ASSERT_EQ(plans[0].mails.size(), 1u);
  EXPECT_FALSE(plans[0].mails[0].of_request);
}

// ---- the chunk writer ---------------------------------------------------------

TEST(ChunkWriter, a_write_the_database_finds_stale_is_planned_again_from_a_new_snapshot) {
  testing::FakeIntakeStore store;
  // Another instance stores the same message between the first snapshot and its write.
  InboundMessage other;
  other.email = email("a@x");
  store.before_write = [&](testing::FakeIntakeStore& s) {
    if (s.write_calls == 1) s.stored_ids.push_back("a@x");
  };
  testing::FakeClock clock{std::chrono::sys_days{std::chrono::year{2026} / 12 / 2}};
  const Mails mails;
  ChunkWriter writer(store, mails, FloodLimit{}, clock, 3);
  Chunk c;
  c.add(email("a@x"));
  c.add(email("b@x"));
  std::vector<StoredItem> out;
  ASSERT_TRUE(writer.store("requests", c.items(), out));
  EXPECT_EQ(store.stale_writes, 1);
  EXPECT_EQ(store.write_calls, 2);
  EXPECT_EQ(out[0].result.outcome, IngestOutcome::duplicate);  // the second plan saw it stored
  EXPECT_EQ(out[1].result.outcome, IngestOutcome::created);
  EXPECT_EQ(store.failure_calls, 0);  // not the messages' fault: nothing counted
}

TEST(ChunkWriter, a_write_that_stays_stale_waits_for_the_next_cycle_counting_nothing) {
  testing::FakeIntakeStore store;
  RequestView r;
  r.id = 7;
  r.reference = "REQ-7";
  r.status = RequestStatus::acknowledged;
  store.requests[7] = r;
  store.request_of_message["a@x"] = 7;
  store.before_write = [](testing::FakeIntakeStore& s) { ++s.requests[7].version; };  // changed every time
  testing::FakeClock clock{std::chrono::sys_days{std::chrono::year{2026} / 12 / 2}};
  const Mails mails;
  ChunkWriter writer(store, mails, FloodLimit{}, clock, 3);
  Chunk c;
  parsers::Email reply = email("r@x", "Re: printer");
  reply.in_reply_to = "a@x";
  c.add(reply);
  std::vector<StoredItem> out;
  auto stored = writer.store("requests", c.items(), out);
  ASSERT_FALSE(stored);
  EXPECT_TRUE(stored.error().unreachable());
  EXPECT_EQ(store.stale_writes, 3);
  EXPECT_EQ(store.failure_calls, 0);
  EXPECT_FALSE(out[0].stored);
}

}  // namespace
}  // namespace intake::daemon

// ---- the row builder ----------------------------------------------------------

namespace intake::daemon {
namespace {

TEST(IngestRows, one_request_changed_by_two_replies_is_one_update_checked_against_its_first_version) {
  IngestSnapshot s = snapshot_for(2);
  RequestView r;
  r.id = 7;
  r.reference = "REQ-7";
  r.status = RequestStatus::resolved;
  r.version = 41;
  s.requests[7] = r;
  s.request_of_message = {{"a@x", 7}};
  Chunk c;
  for (const char* body : {"again", "resolved"}) {
    parsers::Email e = email(std::string(body) + "@x", "Re: printer");
    e.in_reply_to = "a@x";
    e.body_text = body;
    c.add(e);
  }
  const IngestRows rows = build_ingest_rows(plan(c, s));
  EXPECT_EQ(rows.versions, (std::vector<std::pair<std::int64_t, std::int64_t>>{{7, 41}}));
  const auto changes = nlohmann::json::parse(rows.changes);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0]["status"], "resolved");  // the last move wins
  EXPECT_EQ(changes[0]["resolved"], "set");
  EXPECT_EQ(changes[0]["reopened"], 1);
  EXPECT_EQ(nlohmann::json::parse(rows.messages).size(), 2u);
  EXPECT_EQ(rows.raws.size(), 2u);
}

TEST(IngestRows, a_rating_is_a_feedback_event_with_its_score_and_the_owner_it_credits_and_changes_nothing) {
  IngestSnapshot s = snapshot_for(1);
  RequestView r;
  r.id = 7;
  r.reference = "REQ-7";
  r.status = RequestStatus::resolved;
  r.owner = "dave@example.test";
  s.requests[7] = r;
  s.request_of_message = {{"a@x", 7}};
  Chunk c;
  parsers::Email e = email("rate@x", "Re: printer");
  e.in_reply_to = "a@x";
  e.body_text = "5 - great";
  c.add(e);
  const auto plans = plan(c, s);
  ASSERT_EQ(plans.size(), 1u);
  EXPECT_EQ(plans[0].role, "feedback");
  const IngestRows rows = build_ingest_rows(plans);
  const auto events = nlohmann::json::parse(rows.events);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["type"], "feedback");
  EXPECT_EQ(events[0]["score"], 5);
  EXPECT_EQ(events[0]["detail"], "great");
  EXPECT_EQ(events[0]["credited"], "dave@example.test");
  EXPECT_EQ(events[0]["by"], "alice@example.test");
  EXPECT_EQ(events[0]["message_ref"], plans[0].message_row);
  const auto changes = nlohmann::json::parse(rows.changes);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_FALSE(changes[0].contains("status"));
  EXPECT_EQ(changes[0]["reopened"], 0);
  EXPECT_TRUE(rows.outbox.empty());
}

TEST(IngestRows, a_request_made_and_changed_in_one_chunk_has_no_version_to_check) {
  Chunk c;
  c.add(email("a@x"));
  parsers::Email reply = email("r@x", "Re: printer");
  reply.in_reply_to = "a@x";
  reply.body_text = "resolved";
  c.add(reply);
  const IngestRows rows = build_ingest_rows(plan(c, snapshot_for(2)));
  EXPECT_TRUE(rows.versions.empty());
  EXPECT_EQ(nlohmann::json::parse(rows.requests).size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(rows.changes).size(), 1u);
  EXPECT_EQ(rows.flood_counts.at("alice@example.test"), 0);
}

TEST(IngestRows, text_postgresql_cannot_hold_is_made_storable_and_raw_bytes_stay_as_they_are) {
  Chunk c;
  parsers::Email e = email("nul@x", std::string("odd\0subject", 11));
  e.body_text = std::string("before\0after", 12);
  c.add(e);
  c.messages[0].raw = std::string("Subject: odd\0subject\r\n\r\nbefore\0after", 36);
  const IngestRows rows = build_ingest_rows(plan(c, snapshot_for(1)));
  const auto messages = nlohmann::json::parse(rows.messages);
  EXPECT_EQ(messages[0]["subject"], "odd\xEF\xBF\xBDsubject");
  EXPECT_EQ(messages[0]["body_text"], "before\xEF\xBF\xBD" "after");
  ASSERT_EQ(rows.raws.size(), 1u);
  EXPECT_EQ(*rows.raws[0], c.messages[0].raw);  // the raw message keeps every byte
  EXPECT_EQ(storable_text("plain"), "plain");
}

TEST(IngestRows, quarantines_and_duplicates_write_no_message_row_but_move_the_folder_on) {
  Chunk c;
  c.add(email("a@x"));
  c.add(email("a@x"));
  std::vector<ChunkItem> items = c.items();
  InboundMessage held;
  held.mailbox = "requests";
  held.uid = 9;
  items.push_back({&held, nullptr, nullptr, "unreadable", -1, std::nullopt});
  const Mails mails;
  const IngestSnapshot s = snapshot_for(3);
  const auto outline = outline_plans(items, s);
  const IngestRows rows = build_ingest_rows(build_plans(items, outline, s, {1001}, PlanContext{mails, {}}));
  EXPECT_EQ(nlohmann::json::parse(rows.messages).size(), 1u);
  ASSERT_EQ(rows.quarantine.size(), 1u);
  EXPECT_EQ(rows.quarantine[0].plan, 2u);
  EXPECT_EQ((rows.last_uids.at({"requests", 0})), 9u);
}

}  // namespace
}  // namespace intake::daemon

namespace intake::daemon {
namespace {

TEST(IngestPlanner, a_new_request_tells_its_team_and_a_quiet_one_tells_nobody) {
  Chunk c;
  c.add(email("a@x"));
  c.add(email("b@x"));
  c.decisions[0].category = c.decisions[1].category = "it";
  c.decisions[1].acknowledge = false;
  c.decisions[1].quiet_reason = "bulk mail";
  const auto plans = plan(c, snapshot_for(2));
  ASSERT_EQ(plans[0].mails.size(), 2u);
  EXPECT_EQ(plans[0].mails[1].purpose, "team_notice");
  EXPECT_EQ(plans[0].mails[1].in_reply_to, "a@x");  // threaded to the request
  EXPECT_EQ(event_types(plans[0]), (std::vector<std::string>{"created", "acknowledgment_queued", "team_notice_queued"}));
  EXPECT_EQ(plans[0].events.back().detail, "to bob@example.test,dave@example.test");
  EXPECT_TRUE(plans[1].mails.empty());
}

}  // namespace
}  // namespace intake::daemon
