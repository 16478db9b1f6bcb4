// One outcome per message on the real stack (issue 18): no email stops the
// desk. A hostile Message-ID is taken in, a message PostgreSQL refuses is
// quarantined after daemon.max_attempts with its reason, and the requests
// behind either are recorded and acknowledged in the same cycle; intaked
// --once says with its exit code whether the cycle could do its work.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "tests/support/stack_client.hpp"

namespace intake::testing {
namespace {

std::string request_mail(const std::string& user, const std::string& subject, const std::string& message_id) {
  return plain_request(user, "Employee " + user, subject, message_id, "Hello,\nplease help with: " + subject + ".\nThanks");
}

class OneOutcome : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = load_stack();
    ASSERT_FALSE(HasFailure());
    reset_stack(stack_);
  }
  RunResult run_once(const std::string& config) { return run_command(std::string(INTAKED_PATH) + " --config " + config + " --once"); }
  Stack stack_;
};

TEST_F(OneOutcome, four_kilobyte_message_id_then_a_normal_request_both_taken_in_the_same_cycle) {
  // 4 KB that do not compress (PostgreSQL compresses an index entry before it
  // checks its size): digits of a fixed pseudo-random sequence.
  std::string hostile_id;
  for (std::uint32_t x = 12345; hostile_id.size() < 4000;) {
    x = x * 1103515245u + 12345u;
    hostile_id += static_cast<char>('a' + (x >> 16) % 26);
  }
  hostile_id += "@alice.example.test";
  smtp_send(stack_, "alice@example.test", {"requests@example.test"},
            request_mail("alice", "Laptop will not start", hostile_id));
  smtp_send(stack_, "bob@example.test", {"requests@example.test"},
            request_mail("bob", "New badge for a visitor", "badge-2@bob.example.test"));
  ASSERT_EQ(wait_for_messages(stack_, "requests", "INBOX", 2, 30), 2u);

  const RunResult first = run_once(stack_.config());
  ASSERT_EQ(first.exit_code, 0) << first.output;
  // Both are requests; the hostile Message-ID is stored as its hash and kept
  // in full in the raw message (which Postfix folded: unfolded here).
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM requests"), "2");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM quarantine"), "0");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM messages WHERE direction = 'in' AND message_id LIKE 'sha256:%'"
                              " AND position('<" + hostile_id + ">' in regexp_replace(convert_from(raw, 'UTF8'),"
                              " E'\\r?\\n[ \\t]', '', 'g')) > 0"),
            "1");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox WHERE status = 'sent'"), "2");
  ASSERT_EQ(wait_for_messages(stack_, "bob", "INBOX", 1, 30), 1u);
  const std::string ack = imap_fetch(stack_, "bob", "INBOX", imap_uids(stack_, "bob", "INBOX").at(0));
  EXPECT_EQ(header_of(ack, "In-Reply-To"), "<badge-2@bob.example.test>");
  ASSERT_EQ(wait_for_messages(stack_, "alice", "INBOX", 1, 30), 1u);
  EXPECT_TRUE(imap_uids(stack_, "requests", "INBOX").empty());

  // A second cycle finds nothing waiting and changes nothing.
  const RunResult second = run_once(stack_.config());
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM requests"), "2");
  EXPECT_TRUE(imap_uids(stack_, "requests", "INBOX").empty());
  EXPECT_EQ(imap_uids(stack_, "requests", "Processed").size(), 2u);
}

TEST_F(OneOutcome, a_message_the_database_refuses_is_quarantined_after_max_attempts_and_the_next_is_acknowledged) {
  // A deterministic refusal planted in the real database: any message whose
  // subject says "poison" cannot be inserted.
  sql_exec(stack_,
           "CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
           " IF NEW.subject LIKE '%poison%' THEN RAISE EXCEPTION 'planted refusal of %', NEW.subject; END IF;"
           " RETURN NEW; END $$;"
           " CREATE TRIGGER refuse_poison BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION refuse_poison()");
  smtp_send(stack_, "alice@example.test", {"requests@example.test"},
            request_mail("alice", "poison pill", "poison-1@alice.example.test"));
  smtp_send(stack_, "bob@example.test", {"requests@example.test"},
            request_mail("bob", "New badge for a visitor", "badge-2@bob.example.test"));
  ASSERT_EQ(wait_for_messages(stack_, "requests", "INBOX", 2, 30), 2u);

  const RunResult run = run_once(stack_.config());
  // The cycle went on past a quarantined message: exit 0.
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("quarantined"), std::string::npos) << run.output;
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM requests"), "1");
  EXPECT_EQ(sql_value(stack_, "SELECT requester_address FROM requests"), "bob@example.test");
  EXPECT_EQ(sql_value(stack_, "SELECT failures FROM ingest_failures"), "3");
  const std::string reason = sql_value(stack_, "SELECT reason FROM quarantine");
  EXPECT_NE(reason.find("could not be stored (3 attempts, daemon.max_attempts = 3)"), std::string::npos) << reason;
  EXPECT_NE(reason.find("planted refusal of poison pill"), std::string::npos) << reason;
  EXPECT_EQ(sql_value(stack_, "SELECT position('poison-1@alice.example.test' in convert_from(raw, 'UTF8')) > 0 FROM quarantine"),
            "t");
  ASSERT_EQ(wait_for_messages(stack_, "bob", "INBOX", 1, 30), 1u);
  EXPECT_TRUE(imap_uids(stack_, "requests", "INBOX").empty());
  EXPECT_EQ(imap_uids(stack_, "requests", "Processed").size(), 2u);
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox WHERE rcpt_to LIKE '%alice%'"), "0");
}

// A raw message of 1 MiB or more goes to PostgreSQL in pieces (COPY into a
// temporary table); refused three times, it reaches the quarantine whole,
// the same way, and the temporary tables left by the rolled-back attempts
// are no obstacle.
TEST_F(OneOutcome, a_big_message_the_database_refuses_is_quarantined_byte_for_byte) {
  sql_exec(stack_,
           "CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
           " IF NEW.subject LIKE '%poison%' THEN RAISE EXCEPTION 'planted refusal of %', NEW.subject; END IF;"
           " RETURN NEW; END $$;"
           " CREATE TRIGGER refuse_poison BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION refuse_poison()");
  std::string big = "From: Alice <alice@example.test>\r\nTo: requests@example.test\r\nSubject: big poison pill\r\n"
                    "Message-ID: <big-poison@alice.example.test>\r\nMIME-Version: 1.0\r\n"
                    "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee the file.\r\n"
                    "--b\r\nContent-Type: application/pdf; name=\"scan.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  for (int i = 0; big.size() < 3U * 1024 * 1024; ++i)
    big += "JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFIvRmlsdGVyIC9GbGF0ZURlY29kZT4+CnN0cmVh" +
           std::to_string(1000000 + i) + "\r\n";
  big += "--b--\r\n";
  imap_append(stack_, "requests", "INBOX", big);
  smtp_send(stack_, "bob@example.test", {"requests@example.test"},
            request_mail("bob", "New badge for a visitor", "badge-4@bob.example.test"));
  ASSERT_EQ(wait_for_messages(stack_, "requests", "INBOX", 2, 30), 2u);

  const RunResult run = run_once(stack_.config());
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(sql_value(stack_, "SELECT requester_address FROM requests"), "bob@example.test");
  EXPECT_EQ(sql_value(stack_, "SELECT failures FROM ingest_failures"), "3");
  EXPECT_NE(sql_value(stack_, "SELECT reason FROM quarantine").find("planted refusal of big poison pill"), std::string::npos);
  EXPECT_EQ(sql_value(stack_, "SELECT octet_length(raw) FROM quarantine"), std::to_string(big.size()));
  EXPECT_TRUE(sql_value(stack_, "SELECT convert_from(raw, 'UTF8') FROM quarantine") == big) << "the bytes as received";
  EXPECT_TRUE(imap_uids(stack_, "requests", "INBOX").empty());
}

TEST_F(OneOutcome, once_exits_non_zero_when_the_database_cannot_be_reached) {
  smtp_send(stack_, "bob@example.test", {"requests@example.test"},
            request_mail("bob", "New badge for a visitor", "badge-3@bob.example.test"));
  ASSERT_EQ(wait_for_messages(stack_, "requests", "INBOX", 1, 30), 1u);
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  const std::string config =
      write_config(stack_, "no-database", "", {{"127.0.0.1:" + stack_.get("PG_PORT") + "/", "127.0.0.1:1/"}});
  const RunResult run = run_once(config);
  EXPECT_NE(run.exit_code, 0) << run.output;
  // Nothing was lost: the message waits on the server for the next cycle.
  EXPECT_EQ(imap_uids(stack_, "requests", "INBOX").size(), 1u);
  const RunResult again = run_once(stack_.config());
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM requests"), "1");
}

}  // namespace
}  // namespace intake::testing
