// Several intaked instances on one PostgreSQL and one shared mailbox, on the
// real stack: three instances, named as three nodes, while 1,000 requests
// arrive; the lease holder is paused (SIGSTOP) past its lease, then the next
// holder is killed with SIGKILL, then the one after is stopped with SIGTERM.
// Every request must be recorded once and acknowledged once, the lease must
// move within daemon.failover_s each time, and the summary and alerts that
// fall due during the run must go out once across all instances.
#include <gtest/gtest.h>

#include <signal.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "tests/support/stack_client.hpp"

namespace intake::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int failover_s = 6;
const std::vector<std::string> senders = {"alice", "carol", "dave", "erin"};

std::string request_mail(int n) {
  const std::string& user = senders[static_cast<std::size_t>(n) % senders.size()];
  return "From: " + user + " <" + user + "@example.test>\n"
         "To: requests@example.test\n"
         "Subject: Node request " + std::to_string(n) + "\n"
         "Date: Tue, 01 Dec 2026 09:15:00 +0000\n"
         "Message-ID: <node-" + std::to_string(n) + "@" + user + ".example.test>\n"
         "Content-Type: text/plain; charset=utf-8\n\nPlease handle request number " + std::to_string(n) + ".\n";
}

// "HH:MM" UTC of the first whole minute at least `ahead` from now, and how long until it.
std::pair<std::string, std::chrono::seconds> minute_ahead(std::chrono::seconds ahead) {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto at = ceil<minutes>(now + ahead);
  const auto time = hh_mm_ss<minutes>(floor<minutes>(at - floor<days>(at)));
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()));
  return {buf, duration_cast<seconds>(at - now)};
}

class Nodes : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = load_stack();
    ASSERT_FALSE(HasFailure());
    reset_stack(stack_);
  }

  // The instance that holds the mailbox's lease, as a node name ("" when none).
  std::string holder_node() {
    return sql_value(stack_, "SELECT i.node FROM mailbox_leases l JOIN instances i ON i.id = l.holder"
                             " WHERE l.mailbox = 'requests' AND l.expires_at > now()");
  }

  // Waits until the lease is held by a node other than `from`; the seconds it took from `since`.
  double wait_for_new_holder(const std::string& from, Clock::time_point since, std::string& to) {
    while (Clock::now() - since < std::chrono::seconds(failover_s * 4)) {
      to = holder_node();
      if (!to.empty() && to != from) break;
      std::this_thread::sleep_for(100ms);
    }
    return std::chrono::duration<double>(Clock::now() - since).count();
  }

  int created() { return std::stoi(sql_value(stack_, "SELECT count(*) FROM requests WHERE subject LIKE 'Node request %'")); }

  void wait_for_created(int at_least) {
    const auto deadline = Clock::now() + 180s;
    while (created() < at_least && Clock::now() < deadline) std::this_thread::sleep_for(100ms);
  }

  Stack stack_;
};

TEST_F(Nodes, three_instances_share_one_mailbox_through_pause_sigkill_and_sigterm_with_everything_exactly_once) {
  constexpr int count = 1000;
  // A daily summary due during the run, and an owner whose requests fall due.
  const auto [summary_at, summary_in] = minute_ahead(25s);
  std::cout << "summary due at " << summary_at << " UTC, in " << summary_in.count() << " s\n";
  const std::string sections = "[[summary]]\nname = \"daily\"\nto = \"boss@example.test\"\nfrequency = \"daily\"\n"
                               "at = \"" + summary_at + "\"\ntime_zone = \"UTC\"\n";
  // A send left 'sending' by the paused or the killed instance is taken again
  // after 20 s: longer than the pause, so the paused one, woken in the middle
  // of a send, finishes it before anyone else would send it again.
  const std::string daemon_lines = "failover_s = " + std::to_string(failover_s) +
                                   "\nresend_interrupted_after_s = 20\nmax_backoff_s = 2\nauto_reply_limit = 5000"
                                   "\ndue_soon_before_min = 60";
  std::map<std::string, std::string> configs;
  for (const std::string node : {"node-a", "node-b", "node-c"})
    configs[node] = write_config(stack_, node, daemon_lines + "\nnode_name = \"" + node + "\"",
                                 {{"poll_interval_s = 5", "poll_interval_s = 1"}}, sections);

  // Yesterday's summary goes out now, before the run: only today's is due during it.
  RunResult before = run_command(std::string(INTAKED_PATH) + " --config " + configs["node-a"] + " --once");
  ASSERT_EQ(before.exit_code, 0) << before.output;
  ASSERT_EQ(sql_value(stack_, "SELECT count(*) FROM summary_sent"), "1") << before.output;
  // Seeded requests owned by bob, made three days ago (so that the window of
  // 60 minutes, not half of their targets, sets when they are due soon): one
  // due soon 25 s into the run, one whose resolution is due soon at once and
  // overdue 30 s into the run.
  sql_exec(stack_,
           "INSERT INTO requests (mailbox, requester_address, requester_name, subject, category, owner, status,"
           " created_at, due_first_response, due_resolution) VALUES"
           " ('requests', 'frank@example.test', 'Frank', 'Seeded first response', 'general', 'bob@example.test',"
           "  'acknowledged', now() - interval '3 days', now() + interval '60 minutes 25 seconds', now() + interval '3 days'),"
           " ('requests', 'frank@example.test', 'Frank', 'Seeded resolution', 'general', 'bob@example.test',"
           "  'acknowledged', now() - interval '3 days', now() + interval '10 days', now() + interval '30 seconds') RETURNING 1");
  const auto run_start = Clock::now();

  std::map<std::string, std::unique_ptr<DaemonProcess>> nodes;
  std::map<std::string, std::string> logs;
  for (const auto& [node, config] : configs) {
    logs[node] = stack_.get("STACK_DIR") + "/" + node + "-intaked.log";
    std::ofstream(logs[node], std::ios::trunc).close();
    nodes[node] = std::make_unique<DaemonProcess>(config, logs[node]);
    ASSERT_TRUE(nodes[node]->running());
  }
  // The requests arrive over about 25 s while the instances run.
  std::atomic<int> appended{0};
  std::thread arrivals([&] {
    for (int n = 0; n < count; ++n) {
      imap_append(stack_, "requests", "INBOX", request_mail(n));
      appended = n + 1;
      std::this_thread::sleep_for(25ms);
    }
  });

  // 1. The holder pauses (a hung host, a lost network) past its lease: another takes over.
  wait_for_created(200);
  const std::string paused = holder_node();
  ASSERT_FALSE(paused.empty());
  nodes[paused]->signal(SIGSTOP);
  const auto paused_at = Clock::now();
  std::string second;
  const double pause_takeover_s = wait_for_new_holder(paused, paused_at, second);
  std::cout << "paused " << paused << ": lease moved to " << second << " after " << pause_takeover_s << " s\n";
  EXPECT_FALSE(second.empty());
  EXPECT_LE(pause_takeover_s, failover_s + 1.0) << "taken over within failover_s";
  std::this_thread::sleep_for(2s);
  nodes[paused]->signal(SIGCONT);  // it must notice it lost the lease and fetch nothing more

  // 2. The new holder is killed.
  wait_for_created(500);
  const std::string killed = holder_node();
  ASSERT_FALSE(killed.empty());
  const auto killed_at = Clock::now();
  nodes[killed]->stop(SIGKILL);
  std::string third;
  const double kill_takeover_s = wait_for_new_holder(killed, killed_at, third);
  std::cout << "killed " << killed << ": lease moved to " << third << " after " << kill_takeover_s << " s\n";
  EXPECT_FALSE(third.empty());
  EXPECT_LE(kill_takeover_s, failover_s + 1.0) << "taken over within failover_s";

  // 3. The holder after it is stopped with SIGTERM: it releases the lease on its way out.
  wait_for_created(750);
  const std::string stopped = holder_node();
  ASSERT_FALSE(stopped.empty());
  const auto stopped_at = Clock::now();
  EXPECT_EQ(nodes[stopped]->stop(SIGTERM), 0);
  std::string last;
  const double stop_takeover_s = wait_for_new_holder(stopped, stopped_at, last);
  std::cout << "stopped " << stopped << ": lease moved to " << last << " after " << stop_takeover_s << " s\n";
  EXPECT_FALSE(last.empty());
  EXPECT_LE(stop_takeover_s, failover_s / 4.0 + 2.0) << "a released lease is taken at the next attempt";
  arrivals.join();

  // The survivor finishes: every request, every acknowledgment, the summary, the alerts.
  const auto deadline = Clock::now() + 240s;
  auto done = [&] {
    return created() == count &&
           sql_value(stack_, "SELECT count(*) FROM outbox WHERE status <> 'sent'") == "0" &&
           sql_value(stack_, "SELECT count(*) FROM summary_sent") == "2" &&
           sql_value(stack_, "SELECT count(*) FROM outbox WHERE purpose IN ('due_soon_alert', 'overdue_alert')") == "3";
  };
  while (!done() && Clock::now() < deadline) std::this_thread::sleep_for(500ms);
  const double run_s = std::chrono::duration<double>(Clock::now() - run_start).count();
  std::cout << "run took " << run_s << " s; " << appended << " appended\n";
  for (auto& [node, process] : nodes)
    if (process->running()) EXPECT_EQ(process->stop(SIGTERM), 0) << node;

  const std::string n = std::to_string(count);
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM requests WHERE subject LIKE 'Node request %'"), n);
  EXPECT_EQ(sql_value(stack_, "SELECT count(DISTINCT subject) FROM requests WHERE subject LIKE 'Node request %'"), n);
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM messages WHERE direction = 'in'"), n);
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM quarantine"), "0");
  EXPECT_EQ(imap_uids(stack_, "requests", "INBOX").size(), 0U);
  EXPECT_EQ(imap_uids(stack_, "requests", "Processed").size(), static_cast<std::size_t>(count));
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox WHERE purpose = 'acknowledgment' AND status = 'sent'"), n);
  EXPECT_EQ(sql_value(stack_, "SELECT count(DISTINCT request_id) FROM outbox WHERE purpose = 'acknowledgment'"), n);
  expect_each_acknowledged_once(stack_, senders, "subject LIKE 'Node request %'", count, 120);
  // Each of the three nodes held the lease in turn (node-a's --once before the run is a fourth instance).
  const std::string fetchers = sql_value(
      stack_, "SELECT count(DISTINCT i.node) FROM lease_events e JOIN instances i ON i.id = e.to_holder"
              " WHERE e.mailbox = 'requests'");
  EXPECT_EQ(fetchers, "3");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM lease_events WHERE mailbox = 'requests' AND to_holder IS NOT NULL"), "5")
      << "--once, the first holder of the run, and one taker after each of the three faults";

  // Scheduled work once across the instances: today's summary and the three alerts.
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM summary_sent"), "2");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox WHERE purpose = 'summary' AND status = 'sent'"), "2");
  EXPECT_EQ(wait_for_messages(stack_, "boss", "INBOX", 2, 60), 2U);
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(imap_uids(stack_, "boss", "INBOX").size(), 2U) << "one summary before the run, one during it";
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox WHERE purpose = 'due_soon_alert'"), "2");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox WHERE purpose = 'overdue_alert'"), "1");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox WHERE purpose IN ('due_soon_alert', 'overdue_alert')"
                              " AND status = 'sent'"), "3");
  EXPECT_EQ(wait_for_messages(stack_, "bob", "INBOX", 3, 60), 3U);
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(imap_uids(stack_, "bob", "INBOX").size(), 3U) << "each alert once";

  // Failover logged on both sides with the reason (a killed process cannot log its side).
  const std::string paused_log = read_file(logs[paused]);
  EXPECT_NE(paused_log.find("lease requests: lost, taken over by " ), std::string::npos) << paused_log.substr(0, 4000);
  EXPECT_NE(read_file(logs[second]).find("lease requests: taken over from " + paused), std::string::npos);
  EXPECT_NE(read_file(logs[second]).find("its lease expired"), std::string::npos);
  EXPECT_NE(read_file(logs[third]).find("lease requests: taken over from " + killed), std::string::npos);
  EXPECT_NE(read_file(logs[stopped]).find("lease requests: released by " + stopped), std::string::npos);
  // A lease its holder released is a planned hand-over: info, not a warning.
  const std::string last_log = read_file(logs[last]);
  const auto handed = last_log.find("lease requests: handed over from " + stopped + ":");
  ASSERT_NE(handed, std::string::npos) << last_log.substr(0, 4000);
  const std::string handed_line = last_log.substr(last_log.rfind('\n', handed) + 1,
                                                  last_log.find('\n', handed) - last_log.rfind('\n', handed) - 1);
  EXPECT_NE(handed_line.find(" info [service] "), std::string::npos) << handed_line;
  // Why the holder released it depends on when the stop reached it (between
  // cycles or in one); that it was released is the point.
  EXPECT_NE(handed_line.find("its holder had released it (released: "), std::string::npos) << handed_line;
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM lease_events WHERE mailbox = 'requests' AND reason LIKE 'its lease expired%'"),
            "2") << "the pause and the kill";

  // intakectl status shows every instance with what it holds.
  RunResult status = run_command(std::string(INTAKECTL_PATH) + " --config " + configs["node-a"] + " status --json");
  for (const std::string node : {"node-a", "node-b", "node-c"})
    EXPECT_NE(status.output.find("\"node\":\"" + node + "\""), std::string::npos) << status.output;
  EXPECT_NE(status.output.find("\"state\":\"stopped\""), std::string::npos) << status.output;
  EXPECT_NE(status.output.find("\"lease_events\":["), std::string::npos) << status.output;
}

TEST_F(Nodes, a_holder_cut_off_from_the_database_is_replaced_and_stands_by_once_it_is_back) {
  // node-a reaches PostgreSQL through a relay the test can sever; node-b directly.
  TcpRelay relay(std::stoi(stack_.get("PG_PORT")));
  const std::string daemon_lines = "failover_s = " + std::to_string(failover_s) +
                                   "\nresend_interrupted_after_s = 2\nmax_backoff_s = 2\nauto_reply_limit = 5000";
  const std::string url_line = "url = \"postgresql://intake@127.0.0.1:" + stack_.get("PG_PORT") + "/intake\"";
  const std::string config_a =
      write_config(stack_, "node-a", daemon_lines + "\nnode_name = \"node-a\"",
                   {{"poll_interval_s = 5", "poll_interval_s = 1"},
                    {url_line, "url = \"postgresql://intake@127.0.0.1:" + std::to_string(relay.port()) + "/intake\""}});
  const std::string config_b = write_config(stack_, "node-b", daemon_lines + "\nnode_name = \"node-b\"",
                                            {{"poll_interval_s = 5", "poll_interval_s = 1"}});
  const std::string log_a = stack_.get("STACK_DIR") + "/cut-node-a.log", log_b = stack_.get("STACK_DIR") + "/cut-node-b.log";
  std::ofstream(log_a, std::ios::trunc).close();
  std::ofstream(log_b, std::ios::trunc).close();

  DaemonProcess a(config_a, log_a);
  const auto started = Clock::now();
  while (holder_node() != "node-a" && Clock::now() - started < 20s) std::this_thread::sleep_for(100ms);
  ASSERT_EQ(holder_node(), "node-a");
  DaemonProcess b(config_b, log_b);
  for (int n = 0; n < 40; ++n) imap_append(stack_, "requests", "INBOX", request_mail(n));
  wait_for_created(40);
  ASSERT_EQ(created(), 40);

  relay.sever();
  const auto cut_at = Clock::now();
  std::string taker;
  const double takeover_s = wait_for_new_holder("node-a", cut_at, taker);
  std::cout << "node-a cut off from PostgreSQL: lease moved to " << taker << " after " << takeover_s << " s\n";
  EXPECT_EQ(taker, "node-b");
  EXPECT_LE(takeover_s, failover_s + 1.0) << "taken over within failover_s";
  for (int n = 40; n < 80; ++n) imap_append(stack_, "requests", "INBOX", request_mail(n));
  wait_for_created(80);
  EXPECT_EQ(created(), 80) << "node-b fetches while node-a is cut off";

  relay.restore();
  // Back on the database, node-a finds the lease taken and stands by.
  const auto back = Clock::now();
  while (read_file(log_a).find("lease requests: held by node-b") == std::string::npos && Clock::now() - back < 30s)
    std::this_thread::sleep_for(200ms);
  for (int n = 80; n < 100; ++n) imap_append(stack_, "requests", "INBOX", request_mail(n));
  wait_for_created(100);
  const auto deadline = Clock::now() + 60s;
  while (sql_value(stack_, "SELECT count(*) FROM outbox WHERE status <> 'sent'") != "0" && Clock::now() < deadline)
    std::this_thread::sleep_for(200ms);
  EXPECT_EQ(holder_node(), "node-b") << "the lease stays where it went";
  EXPECT_EQ(a.stop(SIGTERM), 0);
  EXPECT_EQ(b.stop(SIGTERM), 0);

  EXPECT_EQ(created(), 100);
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM messages WHERE direction = 'in'"), "100");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox WHERE purpose = 'acknowledgment' AND status = 'sent'"), "100");
  expect_each_acknowledged_once(stack_, senders, "", 100, 60);
  // Both sides logged it, with the reason.
  const std::string a_log = read_file(log_a), b_log = read_file(log_b);
  EXPECT_NE(a_log.find("lease requests: lost, it could not be renewed in time"), std::string::npos) << a_log.substr(0, 6000);
  EXPECT_NE(a_log.find("lease requests: held by node-b"), std::string::npos) << a_log.substr(0, 6000);
  EXPECT_NE(b_log.find("lease requests: taken over from node-a"), std::string::npos) << b_log.substr(0, 6000);
  EXPECT_NE(b_log.find("its lease expired"), std::string::npos);
}

}  // namespace
}  // namespace intake::testing
