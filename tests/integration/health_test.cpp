// Health on the real stack: failed fetches are counted, the admin is emailed
// once per outage, `intakectl status` tells, and a quarantined message is
// taken in again with `intakectl quarantine retry`.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/stack_client.hpp"

namespace intake::testing {
namespace {

class Health : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = load_stack();
    ASSERT_FALSE(HasFailure());
    reset_stack(stack_);
  }
  RunResult intaked_once(const std::string& config) {
    return run_command(std::string(INTAKED_PATH) + " --config " + config + " --once");
  }
  RunResult intakectl(const std::string& config, const std::string& args) {
    return run_command(std::string(INTAKECTL_PATH) + " --config " + config + " " + args);
  }
  Stack stack_;
};

TEST_F(Health, failed_fetches_alert_the_admin_once_and_status_reports_them) {
  const std::string wrong_password = stack_.get("STACK_DIR") + "/secrets/wrong_password";
  std::ofstream(wrong_password) << "not-the-password\n";
  const std::string broken = write_config(stack_, "health-broken",
                                          "admin_address = \"admin@example.test\"\nalert_after_failures = 2",
                                          {{"secrets/mail_password", "secrets/wrong_password"}});
  std::string outputs;
  for (int i = 0; i < 3; ++i) {
    RunResult r = intaked_once(broken);
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("mailbox requests:"), std::string::npos) << "one log line naming the mailbox\n" << r.output;
    outputs += r.output;
  }
  // The alert's lines name its outbox row (it has no request), and the cycle counts it as what it is.
  EXPECT_NE(outputs.find(": admin_alert sent to admin@example.test"), std::string::npos) << outputs;
  EXPECT_EQ(outputs.find("[respond] : "), std::string::npos) << outputs;
  EXPECT_NE(outputs.find("mail sent 1 admin_alert; failed none"), std::string::npos) << outputs;
  EXPECT_EQ(outputs.find("sent 1 acknowledgment"), std::string::npos) << outputs;
  EXPECT_EQ(outputs.find("acknowledgment sent"), std::string::npos) << outputs;
  RunResult status = intakectl(broken, "status --json");
  EXPECT_EQ(status.exit_code, 2) << "3 failures in a row, past alert_after_failures = 2: critical\n" << status.output;
  auto j = nlohmann::json::parse(status.output, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << status.output;
  EXPECT_FALSE(j["healthy"].get<bool>());
  EXPECT_EQ(j["level"], "CRITICAL");
  ASSERT_EQ(j["mailboxes"].size(), 1U);
  EXPECT_EQ(j["mailboxes"][0]["consecutive_failures"], 3);
  EXPECT_TRUE(j["mailboxes"][0]["admin_alerted"].get<bool>());
  EXPECT_FALSE(j["mailboxes"][0]["last_error"].get<std::string>().empty());

  // Exactly one alert, though three cycles failed (two of them at or past the threshold).
  ASSERT_EQ(wait_for_messages(stack_, "admin", "INBOX", 1, 30), 1U);
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox WHERE purpose = 'admin_alert'"), "1");
  auto uids = imap_uids(stack_, "admin", "INBOX");
  ASSERT_EQ(uids.size(), 1U);
  const std::string alert = imap_fetch(stack_, "admin", "INBOX", uids[0]);
  EXPECT_NE(header_of(alert, "Subject").find("requests@example.test is not being fetched"), std::string::npos)
      << header_of(alert, "Subject");

  // Fixed: the next cycle succeeds, the run of failures ends, status is healthy.
  RunResult fixed = intaked_once(stack_.config());
  EXPECT_EQ(fixed.exit_code, 0) << fixed.output;
  RunResult healthy = intakectl(stack_.config(), "status");
  EXPECT_EQ(healthy.exit_code, 0) << healthy.output;
  EXPECT_NE(healthy.output.find("healthy"), std::string::npos) << healthy.output;
  EXPECT_EQ(sql_value(stack_, "SELECT alerted_at IS NULL FROM mailbox_state WHERE mailbox = 'requests'"), "t");
}

TEST_F(Health, once_after_once_hands_the_leases_over_quietly_and_counts_each_kind_of_mail) {
  const std::string config = write_config(stack_, "health-once", "", {}, "");
  RunResult first = intaked_once(config);
  EXPECT_EQ(first.exit_code, 0) << first.output;
  smtp_send(stack_, "alice@example.test", {"requests@example.test"},
            "From: alice@example.test\nTo: requests@example.test\nSubject: Printer jammed\nMessage-ID: <once@alice>\n\n"
            "The printer on floor 2 is jammed.\n");
  ASSERT_EQ(wait_for_messages(stack_, "requests", "INBOX", 1, 30), 1U);
  RunResult second = intaked_once(config);
  EXPECT_EQ(second.exit_code, 0) << second.output;
  // The first --once released its leases: the second takes them over as planned, at info.
  EXPECT_NE(second.output.find(" info [service] lease requests: handed over from "), std::string::npos) << second.output;
  // (The stack's config itself draws a warning at start: require_authenticated_commands = false.)
  EXPECT_EQ(second.output.find(" warning [service]"), std::string::npos) << second.output;
  EXPECT_EQ(second.output.find("taken over"), std::string::npos) << second.output;
  EXPECT_EQ(second.output.find(" error "), std::string::npos) << second.output;
  EXPECT_NE(second.output.find("; mail sent 1 acknowledgment; failed none"), std::string::npos) << second.output;
  // Both stopped cleanly today: status still lists them.
  RunResult status = intakectl(config, "status --json");
  auto j = nlohmann::json::parse(status.output, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << status.output;
  EXPECT_EQ(j["instances"].size(), 2U) << status.output;
  // Stopped two days ago: no longer listed, still in the database.
  sql_exec(stack_, "UPDATE instances SET stopped_at = now() - interval '2 days' RETURNING 1");
  status = intakectl(config, "status --json");
  j = nlohmann::json::parse(status.output, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << status.output;
  EXPECT_EQ(j["instances"].size(), 0U) << status.output;
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM instances"), "2");
}

TEST_F(Health, quarantined_message_is_taken_in_again_by_retry) {
  // As an older parser would have left it: held, with the reason it gave.
  const std::string id = sql_exec(
      stack_,
      "INSERT INTO quarantine (mailbox, uidvalidity, uid, reason, raw) VALUES ('requests', 1, 7, 'parser failed: test',"
      " convert_to(E'From: Alice <alice@example.test>\\r\\nTo: requests@example.test\\r\\nSubject: Held request\\r\\n"
      "Message-ID: <held-1@alice.example.test>\\r\\n\\r\\nPlease look at this.\\r\\n', 'UTF8')) RETURNING id");
  ASSERT_FALSE(id.empty());
  RunResult list = intakectl(stack_.config(), "quarantine list");
  EXPECT_EQ(list.exit_code, 0) << list.output;
  EXPECT_NE(list.output.find("#" + id), std::string::npos) << list.output;
  EXPECT_NE(list.output.find("parser failed: test"), std::string::npos) << list.output;
  RunResult held = intakectl(stack_.config(), "status");
  EXPECT_EQ(held.exit_code, 1) << "a held message is a warning\n" << held.output;
  EXPECT_EQ(held.output.rfind("WARNING - ", 0), 0U) << held.output;

  RunResult retry = intakectl(stack_.config(), "quarantine retry " + id);
  EXPECT_EQ(retry.exit_code, 0) << retry.output;
  EXPECT_NE(retry.output.find("created REQ-"), std::string::npos) << retry.output;
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM requests"), "1");
  EXPECT_EQ(sql_value(stack_, "SELECT status FROM quarantine WHERE id = " + id), "released");

  RunResult again = intakectl(stack_.config(), "quarantine retry " + id);
  EXPECT_EQ(again.exit_code, 1) << again.output;
  EXPECT_NE(again.output.find("already released"), std::string::npos) << again.output;

  // intaked sends the acknowledgment the retry queued.
  EXPECT_EQ(intaked_once(stack_.config()).exit_code, 0);
  EXPECT_EQ(wait_for_messages(stack_, "alice", "INBOX", 1, 30), 1U);
}


TEST_F(Health, oversized_message_keeps_its_headers_and_the_sender_is_told_politely) {
  const std::string config = write_config(stack_, "oversized", "max_message_bytes = 200000");
  std::string raw = "From: Alice Example <alice@example.test>\nTo: requests@example.test\n"
                    "Subject: Holiday photos for the newsletter\nMessage-ID: <photos-1@alice.example.test>\n"
                    "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n";
  while (raw.size() < 300000) raw += "All the photos from the summer party, as promised, in full size.\n";
  imap_append(stack_, "requests", "INBOX", raw);
  RunResult r = intaked_once(config);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM requests"), "0");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM quarantine"), "1");
  EXPECT_NE(sql_value(stack_, "SELECT reason FROM quarantine").find("oversized"), std::string::npos);
  const std::string kept = sql_value(stack_, "SELECT convert_from(raw, 'UTF8') FROM quarantine");
  EXPECT_NE(kept.find("Subject: Holiday photos for the newsletter"), std::string::npos) << "the headers are kept";
  EXPECT_EQ(kept.find("summer party"), std::string::npos) << "the body is not";
  const std::string size = sql_value(stack_, "SELECT size_bytes FROM quarantine");
  ASSERT_FALSE(size.empty());
  EXPECT_GT(std::stol(size), 300000L);
  EXPECT_EQ(imap_uids(stack_, "requests", "INBOX").size(), 0U);
  EXPECT_EQ(imap_uids(stack_, "requests", "Processed").size(), 1U) << "the message itself is kept on the server";

  ASSERT_EQ(wait_for_messages(stack_, "alice", "INBOX", 1, 30), 1U);
  auto uids = imap_uids(stack_, "alice", "INBOX");
  const std::string notice = imap_fetch(stack_, "alice", "INBOX", uids[0]);
  EXPECT_EQ(header_of(notice, "Subject"), "Your message \"Holiday photos for the newsletter\" was too large to be taken in");
  EXPECT_EQ(header_of(notice, "In-Reply-To"), "<photos-1@alice.example.test>");
  EXPECT_EQ(header_of(notice, "Auto-Submitted"), "auto-replied");
  const std::string notice_file = stack_.get("STACK_DIR") + "/oversized-notice.eml";
  std::ofstream(notice_file, std::ios::binary) << notice;
  RunResult parsed = run_command(std::string(INTAKECTL_PATH) + " parse --json " + notice_file);
  auto j = nlohmann::json::parse(parsed.output, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << parsed.output;
  const std::string text = j["body_text"].get<std::string>();
  EXPECT_NE(text.find("Hello Alice,"), std::string::npos) << text;
  EXPECT_NE(text.find("was 0.3 MB, more than the 0.2 MB"), std::string::npos) << text;

  // A second cycle changes nothing.
  EXPECT_EQ(intaked_once(config).exit_code, 0);
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM quarantine"), "1");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox WHERE purpose = 'oversized_notice'"), "1");
}

}  // namespace
}  // namespace intake::testing
