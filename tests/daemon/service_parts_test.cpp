// Unit tests of the service's parts that need no stack: the metrics text, the
// HTTP answers of the loopback responder (hostile request lines), the
// journal fields, new mail in rounds, and the status check's levels.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <thread>
#include <vector>

#include <spdlog/logger.h>

#include "daemon/service/health_check.hpp"
#include "daemon/adapters/postgres/instance_registry.hpp"
#include "daemon/core/logging.hpp"
#include "daemon/service/metrics.hpp"
#include "daemon/adapters/metrics/metrics_server.hpp"
#include "daemon/fetch/round_source.hpp"

namespace intake::daemon {
namespace {

// --- metrics ---------------------------------------------------------------

TEST(Metrics, counters_add_up_and_the_last_success_is_kept_per_mailbox) {
  Metrics m("9.9.9");
  m.add_fetch("requests", 3, true, 1000.5);
  m.add_fetch("requests", 0, false, 1010);
  m.add_fetch("it", 2, true, 1020);
  m.add_cycle(4, 5, 1, 0.25);
  m.add_cycle(1, 0, 0, 0.75);
  m.set_backlog(7, 2);
  m.add_reload(true);
  m.add_reload(false);
  m.add_reload(false);
  const std::string text = m.render();
  EXPECT_NE(text.find("intake_build_info{version=\"9.9.9\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("intake_messages_fetched_total{mailbox=\"requests\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("intake_messages_fetched_total{mailbox=\"it\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("intake_fetch_errors_total{mailbox=\"requests\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("intake_fetch_errors_total{mailbox=\"it\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("intake_last_successful_fetch_timestamp_seconds{mailbox=\"requests\"} 1000.5\n"), std::string::npos)
      << "a failed pass does not move the last success\n" << text;
  EXPECT_NE(text.find("\nintake_requests_created_total 5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nintake_outbox_sent_total 5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nintake_outbox_send_failures_total 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nintake_cycle_duration_seconds_sum 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nintake_cycle_duration_seconds_count 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nintake_last_cycle_duration_seconds 0.75\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nintake_outbox_depth 7\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nintake_quarantine_held 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("intake_config_reloads_total{result=\"refused\"} 2\n"), std::string::npos) << text;
  // Every sample line belongs to a family announced by # TYPE.
  std::size_t types = 0;
  for (std::size_t at = text.find("# TYPE "); at != std::string::npos; at = text.find("# TYPE ", at + 1)) ++types;
  EXPECT_EQ(types, 12U) << text;
}

TEST(Metrics, backlog_gauges_are_absent_until_first_read) {
  Metrics m("1");
  EXPECT_EQ(m.render().find("intake_outbox_depth"), std::string::npos);
}

TEST(Metrics, mailbox_name_with_quote_backslash_and_newline_cannot_break_out_of_its_label) {
  Metrics m("1");
  m.add_fetch("a\"b\\c\nd", 1, true, 1);
  const std::string text = m.render();
  EXPECT_NE(text.find("{mailbox=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("\nd\""), std::string::npos) << text;
}

// --- HTTP answers ----------------------------------------------------------

std::string metrics_text() { return "intake_up 1\n"; }

TEST(MetricsHttp, get_metrics_is_answered_with_the_prometheus_text_type) {
  const HttpAnswer a = answer_http("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n", metrics_text);
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(a.body, "intake_up 1\n");
  EXPECT_EQ(serialize_http(a, false),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: 12\r\n"
            "Connection: close\r\n\r\nintake_up 1\n");
  EXPECT_EQ(answer_http("GET /metrics?name[]=x HTTP/1.0\r\n\r\n", metrics_text).status, 200);
}

TEST(MetricsHttp, head_gets_the_headers_without_the_body) {
  const HttpAnswer a = answer_http("HEAD /metrics HTTP/1.1\r\n\r\n", metrics_text);
  const std::string wire = serialize_http(a, true);
  EXPECT_NE(wire.find("Content-Length: 12\r\n"), std::string::npos);
  EXPECT_EQ(wire.substr(wire.size() - 4), "\r\n\r\n");
}

TEST(MetricsHttp, other_paths_methods_and_versions_are_refused) {
  EXPECT_EQ(answer_http("GET / HTTP/1.1\r\n\r\n", metrics_text).status, 404);
  EXPECT_EQ(answer_http("GET /metrics/../../etc/passwd HTTP/1.1\r\n\r\n", metrics_text).status, 404);
  EXPECT_EQ(answer_http("GET /METRICS HTTP/1.1\r\n\r\n", metrics_text).status, 404);
  EXPECT_EQ(answer_http("POST /metrics HTTP/1.1\r\n\r\n", metrics_text).status, 405);
  EXPECT_EQ(answer_http("DELETE /metrics HTTP/1.1\r\n\r\n", metrics_text).status, 405);
  EXPECT_EQ(answer_http("GET /metrics HTTP/2.0\r\n\r\n", metrics_text).status, 505);
  EXPECT_EQ(answer_http("GET /metrics\r\n\r\n", metrics_text).status, 400) << "HTTP/0.9 has no version";
}

TEST(MetricsHttp, malformed_request_lines_are_bad_requests) {
  EXPECT_EQ(answer_http("", metrics_text).status, 400);
  EXPECT_EQ(answer_http("GET /metrics HTTP/1.1", metrics_text).status, 400) << "no line end";
  EXPECT_EQ(answer_http("GET  /metrics HTTP/1.1\r\n\r\n", metrics_text).status, 400) << "two spaces";
  EXPECT_EQ(answer_http("GET /metrics HTTP/1.1 extra\r\n\r\n", metrics_text).status, 400);
  EXPECT_EQ(answer_http(std::string("GET /met\0rics HTTP/1.1\r\n\r\n", 26), metrics_text).status, 400) << "NUL";
  EXPECT_EQ(answer_http("GET /metrics\x01 HTTP/1.1\r\n\r\n", metrics_text).status, 400);
  EXPECT_EQ(answer_http("GET /m\xc3\xa9trics HTTP/1.1\r\n\r\n", metrics_text).status, 400) << "non-ASCII";
}

// A real socket: bound on an ephemeral loopback port, one exchange.
TEST(MetricsHttp, server_answers_on_loopback_and_stops_when_destroyed) {
  auto server = MetricsServer::start("127.0.0.1", 0, metrics_text);
  ASSERT_TRUE(server) << server.error().message;
  const int port = (*server)->port();
  ASSERT_GT(port, 0);
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const std::string request = "GET /metrics HTTP/1.1\r\n\r\n";
  ASSERT_EQ(::send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  std::string answer;
  char buf[512];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) answer.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  EXPECT_EQ(answer.rfind("HTTP/1.1 200 OK\r\n", 0), 0U) << answer;
  EXPECT_EQ(answer.substr(answer.size() - 12), "intake_up 1\n");
  server.value().reset();
  const int again = ::socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_NE(::connect(again, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << "no longer listening";
  ::close(again);
}

TEST(MetricsHttp, a_host_name_is_refused_before_any_socket_is_bound) {
  auto server = MetricsServer::start("localhost", 0, metrics_text);
  ASSERT_FALSE(server);
  EXPECT_NE(server.error().message.find("not an IP address"), std::string::npos);
}

// --- journal fields --------------------------------------------------------

TEST(JournalFields, reference_and_message_id_are_taken_from_the_line) {
  auto f = journal_fields("fetch", "REQ-1042 <abc.123@mail.example> from alice@example.test: created, acknowledgment queued");
  EXPECT_EQ(f.stage, "fetch");
  EXPECT_EQ(f.reference, "REQ-1042");
  EXPECT_EQ(f.message_id, "abc.123@mail.example");
  auto g = journal_fields("respond", "REQ-7: acknowledgment sent to bob@example.test");
  EXPECT_EQ(g.reference, "REQ-7");
  EXPECT_EQ(g.message_id, "");
}

TEST(JournalFields, lookalikes_are_not_references_and_empty_brackets_are_no_message_id) {
  auto f = journal_fields("fetch", "mailbox requests uid 5 <>: quarantined #3: XREQ-12 and REQ-12a and REQ- <a b>");
  EXPECT_EQ(f.reference, "");
  EXPECT_EQ(f.message_id, "") << "empty and spaced brackets are skipped";
  auto g = journal_fields("fetch", "- <> from x: observed, REQ-99 joined <id@x>");
  EXPECT_EQ(g.reference, "REQ-99");
  EXPECT_EQ(g.message_id, "id@x");
}

TEST(JournalSink, sends_message_priority_identifier_and_the_intake_fields) {
  std::vector<std::map<std::string, std::string>> entries;
  auto sink = make_journal_sink("intaked", [&](const iovec* fields, int count) {
    std::map<std::string, std::string> e;
    for (int i = 0; i < count; ++i) {
      const std::string kv(static_cast<const char*>(fields[i].iov_base), fields[i].iov_len);
      e[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
    }
    entries.push_back(e);
    return 0;
  });
  spdlog::logger logger("respond", sink);
  logger.warn("{}: {} not sent ({}): {}", "REQ-1001", "acknowledgment", "will retry", "451 try later");
  logger.info("outbox empty");
  ASSERT_EQ(entries.size(), 2U);
  EXPECT_EQ(entries[0]["MESSAGE"], "REQ-1001: acknowledgment not sent (will retry): 451 try later");
  EXPECT_EQ(entries[0]["PRIORITY"], "4");
  EXPECT_EQ(entries[0]["SYSLOG_IDENTIFIER"], "intaked");
  EXPECT_EQ(entries[0]["INTAKE_STAGE"], "respond");
  EXPECT_EQ(entries[0]["INTAKE_REFERENCE"], "REQ-1001");
  EXPECT_EQ(entries[0].count("INTAKE_MESSAGE_ID"), 0U);
  EXPECT_EQ(entries[1]["PRIORITY"], "6");
  EXPECT_EQ(entries[1].count("INTAKE_REFERENCE"), 0U);
}

TEST(LogTarget, auto_is_stderr_unless_stderr_is_the_journal_stream_systemd_named) {
  EXPECT_EQ(choose_log_target("journal"), LogTarget::journal);
  EXPECT_EQ(choose_log_target("stderr"), LogTarget::stderr_text);
  ::setenv("JOURNAL_STREAM", "1:2", 1);  // some other stream: inherited, not ours
  EXPECT_EQ(choose_log_target("auto"), LogTarget::stderr_text);
  struct stat st {};
  ASSERT_EQ(fstat(STDERR_FILENO, &st), 0);
  ::setenv("JOURNAL_STREAM", (std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino)).c_str(), 1);
  EXPECT_EQ(choose_log_target("auto"), LogTarget::journal);
  ::unsetenv("JOURNAL_STREAM");
  EXPECT_EQ(choose_log_target("auto"), LogTarget::stderr_text);
}

// --- new mail in rounds ----------------------------------------------------

class FakeSource final : public MailboxSource {
 public:
  std::vector<std::uint64_t> uids;
  std::uint64_t uidvalidity = 1;
  int searches = 0, calls = 0;
  Result<FolderStatus> status() override {
    ++calls;
    return FolderStatus{uidvalidity, 100};
  }
  Result<std::vector<std::uint64_t>> search_uids(std::uint64_t first, std::uint64_t last, bool) override {
    ++calls;
    ++searches;
    std::vector<std::uint64_t> out;
    for (auto u : uids)
      if (u >= first && (last == 0 || u <= last)) out.push_back(u);
    return out;
  }
  Result<std::string> fetch(std::uint64_t) override {
    ++calls;
    return std::string("x");
  }
  Result<std::string> fetch_header(std::uint64_t) override { return std::string(); }
  Result<std::uint64_t> size_of(std::uint64_t) override { return std::uint64_t{1}; }
  Status mark_processed(const std::vector<std::uint64_t>&) override {
    ++calls;
    return Ok{};
  }
};

TEST(RoundSource, new_mail_comes_in_rounds_from_one_server_search) {
  FakeSource inner;
  inner.uids = {3, 5, 8, 13, 21};
  int beats = 0, logins = 0;
  RoundSource rounds(inner, 2, [&] { ++beats; }, [&] { ++logins; });
  ASSERT_TRUE(rounds.status());
  auto r1 = rounds.search_uids(1, 0, false);
  ASSERT_TRUE(r1);
  ASSERT_TRUE(r1);
  EXPECT_EQ(*r1, (std::vector<std::uint64_t>{3, 5}));
  EXPECT_TRUE(rounds.more());
  auto r2 = rounds.search_uids(6, 0, false);
  ASSERT_TRUE(r2);  // the cycle asks from after the last committed UID
  EXPECT_EQ(*r2, (std::vector<std::uint64_t>{8, 13}));
  EXPECT_TRUE(rounds.more());
  auto r3 = rounds.search_uids(14, 0, false);
  ASSERT_TRUE(r3);
  EXPECT_EQ(*r3, (std::vector<std::uint64_t>{21}));
  EXPECT_FALSE(rounds.more());
  EXPECT_EQ(inner.searches, 1) << "one server search for all the rounds";
  EXPECT_EQ(logins, 1);
  EXPECT_EQ(beats, 4);
  // The next cycle searches the server again.
  inner.uids.push_back(34);
  auto r4 = rounds.search_uids(22, 0, false);
  ASSERT_TRUE(r4);
  EXPECT_EQ(*r4, (std::vector<std::uint64_t>{34}));
  EXPECT_EQ(inner.searches, 2);
}

TEST(RoundSource, bounded_searches_pass_through_and_a_new_uidvalidity_forgets_the_list) {
  FakeSource inner;
  inner.uids = {1, 2, 3, 4};
  RoundSource rounds(inner, 1, nullptr, nullptr);
  ASSERT_TRUE(rounds.status());
  EXPECT_EQ(rounds.search_uids(1, 3, false).value(), (std::vector<std::uint64_t>{1, 2, 3})) << "leftover search, not in rounds";
  EXPECT_EQ(rounds.search_uids(1, 0, false).value(), (std::vector<std::uint64_t>{1}));
  inner.uidvalidity = 2;
  inner.uids = {7, 9};
  ASSERT_TRUE(rounds.status());
  EXPECT_EQ(rounds.search_uids(1, 0, false).value(), (std::vector<std::uint64_t>{7})) << "UIDs of the old UIDVALIDITY are gone";
}

TEST(RoundSource, zero_per_round_hands_out_everything) {
  FakeSource inner;
  inner.uids = {1, 2, 3};
  RoundSource rounds(inner, 0, nullptr, nullptr);
  EXPECT_EQ(rounds.search_uids(1, 0, false)->size(), 3U);
  EXPECT_FALSE(rounds.more());
}

// --- the status check ------------------------------------------------------

parsers::Config two_mailboxes() {
  parsers::Config c;
  c.daemon.poll_interval_s = 60;
  c.daemon.max_backoff_s = 900;
  c.daemon.alert_after_failures = 5;
  c.mailboxes.resize(2);
  c.mailboxes[0].name = "requests";
  c.mailboxes[1].name = "it";
  return c;
}

HealthReport fine_report() {
  HealthReport h;
  h.schema_version = 2;
  h.mailboxes = {{"it", "2026-12-01T10:00:00Z", 30, 0, "", false}, {"requests", "2026-12-01T10:00:00Z", 40, 0, "", false}};
  return h;
}

TEST(StatusCheck, default_fetch_age_thresholds_follow_the_config) {
  auto c = two_mailboxes();
  auto t = default_thresholds(c);
  EXPECT_EQ(t.warn_fetch_age_s, 600);
  EXPECT_EQ(t.crit_fetch_age_s, 3600);
  c.daemon.poll_interval_s = 600;
  t = default_thresholds(c);
  EXPECT_EQ(t.warn_fetch_age_s, 3000);
  EXPECT_EQ(t.crit_fetch_age_s, 12000);
}

TEST(StatusCheck, instances_stopped_cleanly_over_a_day_ago_drop_out_of_the_list_and_the_others_stay) {
  auto instance = [](const std::string& id, std::int64_t since_stop, const std::string& reason) {
    InstanceRow i;
    i.id = id;
    i.seconds_since_stop = since_stop;
    i.stop_reason = reason;
    i.state = since_stop < 0 ? "running" : "stopped";
    return i;
  };
  const std::vector<InstanceRow> all = {
      instance("running", -1, ""),
      instance("lost", -1, ""),  // no heartbeat, never stopped: the admin must see it
      instance("once-an-hour-ago", 3600, "--once: one cycle done"),
      instance("once-a-day-ago", 86400, "--once: one cycle done"),
      instance("once-two-days-ago", 2 * 86400, "--once: one cycle done"),
      instance("sigterm-two-days-ago", 2 * 86400, "stopped on SIGTERM"),
      instance("killed-two-days-ago", 2 * 86400, "process gone (seen by n:1:2 starting on the same node)")};
  std::vector<std::string> ids;
  for (const auto& i : listed_instances(all)) ids.push_back(i.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"running", "lost", "once-an-hour-ago", "once-a-day-ago", "killed-two-days-ago"}));
}

TEST(StatusCheck, all_fine_is_ok_with_no_findings) {
  const auto c = two_mailboxes();
  auto a = assess_health(c, fine_report(), {}, 2, default_thresholds(c));
  EXPECT_EQ(a.level, CheckLevel::ok);
  EXPECT_TRUE(a.findings.empty());
}

TEST(StatusCheck, levels_for_each_kind_of_problem) {
  const auto c = two_mailboxes();
  const auto t = default_thresholds(c);
  auto level = [&](const HealthReport& h, const AckBacklog& acks = {}, int required = 2) {
    return assess_health(c, h, acks, required, t).level;
  };
  HealthReport h = fine_report();
  h.quarantine_held = 1;
  EXPECT_EQ(level(h), CheckLevel::warning);
  h = fine_report();
  h.outbox_failed = 2;
  EXPECT_EQ(level(h), CheckLevel::warning);
  h = fine_report();
  h.quiet_by_flood_24h = 1;
  EXPECT_EQ(level(h), CheckLevel::warning) << "a request recorded without acknowledgment";
  EXPECT_EQ(assess_health(c, h, {}, 2, t).findings.at(0).text,
            "1 request(s) recorded without acknowledgment by the flood caps in the last 24 h (daemon.auto_reply_limit, "
            "daemon.employee_auto_reply_limit)");
  h = fine_report();
  h.mailboxes[1].consecutive_failures = 4;
  EXPECT_EQ(level(h), CheckLevel::warning) << "below alert_after_failures";
  h.mailboxes[1].consecutive_failures = 5;
  EXPECT_EQ(level(h), CheckLevel::critical) << "at alert_after_failures";
  h = fine_report();
  h.mailboxes[0].seconds_since_success = 601;
  EXPECT_EQ(level(h), CheckLevel::warning);
  h.mailboxes[0].seconds_since_success = 3601;
  EXPECT_EQ(level(h), CheckLevel::critical);
  h = fine_report();
  h.mailboxes.pop_back();  // "requests" never fetched
  EXPECT_EQ(level(h), CheckLevel::warning);
  h = fine_report();
  EXPECT_EQ(level(h, {}, 3), CheckLevel::critical) << "schema older than the binaries";
  EXPECT_EQ(level(fine_report(), {1, "REQ-1001", 901}), CheckLevel::warning);
  EXPECT_EQ(level(fine_report(), {1, "REQ-1001", 3601}), CheckLevel::critical);
  EXPECT_EQ(level(fine_report(), {1, "REQ-1001", 10}), CheckLevel::ok);
}

TEST(StatusCheck, findings_come_most_severe_first_and_name_what_is_wrong) {
  const auto c = two_mailboxes();
  HealthReport h = fine_report();
  h.quarantine_held = 3;
  h.mailboxes[1].consecutive_failures = 6;
  h.mailboxes[1].last_error = "login denied";
  auto a = assess_health(c, h, {1, "REQ-1009", 1000}, 2, default_thresholds(c));
  ASSERT_EQ(a.findings.size(), 3U);
  EXPECT_EQ(a.level, CheckLevel::critical);
  EXPECT_EQ(a.findings[0].level, CheckLevel::critical);
  EXPECT_EQ(a.findings[0].text, "mailbox requests: 6 failed fetch(es) in a row: login denied");
  EXPECT_EQ(a.findings[1].text, "acknowledgment of REQ-1009 waiting for 1000 s (warning over 900 s)");
  EXPECT_EQ(a.findings[2].text, "quarantine: 3 message(s) held (intakectl quarantine list)");
}

// --- instances and leases ------------------------------------------------

TEST(Leases, a_holder_that_dies_right_after_renewing_is_replaced_within_failover_s) {
  const LeaseTiming t = LeaseTiming::for_failover(30);
  EXPECT_EQ(t.ttl, std::chrono::milliseconds(22500));
  EXPECT_EQ(t.renew_every, std::chrono::milliseconds(7500));
  // Worst case: it dies just after a renewal; the lease lasts ttl, and the
  // others try once per renew_every.
  EXPECT_LE(t.ttl + t.renew_every, std::chrono::seconds(30));
  // The holder renews at least twice before its lease could run out.
  EXPECT_GE(t.ttl, 2 * t.renew_every);
}

TEST(Leases, a_lease_its_holder_released_is_handed_over_quietly_and_only_a_takeover_warns) {
  EXPECT_FALSE(lease_gain_warns(LeaseGain::fresh)) << "no instance held it before";
  EXPECT_FALSE(lease_gain_warns(LeaseGain::handed_over)) << "the previous --once released it";
  EXPECT_TRUE(lease_gain_warns(LeaseGain::taken_over)) << "its holder expired, vanished or is unknown";
}

TEST(Leases, this_process_is_alive_and_an_exited_child_or_a_reused_pid_is_not) {
  const InstanceIdentity me = this_process("node-x", "1.2.3");
  EXPECT_EQ(me.node, "node-x");
  EXPECT_EQ(me.pid, static_cast<int>(::getpid()));
  EXPECT_GT(me.process_start, 0);
  EXPECT_EQ(me.id(), "node-x:" + std::to_string(me.pid) + ":" + std::to_string(me.process_start));
  EXPECT_TRUE(process_alive(me.pid, me.process_start));
  EXPECT_FALSE(process_alive(me.pid, me.process_start + 1)) << "the same pid, started at another time";
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_FALSE(process_alive(static_cast<int>(child), me.process_start));
  EXPECT_FALSE(this_process("", "1").node.empty()) << "the host name when no node name is set";
}

}  // namespace
}  // namespace intake::daemon

namespace intake::daemon {
namespace {

// Threads that ask for a stage's logger first at once all get the one logger
// (spdlog refuses a second of the same name: an exception in a sending lane).
TEST(StageLogger, threads_asking_for_a_new_stage_at_once_share_one_logger) {
  for (int round = 0; round < 50; ++round) {
    const std::string name = "race-" + std::to_string(round);
    std::vector<std::shared_ptr<spdlog::logger>> got(4);
    std::vector<std::thread> threads;
    std::atomic<int> ready{0};
    for (std::size_t i = 0; i < got.size(); ++i)
      threads.emplace_back([&, i] {
        ++ready;
        while (ready.load() < 4) std::this_thread::yield();
        got[i] = stage_logger(name);
      });
    for (auto& t : threads) t.join();
    for (const auto& g : got) EXPECT_EQ(g, got[0]) << name;
  }
}

}  // namespace
}  // namespace intake::daemon
