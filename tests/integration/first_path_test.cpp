// The first end-to-end path on the real stack: mail sent by SMTP to the shared
// address becomes a request in PostgreSQL, and each sender gets exactly one
// threaded acknowledgment in their own IMAP inbox; a second cycle changes nothing.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/support/stack_client.hpp"

namespace intake::testing {
namespace {

struct Sent {
  std::string user, message_id;
};

class FirstPath : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = load_stack();
    ASSERT_FALSE(HasFailure());
    reset_stack(stack_);
  }
  RunResult run_once() {
    return run_command(std::string(INTAKED_PATH) + " --config " + stack_.config() + " --once");
  }
  Stack stack_;
};

TEST_F(FirstPath, five_requests_make_five_records_and_one_threaded_acknowledgment_each) {
  const std::vector<Sent> sent = {
      {"alice", "laptop-1@alice.example.test"},
      {"bob", "badge-2@bob.example.test"},
      {"carol", "vpn-3@carol.example.test"},
      {"dave", "printer-4@dave.example.test"},
      {"erin", "payroll-5@erin.example.test"},
  };
  const std::vector<std::string> subjects = {"Laptop will not start", "New badge for a visitor", "VPN keeps dropping",
                                             "Printer on floor 3 jams", "Payroll export question"};
  for (std::size_t i = 0; i < sent.size(); ++i) {
    smtp_send(stack_, sent[i].user + "@example.test", {"requests@example.test"},
              plain_request(sent[i].user, "Employee " + sent[i].user, subjects[i], sent[i].message_id,
                           "Hello,\nplease help with: " + subjects[i] + ".\nThanks"));
  }
  ASSERT_EQ(wait_for_messages(stack_, "requests", "INBOX", sent.size(), 30), sent.size());

  RunResult first = run_once();
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM requests"), "5");
  EXPECT_EQ(sql_value(stack_, "SELECT count(DISTINCT requester_address) FROM requests"), "5");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox WHERE status = 'sent'"), "5");
  // Processed only after the commit: the shared inbox is empty, Processed holds all five.
  EXPECT_EQ(imap_uids(stack_, "requests", "INBOX").size(), 0u);
  EXPECT_EQ(imap_uids(stack_, "requests", "Processed").size(), 5u);

  for (const auto& s : sent) {
    ASSERT_EQ(wait_for_messages(stack_, s.user, "INBOX", 1, 30), 1u) << s.user;
    auto uids = imap_uids(stack_, s.user, "INBOX");
    ASSERT_EQ(uids.size(), 1u) << s.user;
    std::string ack = imap_fetch(stack_, s.user, "INBOX", uids[0]);
    const std::string reference =
        sql_value(stack_, "SELECT reference FROM requests r JOIN messages m ON m.request_id = r.id"
                          " WHERE m.message_id = '" + s.message_id + "'");
    ASSERT_FALSE(reference.empty()) << s.user;
    EXPECT_NE(header_of(ack, "Subject").find("[" + reference + "]"), std::string::npos) << header_of(ack, "Subject");
    EXPECT_EQ(header_of(ack, "In-Reply-To"), "<" + s.message_id + ">");
    EXPECT_NE(header_of(ack, "References").find("<" + s.message_id + ">"), std::string::npos);
    EXPECT_EQ(header_of(ack, "Auto-Submitted"), "auto-replied");
    EXPECT_NE(header_of(ack, "Message-ID").find(reference), std::string::npos);
  }

  RunResult second = run_once();
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM requests"), "5");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox"), "5");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM messages WHERE direction = 'in'"), "5");
  std::this_thread::sleep_for(std::chrono::seconds(2));  // anything wrongly sent would have arrived
  for (const auto& s : sent) EXPECT_EQ(imap_uids(stack_, s.user, "INBOX").size(), 1u) << s.user;
}

TEST_F(FirstPath, reply_to_acknowledgment_joins_request_and_gets_no_new_acknowledgment) {
  smtp_send(stack_, "alice@example.test", {"requests@example.test"},
            plain_request("alice", "Alice", "Monitor flickers", "monitor-1@alice.example.test", "It flickers."));
  ASSERT_EQ(wait_for_messages(stack_, "requests", "INBOX", 1, 30), 1u);
  ASSERT_EQ(run_once().exit_code, 0);
  ASSERT_EQ(wait_for_messages(stack_, "alice", "INBOX", 1, 30), 1u);
  std::string ack = imap_fetch(stack_, "alice", "INBOX", imap_uids(stack_, "alice", "INBOX")[0]);
  std::string ack_id = header_of(ack, "Message-ID");
  ASSERT_GT(ack_id.size(), 2u);
  std::string reply = "From: Alice <alice@example.test>\nTo: requests@example.test\nSubject: Re: " +
                      header_of(ack, "Subject") + "\nMessage-ID: <monitor-2@alice.example.test>\nIn-Reply-To: " + ack_id +
                      "\nReferences: <monitor-1@alice.example.test> " + ack_id + "\n\nIt is the Dell one.\n";
  smtp_send(stack_, "alice@example.test", {"requests@example.test"}, reply);
  ASSERT_EQ(wait_for_messages(stack_, "requests", "INBOX", 1, 30), 1u);
  ASSERT_EQ(run_once().exit_code, 0);
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM requests"), "1");
  EXPECT_EQ(sql_value(stack_, "SELECT role FROM messages WHERE message_id = 'monitor-2@alice.example.test'"), "reply");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox"), "1");
}

TEST_F(FirstPath, shared_address_only_in_cc_is_observed_not_a_request) {
  std::string mail = "From: Boss <boss@example.test>\nTo: alice@example.test, bob@example.test\n"
                     "Cc: requests@example.test\nSubject: Team lunch on Friday\n"
                     "Message-ID: <lunch-1@boss.example.test>\n\nLunch is on me.\n";
  smtp_send(stack_, "boss@example.test", {"alice@example.test", "bob@example.test", "requests@example.test"}, mail);
  ASSERT_EQ(wait_for_messages(stack_, "requests", "INBOX", 1, 30), 1u);
  ASSERT_EQ(run_once().exit_code, 0);
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM requests"), "0");
  EXPECT_EQ(sql_value(stack_, "SELECT role FROM messages WHERE message_id = 'lunch-1@boss.example.test'"), "observed");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox"), "0");
}

}  // namespace
}  // namespace intake::testing
