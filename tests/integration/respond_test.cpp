// Acknowledgments sent safely, on the real stack: an out-of-office
// autoresponder starts no loop, bounces get no answer and a delivery-status
// report finds the request whose acknowledgment bounced, a flood from one
// sender is answered only up to the limit, intake's own mail coming back is
// neither a request nor a reply, hostile subjects and names inject no header,
// and due-soon and overdue alerts reach the owner team once.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <thread>

#include "tests/support/stack_client.hpp"

namespace intake::testing {
namespace {

using namespace std::chrono_literals;

std::string mail(const std::string& from, const std::string& subject, const std::string& body, const std::string& id,
                 const std::string& extra = "") {
  std::string raw = "From: " + from + "\nTo: requests@example.test\nSubject: " + subject +
                    "\nDate: Tue, 01 Dec 2026 09:00:00 +0000\n";
  if (!id.empty()) raw += "Message-ID: <" + id + ">\n";
  return raw + extra + "Content-Type: text/plain; charset=utf-8\n\n" + body + "\n";
}

// The names of a message's header fields, in order.
std::vector<std::string> header_names(const std::string& raw) {
  std::vector<std::string> names;
  std::size_t pos = 0;
  while (pos < raw.size()) {
    std::size_t eol = raw.find('\n', pos);
    std::string line = raw.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
    pos = eol == std::string::npos ? raw.size() : eol + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) break;
    if (line[0] == ' ' || line[0] == '\t') continue;
    names.push_back(line.substr(0, line.find(':')));
  }
  return names;
}

class Respond : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = load_stack();
    ASSERT_FALSE(HasFailure());
    reset_stack(stack_);
  }
  RunResult once(const std::string& config) {
    RunResult r = run_command(std::string(INTAKED_PATH) + " --config " + config + " --once");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return r;
  }
  Stack stack_;
};

TEST_F(Respond, an_out_of_office_autoresponder_starts_no_loop) {
  const std::string config = stack_.config();
  imap_append(stack_, "requests", "INBOX", mail("Boss <boss@example.test>", "Budget numbers", "Please send them.", "budget@boss"));
  // Ten simulated minutes: a cycle, then boss's autoresponders answer every
  // new mail, one well-behaved (Auto-Submitted, threaded), one naive (no
  // header, a new thread, like some old mail servers).
  std::set<std::uint64_t> answered;
  for (int minute = 0; minute < 10; ++minute) {
    once(config);
    wait_for_messages(stack_, "boss", "INBOX", answered.size() + 1, minute == 0 ? 30 : 2);
    for (auto uid : imap_uids(stack_, "boss", "INBOX")) {
      if (!answered.insert(uid).second) continue;
      const std::string got = imap_fetch(stack_, "boss", "INBOX", uid);
      const std::string subject = header_of(got, "Subject");
      const std::string id = header_of(got, "Message-ID");
      imap_append(stack_, "requests", "INBOX",
                  mail("Boss <boss@example.test>", "Automatic reply: " + subject, "I am out of the office until Monday.",
                       "ooo-" + std::to_string(uid) + "@boss", "Auto-Submitted: auto-replied\nIn-Reply-To: " + id + "\n"));
      imap_append(stack_, "requests", "INBOX",
                  mail("Boss <boss@example.test>", "Out of Office: " + subject, "I am out of the office until Monday.",
                       "naive-ooo-" + std::to_string(uid) + "@boss"));
    }
  }
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(imap_uids(stack_, "boss", "INBOX").size(), 1U) << "one acknowledgment, for the real request";
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox"), "1");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM requests"), "1");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM messages WHERE direction = 'in' AND request_id IS NOT NULL"), "3")
      << "the request and both autoreplies, joined to it";
}

TEST_F(Respond, a_bounce_gets_no_answer_and_a_delivery_report_finds_the_request_whose_acknowledgment_bounced) {
  const std::string config = stack_.config();
  imap_append(stack_, "requests", "INBOX", mail("Erin <erin@example.test>", "Parking permit", "Renewal please.", "permit@erin"));
  once(config);
  const std::string reference = sql_value(stack_, "SELECT reference FROM requests");
  ASSERT_EQ(wait_for_messages(stack_, "erin", "INBOX", 1, 30), 1U);
  const std::string ack_id = header_of(imap_fetch(stack_, "erin", "INBOX", imap_uids(stack_, "erin", "INBOX")[0]), "Message-ID");
  // A remote MTA's report (RFC 3464) returning the acknowledgment's headers.
  const std::string dsn =
      "From: Mail Delivery System <MAILER-DAEMON@mx.example.test>\nTo: requests@example.test\n"
      "Subject: Undelivered Mail Returned to Sender\nMessage-ID: <dsn-1@mx.example.test>\n"
      "Date: Tue, 01 Dec 2026 09:05:00 +0000\nMIME-Version: 1.0\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\n\n"
      "--r\nContent-Type: text/plain\n\nYour message could not be delivered: mailbox full.\n\n"
      "--r\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.test\n\n"
      "Final-Recipient: rfc822; erin@example.test\nAction: failed\nStatus: 5.2.2\n\n"
      "--r\nContent-Type: text/rfc822-headers\n\nFrom: Requests desk <requests@example.test>\nTo: erin@example.test\n"
      "Subject: [" + reference + "] Parking permit\nMessage-ID: " + ack_id + "\n\n--r--\n";
  imap_append(stack_, "requests", "INBOX", dsn);
  // And a bounce about nothing intake sent.
  std::string stray = dsn;
  stray.replace(stray.find(ack_id), ack_id.size(), "<something-else@elsewhere.test>");
  stray.replace(stray.find("dsn-1@"), 6, "dsn-2@");
  imap_append(stack_, "requests", "INBOX", stray);
  once(config);
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM requests"), "1");
  EXPECT_EQ(sql_value(stack_, "SELECT r.reference FROM messages m JOIN requests r ON r.id = m.request_id"
                              " WHERE m.message_id = 'dsn-1@mx.example.test'"),
            reference);
  EXPECT_EQ(sql_value(stack_, "SELECT role FROM messages WHERE message_id = 'dsn-1@mx.example.test'"), "bounce");
  EXPECT_EQ(sql_value(stack_, "SELECT role FROM messages WHERE message_id = 'dsn-2@mx.example.test'"), "observed");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM events WHERE type = 'bounce'"), "1");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox"), "1") << "no answer to either bounce";
}

TEST_F(Respond, a_flood_from_one_sender_is_answered_up_to_the_limit_and_every_request_is_kept) {
  const std::string config = stack_.config();
  for (int i = 0; i < 50; ++i)
    imap_append(stack_, "requests", "INBOX",
                mail("Alice <alice@example.test>", "Flood " + std::to_string(i), "Request " + std::to_string(i), "flood-" + std::to_string(i) + "@alice"));
  RunResult r = once(config);
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM requests"), "50");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox WHERE purpose = 'acknowledgment'"), "10") << "daemon.auto_reply_limit";
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM events WHERE type = 'not_acknowledged' AND detail LIKE 'flood limit%'"), "40");
  EXPECT_NE(r.output.find("quiet: flood limit"), std::string::npos) << r.output;
  EXPECT_EQ(wait_for_messages(stack_, "alice", "INBOX", 10, 30), 10U);
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(imap_uids(stack_, "alice", "INBOX").size(), 10U);
}

TEST_F(Respond, intakes_own_acknowledgment_delivered_back_is_neither_a_request_nor_a_reply) {
  const std::string config = stack_.config();
  imap_append(stack_, "requests", "INBOX", mail("Carol <carol@example.test>", "Desk lamp", "Mine flickers.", "lamp@carol"));
  once(config);
  ASSERT_EQ(wait_for_messages(stack_, "carol", "INBOX", 1, 30), 1U);
  const std::string ack = imap_fetch(stack_, "carol", "INBOX", imap_uids(stack_, "carol", "INBOX")[0]);
  imap_append(stack_, "requests", "INBOX", ack);  // as if the shared address had been copied on it
  once(config);
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM requests"), "1");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM messages WHERE direction = 'in' AND role = 'own_copy'"), "1");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM events WHERE type = 'reply'"), "0");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox"), "1");
}

TEST_F(Respond, hostile_subject_and_name_inject_no_header_into_the_acknowledgment) {
  const std::string config = stack_.config();
  // A fake Bcc in the request itself, CR LF hidden in encoded words of the
  // subject and of the display name.
  const std::string raw =
      "From: =?UTF-8?Q?Erin=0D=0ABcc:_x@evil.test?= <erin@example.test>\nTo: requests@example.test\n"
      "Bcc: evil@evil.test\nSubject: hi=?UTF-8?Q?=0D=0ABcc:_x@evil.test?= =?UTF-8?B?DQpYLUluamVjdGVkOiB5ZXM=?=\n"
      "Message-ID: <hostile@erin>\nDate: Tue, 01 Dec 2026 09:00:00 +0000\n\nPlease.\n";
  imap_append(stack_, "requests", "INBOX", raw);
  once(config);
  ASSERT_EQ(wait_for_messages(stack_, "erin", "INBOX", 1, 30), 1U);
  const std::string ack = imap_fetch(stack_, "erin", "INBOX", imap_uids(stack_, "erin", "INBOX")[0]);
  std::map<std::string, int> counts;
  for (const auto& n : header_names(ack)) ++counts[n];
  EXPECT_EQ(counts.count("Bcc"), 0U);
  EXPECT_EQ(counts.count("X-Injected"), 0U);
  EXPECT_EQ(counts["To"], 1);
  EXPECT_EQ(counts["Subject"], 1);
  EXPECT_EQ(sql_value(stack_, "SELECT rcpt_to FROM outbox"), "erin@example.test");
  EXPECT_NE(header_of(ack, "Subject").find("hi"), std::string::npos);
}

TEST_F(Respond, due_soon_and_overdue_alerts_reach_the_owner_team_once) {
  // A calendar that is always open and targets small enough to be due at once.
  const std::string sections = R"(
[[calendar]]
name = "always"
time_zone = "UTC"
[calendar.hours]
mon = ["00:00-24:00"]
tue = ["00:00-24:00"]
wed = ["00:00-24:00"]
thu = ["00:00-24:00"]
fri = ["00:00-24:00"]
sat = ["00:00-24:00"]
sun = ["00:00-24:00"]

[service_levels]
calendar = "always"
first_response = "30min"
resolution = "2h"

[[category]]
name = "it"
keywords = ["printer"]
staff = ["bob@example.test", "dave@example.test"]
)";
  const std::string config = write_config(stack_, "due-alerts", "due_soon_before_min = 60", {}, sections);
  imap_append(stack_, "requests", "INBOX", mail("Alice <alice@example.test>", "Printer offline", "The printer is offline.", "printer@alice"));
  once(config);
  EXPECT_FALSE(sql_value(stack_, "SELECT due_first_response FROM requests").empty());
  // Due within the hour, but a 30-minute target is not "due soon" the moment
  // it arrives: the warning comes at half the time the team had.
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox WHERE purpose = 'due_soon_alert'"), "0");
  // 20 of its 30 minutes gone: one due-soon alert to each staff member.
  sql_exec(stack_, "UPDATE requests SET created_at = now() - interval '20 minutes',"
                   " due_first_response = now() + interval '10 minutes' RETURNING 1");
  once(config);
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox WHERE purpose = 'due_soon_alert'"), "1");
  EXPECT_EQ(sql_value(stack_, "SELECT rcpt_to FROM outbox WHERE purpose = 'due_soon_alert'"), "bob@example.test,dave@example.test");
  once(config);
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox WHERE purpose = 'due_soon_alert'"), "1") << "once";
  // Time passes (the due times move into the past): overdue, once, to the owner now that there is one.
  sql_exec(stack_, "UPDATE requests SET due_first_response = now() - interval '5 minutes',"
                   " due_resolution = now() - interval '1 minute', owner = 'bob@example.test' RETURNING 1");
  once(config);
  once(config);
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox WHERE purpose = 'overdue_alert'"), "2") << "first response and resolution";
  EXPECT_EQ(sql_value(stack_, "SELECT count(DISTINCT rcpt_to) FROM outbox WHERE purpose = 'overdue_alert'"), "1");
  EXPECT_EQ(sql_value(stack_, "SELECT rcpt_to FROM outbox WHERE purpose = 'overdue_alert' LIMIT 1"), "bob@example.test");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM events WHERE type IN ('due_soon_alert_queued', 'overdue_alert_queued')"), "3");
  ASSERT_GE(wait_for_messages(stack_, "bob", "INBOX", 3, 30), 3U);
  bool saw_overdue = false;
  for (auto uid : imap_uids(stack_, "bob", "INBOX"))
    saw_overdue = saw_overdue || header_of(imap_fetch(stack_, "bob", "INBOX", uid), "Subject").find("overdue: resolution by") != std::string::npos;
  EXPECT_TRUE(saw_overdue);
}

}  // namespace
}  // namespace intake::testing
