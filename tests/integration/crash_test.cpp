// Exactly once under crashes and outages, on the real stack: a backlog is
// drained while intaked is killed with SIGKILL at random moments, while
// PostgreSQL and Dovecot are restarted under it, and while PostgreSQL is down
// for a whole cycle. Every message must end as exactly one record, the shared
// inbox must end empty, and every request must get its acknowledgment.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <regex>
#include <thread>

#include "tests/support/stack_client.hpp"

namespace intake::testing {
namespace {

using namespace std::chrono_literals;

using Daemon = DaemonProcess;

std::string request_mail(const std::string& user, int n, bool with_message_id) {
  std::string raw = "From: Employee " + user + " <" + user + "@example.test>\n"
                    "To: requests@example.test\n"
                    "Subject: Backlog request " + std::to_string(n) + "\n"
                    "Date: Wed, 25 Nov 2026 09:15:00 +0100\n";
  if (with_message_id) raw += "Message-ID: <backlog-" + std::to_string(n) + "@" + user + ".example.test>\n";
  return raw + "Content-Type: text/plain; charset=utf-8\n\nPlease handle request number " + std::to_string(n) + ".\n";
}

const std::vector<std::string> senders = {"alice", "bob", "carol", "dave", "erin"};

class Crash : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = load_stack();
    ASSERT_FALSE(HasFailure());
    reset_stack(stack_);
    // Short pauses so a test takes seconds, not minutes; an interrupted send
    // is retried after 2 s. Each of the five senders sends 100 requests here:
    // the flood limit is raised so that every one is acknowledged.
    config_ = write_config(stack_, "crash", "resend_interrupted_after_s = 2\nmax_backoff_s = 2\nauto_reply_limit = 1000",
                           {{"poll_interval_s = 5", "poll_interval_s = 1"}});
    log_ = stack_.get("STACK_DIR") + "/crash-intaked.log";
  }

  // `count` messages straight into the shared inbox; every 10th has no Message-ID.
  void backlog(int count) {
    for (int n = 0; n < count; ++n)
      imap_append(stack_, "requests", "INBOX", request_mail(senders[static_cast<std::size_t>(n) % senders.size()], n, n % 10 != 3));
    ASSERT_EQ(imap_uids(stack_, "requests", "INBOX").size(), static_cast<std::size_t>(count));
  }

  // Polls until every message is a request and every acknowledgment is sent.
  bool wait_until_done(int count) {
    const auto deadline = std::chrono::steady_clock::now() + 240s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (sql_value(stack_, "SELECT count(*) FROM requests") == std::to_string(count) &&
          sql_value(stack_, "SELECT count(*) FROM outbox WHERE status <> 'sent'") == "0")
        return true;
      std::this_thread::sleep_for(500ms);
    }
    return false;
  }

  // Runs intaked until every message is a request and every acknowledgment is sent.
  void finish(int count) {
    Daemon daemon(config_, log_);
    ASSERT_TRUE(daemon.running());
    EXPECT_TRUE(wait_until_done(count));
    daemon.stop(SIGTERM);
  }

  // Requests, records, mailbox and acknowledgments all exactly once.
  void expect_exactly_once(int count) {
    const std::string n = std::to_string(count);
    EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM requests"), n);
    EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM messages WHERE direction = 'in'"), n);
    EXPECT_EQ(sql_value(stack_, "SELECT count(DISTINCT subject) FROM requests"), n);
    EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM quarantine"), "0");
    EXPECT_EQ(imap_uids(stack_, "requests", "INBOX").size(), 0U);
    EXPECT_EQ(imap_uids(stack_, "requests", "Processed").size(), static_cast<std::size_t>(count));
    EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox WHERE purpose = 'acknowledgment' AND status = 'sent'"), n);

    // Each request's acknowledgment in its sender's inbox. Apart from
    // intake, the MTA itself may deliver one transaction twice when Dovecot
    // is stopped mid-delivery (LMTP is at least once): same queue id, counted
    // apart and not intake's doing.
    expect_each_acknowledged_once(stack_, senders, "", count, 120);
  }

  void stack_part(const std::string& action, const std::string& part) {
    RunResult r = run_command(std::string(INTAKE_SOURCE_DIR) + "/scripts/stack " + action + " " +
                              stack_.get("STACK_DIR") + " " + part);
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }

  Stack stack_;
  std::string config_, log_;
};

TEST_F(Crash, sigkill_at_random_moments_twenty_times_leaves_every_message_exactly_once) {
  constexpr int count = 500;
  backlog(count);
  ASSERT_FALSE(HasFailure());
  const auto seed = static_cast<unsigned>(std::chrono::system_clock::now().time_since_epoch().count());
  std::cout << "kill schedule seed " << seed << "\n";
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> wait_ms(150, 1500);
  for (int kill = 0; kill < 20; ++kill) {
    Daemon daemon(config_, log_);
    ASSERT_TRUE(daemon.running());
    std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms(rng)));
    daemon.stop(SIGKILL);
  }
  std::cout << "after 20 kills: " << sql_value(stack_, "SELECT count(*) FROM requests") << " requests\n";
  finish(count);
  expect_exactly_once(count);
}

// Each request's acknowledgment as its recipients' inboxes hold it: Message-ID
// → deliveries, counted by the mail's own Message-ID (not by the MTA's queue
// ids), with the reference each names.
struct InboxAcks {
  std::map<std::string, int> deliveries;       // Message-ID → how many times it is in an inbox
  std::map<std::string, std::string> reference;  // Message-ID → REQ-n
  int total = 0;
};

InboxAcks acks_in_inboxes(const Stack& stack, const std::vector<std::string>& users) {
  InboxAcks acks;
  const std::regex id_header("Message-ID:\\s*<([^>]+)>", std::regex::icase);
  const std::regex reference_header("X-Intake-Reference:\\s*(REQ-[0-9]+)", std::regex::icase);
  for (const auto& user : users) {
    if (imap_uids(stack, user, "INBOX").empty()) continue;
    const std::string fetched =
        imap_command(stack, user, "INBOX", "UID FETCH 1:* (BODY.PEEK[HEADER.FIELDS (Message-ID X-Intake-Reference)])");
    std::size_t at = fetched.find("* ");
    while (at != std::string::npos) {
      const std::size_t next = fetched.find("\n* ", at + 2);
      const std::string item = fetched.substr(at, next == std::string::npos ? std::string::npos : next - at);
      at = next == std::string::npos ? next : next + 1;
      std::smatch id, ref;
      if (!std::regex_search(item, ref, reference_header) || !std::regex_search(item, id, id_header)) continue;
      ++acks.deliveries[id[1].str()];
      acks.reference[id[1].str()] = ref[1].str();
      ++acks.total;
    }
  }
  return acks;
}

// Issue 23: with the desk's sent copies on (smtp.sent_copy), a send cut off
// by a kill is sent again only when its copy did not come back, so a send
// that reached the server before the kill is not repeated. 200 requests,
// intaked SIGKILLed 20 times at random moments and Postfix restarted once
// under it: exactly 200 acknowledgments in the recipients' inboxes, 200
// distinct Message-IDs, none twice.
TEST_F(Crash, with_sent_copies_twenty_sigkills_and_an_mta_restart_leave_each_acknowledgment_in_its_inbox_exactly_once) {
  constexpr int count = 200;
  // The window must outlast a copy's way back (MTA, LMTP, the next fetch).
  config_ = write_config(stack_, "crash-copies", "resend_interrupted_after_s = 10\nmax_backoff_s = 2\nauto_reply_limit = 1000",
                         {{"poll_interval_s = 5", "poll_interval_s = 1"},
                          {"from = \"requests@example.test\"",
                           "from = \"requests@example.test\"\nsent_copy = \"requests+sent@example.test\""}});
  backlog(count);
  ASSERT_FALSE(HasFailure());
  const auto seed = static_cast<unsigned>(std::chrono::system_clock::now().time_since_epoch().count());
  std::cout << "kill schedule seed " << seed << "\n";
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> wait_ms(150, 1500);
  const int restart_at = std::uniform_int_distribution<int>(5, 15)(rng);
  for (int kill = 0; kill < 20; ++kill) {
    Daemon daemon(config_, log_);
    ASSERT_TRUE(daemon.running());
    std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms(rng)));
    if (kill == restart_at) {  // the MTA goes away under a running intaked, and comes back
      stack_part("stop-part", "postfix");
      std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms(rng)));
      stack_part("start-part", "postfix");
    }
    daemon.stop(SIGKILL);
  }
  std::cout << "after 20 kills: " << sql_value(stack_, "SELECT count(*) FROM requests") << " requests, "
            << sql_value(stack_, "SELECT count(*) FROM outbox WHERE interrupted > 0") << " sends interrupted\n";
  finish(count);
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM requests"), std::to_string(count));
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox WHERE purpose = 'acknowledgment' AND status = 'sent'"),
            std::to_string(count));
  // Every acknowledgment's copy came back, and the shared inbox is drained.
  std::string copies;
  for (int i = 0; i < 60; ++i) {
    copies = sql_value(stack_, "SELECT count(*) FROM outbox WHERE copy_seen_at IS NOT NULL AND purpose = 'acknowledgment'");
    if (copies == std::to_string(count) && imap_uids(stack_, "requests", "INBOX").empty()) break;
    std::this_thread::sleep_for(1s);
  }
  EXPECT_EQ(copies, std::to_string(count));
  InboxAcks acks;
  for (int i = 0; i < 120; ++i) {
    acks = acks_in_inboxes(stack_, senders);
    if (acks.total >= count) break;
    std::this_thread::sleep_for(1s);
  }
  std::this_thread::sleep_for(2s);  // a late second delivery would show now
  acks = acks_in_inboxes(stack_, senders);
  std::set<std::string> references;
  int twice = 0;
  for (const auto& [id, n] : acks.deliveries) {
    references.insert(acks.reference[id]);
    if (n > 1) {
      ++twice;
      ADD_FAILURE() << id << " (" << acks.reference[id] << ") is in an inbox " << n << " times";
    }
  }
  std::cout << "acknowledgments in the inboxes: " << acks.total << ", distinct Message-IDs " << acks.deliveries.size()
            << ", distinct references " << references.size() << ", twice " << twice << "; confirmed by their copy: "
            << sql_value(stack_, "SELECT count(*) FROM events WHERE type = 'sent_confirmed_by_copy'") << "\n";
  EXPECT_EQ(acks.total, count);
  EXPECT_EQ(acks.deliveries.size(), static_cast<std::size_t>(count));
  EXPECT_EQ(references.size(), static_cast<std::size_t>(count));
}

TEST_F(Crash, postgres_and_dovecot_restarted_mid_run_lose_and_duplicate_nothing) {
  constexpr int count = 500;
  backlog(count);
  ASSERT_FALSE(HasFailure());
  // One daemon throughout: it must recover from both outages by itself.
  Daemon daemon(config_, log_);
  ASSERT_TRUE(daemon.running());
  std::this_thread::sleep_for(700ms);
  stack_part("stop-part", "postgres");
  std::this_thread::sleep_for(3s);
  stack_part("start-part", "postgres");
  std::this_thread::sleep_for(1500ms);
  stack_part("stop-part", "dovecot");
  std::this_thread::sleep_for(3s);
  stack_part("start-part", "dovecot");
  EXPECT_TRUE(wait_until_done(count)) << "the same daemon drained the backlog after both outages";
  daemon.stop(SIGTERM);
  expect_exactly_once(count);
}

TEST_F(Crash, smtp_down_acknowledgments_wait_in_the_outbox_and_go_out_once_it_is_back) {
  constexpr int count = 10;
  backlog(count);
  ASSERT_FALSE(HasFailure());
  stack_part("stop-part", "postfix");
  RunResult down = run_command(std::string(INTAKED_PATH) + " --config " + config_ + " --once");
  EXPECT_EQ(down.exit_code, 1) << down.output;
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM requests"), std::to_string(count));
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox WHERE status = 'pending'"), std::to_string(count)) << down.output;
  // Each of the two connections (smtp.connections' default) tries its first
  // mail at most; the first failure stops both.
  const std::string tried = sql_value(stack_, "SELECT count(*) FROM outbox WHERE attempts > 0");
  EXPECT_TRUE(tried == "1" || tried == "2")
      << tried << ": the first failed send stops the drain: the others are not tried against a dead server";
  const std::string cause = "the mail server is unreachable, sending stops for this cycle: SMTP 127.0.0.1:" + stack_.get("SMTP_PORT");
  EXPECT_NE(down.output.find(cause), std::string::npos) << "one line naming the cause\n" << down.output;
  stack_part("start-part", "postfix");
  // The backoff after the failed attempt is 2 s here (max_backoff_s).
  Daemon daemon(config_, log_);
  ASSERT_TRUE(daemon.running());
  EXPECT_TRUE(wait_until_done(count));
  daemon.stop(SIGTERM);
  expect_exactly_once(count);
}

TEST_F(Crash, postgres_down_for_a_whole_cycle_moves_and_flags_nothing) {
  constexpr int count = 20;
  backlog(count);
  ASSERT_FALSE(HasFailure());
  stack_part("stop-part", "postgres");
  RunResult down = run_command(std::string(INTAKED_PATH) + " --config " + config_ + " --once");
  EXPECT_EQ(down.exit_code, 1) << down.output;
  EXPECT_NE(down.output.find("PostgreSQL"), std::string::npos) << "the log names the cause\n" << down.output;
  EXPECT_EQ(imap_uids(stack_, "requests", "INBOX").size(), static_cast<std::size_t>(count)) << "nothing moved";
  const std::string seen = imap_command(stack_, "requests", "INBOX", "UID SEARCH SEEN");
  EXPECT_TRUE(std::regex_search(seen, std::regex("^\\* SEARCH\\s*$", std::regex::multiline)))
      << "nothing flagged \\Seen: " << seen;
  stack_part("start-part", "postgres");
  RunResult up = run_command(std::string(INTAKED_PATH) + " --config " + config_ + " --once");
  EXPECT_EQ(up.exit_code, 0) << up.output;
  expect_exactly_once(count);
}

}  // namespace
}  // namespace intake::testing
