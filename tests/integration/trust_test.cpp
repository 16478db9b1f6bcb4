// Trust on the real stack: the flood caps that stop loops and machines do
// not silence colleagues (an employee in the directory has a cap of their
// own, an urgent request is always acknowledged), the low cap still holds
// for an address outside the directory, and a request recorded quietly
// makes `intakectl status` say so. Only colleagues make requests: mail from
// anyone else is kept as outside and never answered. Only authenticated
// staff command: a command DKIM-signed through the stack's submission port
// is applied; the same mail sent straight to the MX in dave's name is not.
// intake sends through an XOAUTH2-only submission port with a token from
// token_command, asks again once when one is rejected, and says in one line
// when the fresh one is rejected too.
#include <gtest/gtest.h>

#include <cstdio>
#include <thread>

#include "tests/support/stack_client.hpp"

namespace intake::testing {
namespace {

using namespace std::chrono_literals;

const char* directory = R"(
[[employee]]
address = "alice@example.test"
name = "Alice Example"
department = "Sales"
)";

class Trust : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = load_stack();
    ASSERT_FALSE(HasFailure());
    reset_stack(stack_);
    config_ = write_config(stack_, "trust", "", {}, directory);
  }
  void once() {
    RunResult r = run_command(std::string(INTAKED_PATH) + " --config " + config_ + " --once");
    EXPECT_EQ(r.exit_code, 0) << r.output;
  }
  void append(const std::string& from, const std::string& subject, const std::string& id) {
    imap_append(stack_, "requests", "INBOX",
                "From: " + from + "\nTo: requests@example.test\nSubject: " + subject +
                    "\nDate: Mon, 07 Dec 2026 09:00:00 +0000\nMessage-ID: <" + id +
                    ">\nContent-Type: text/plain; charset=utf-8\n\nPlease have a look.\n");
  }
  Stack stack_;
  std::string config_;
};

TEST_F(Trust, an_employees_busy_hour_is_answered_and_a_stranger_past_the_cap_is_kept_quietly_and_reported) {
  // Twelve from Alice (in the directory) in an hour, the last one urgent.
  for (int i = 0; i < 12; ++i)
    append("Alice Example <alice@example.test>", (i == 11 ? "URGENT: " : "") + std::string("Question ") + std::to_string(i),
           "q" + std::to_string(i) + "@alice");
  once();
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox WHERE purpose = 'acknowledgment' AND rcpt_to = 'alice@example.test'"),
            "12");
  RunResult fine = run_command(std::string(INTAKECTL_PATH) + " --config " + config_ + " status");
  EXPECT_EQ(fine.exit_code, 0) << fine.output;

  // Fifteen from an address of an accepted domain that is not in the directory: the low cap holds.
  for (int i = 0; i < 15; ++i) append("Partner <partner@example.test>", "Order " + std::to_string(i), "o" + std::to_string(i) + "@partner");
  once();
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM requests WHERE requester_address = 'partner@example.test'"), "15");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox WHERE purpose = 'acknowledgment' AND rcpt_to = 'partner@example.test'"),
            "10");
  RunResult warned = run_command(std::string(INTAKECTL_PATH) + " --config " + config_ + " status");
  EXPECT_EQ(warned.exit_code, 1) << warned.output;
  EXPECT_EQ(warned.output.rfind("WARNING - ", 0), 0U) << warned.output;
  EXPECT_NE(warned.output.find("5 request(s) recorded without acknowledgment by the flood caps"), std::string::npos)
      << warned.output;
  EXPECT_EQ(wait_for_messages(stack_, "alice", "INBOX", 12, 30), 12U);
}

TEST_F(Trust, mail_from_outside_the_company_makes_no_request_and_no_mail_leaves_for_its_sender) {
  smtp_send(stack_, "someone@elsewhere.test", {"requests@example.test"},
            "From: Someone <someone@elsewhere.test>\nTo: requests@example.test\nSubject: Cheap watches\n"
            "Message-ID: <spam-1@elsewhere.test>\nDate: Mon, 07 Dec 2026 09:00:00 +0000\n\nBuy now.\n");
  ASSERT_EQ(wait_for_messages(stack_, "requests", "INBOX", 1, 30), 1U);
  once();
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM requests"), "0");
  EXPECT_EQ(sql_value(stack_, "SELECT role FROM messages WHERE message_id = 'spam-1@elsewhere.test'"), "outside");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox"), "0");
  const RunResult listed = run_command(std::string(INTAKECTL_PATH) + " --config " + config_ + " requests list --outside");
  EXPECT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_NE(listed.output.find("someone@elsewhere.test  Cheap watches"), std::string::npos) << listed.output;
  EXPECT_NE(listed.output.find("1 message(s) from outside"), std::string::npos) << listed.output;
  // Nothing waits in the MTA's queue for the forged sender either.
  const std::string postfix = stack_.get("STACK_DIR") + "/state/postfix";
  const RunResult queue = run_command("postqueue -c " + postfix + " -p 2>/dev/null");
  EXPECT_NE(queue.output.find("Mail queue is empty"), std::string::npos) << queue.output;
  EXPECT_EQ(imap_uids(stack_, "requests", "INBOX").size(), 0U) << "moved on like any other mail";
}

const char* trusted_desk = R"(
[[category]]
name = "it"
tags = ["IT"]
staff = ["dave@example.test"]

[[employee]]
address = "alice@example.test"
name = "Alice Example"
department = "Sales"
)";

TEST_F(Trust, a_signed_staff_command_is_applied_and_one_in_dave_s_name_straight_to_the_mx_is_not) {
  config_ = write_config(stack_, "trust-commands", "admin_address = \"admin@example.test\"\n",
                         {{"require_authenticated_commands = false", "require_authenticated_commands = true"}}, trusted_desk);
  for (const char* n : {"1", "2"})
    append("Alice Example <alice@example.test>", std::string("[IT] VPN fails ") + n, std::string("vpn") + n + "@alice");
  once();
  const std::string ref1 = sql_value(stack_, "SELECT reference FROM requests WHERE subject LIKE '%fails 1'");
  const std::string ref2 = sql_value(stack_, "SELECT reference FROM requests WHERE subject LIKE '%fails 2'");
  ASSERT_EQ(wait_for_messages(stack_, "alice", "INBOX", 2, 30), 2U);
  ASSERT_EQ(wait_for_messages(stack_, "dave", "INBOX", 2, 30), 2U);  // the team notices
  auto staff_mail = [](const std::string& ref, const std::string& id, const std::string& extra) {
    return "From: Dave <dave@example.test>\nTo: requests@example.test\nSubject: Re: [" + ref + "] VPN\nMessage-ID: <" + id +
           ">\nDate: Mon, 07 Dec 2026 10:00:00 +0000\n" + extra +
           "Content-Type: text/plain; charset=utf-8\n\n#status resolved\n\nYour VPN certificate had expired; I renewed it.\n";
  };

  // Signed through submission: applied and forwarded.
  smtp_submit(stack_, "dave@example.test", {"requests@example.test"}, staff_mail(ref1, "signed@dave", ""));
  ASSERT_EQ(wait_for_messages(stack_, "requests", "INBOX", 1, 30), 1U);
  once();
  EXPECT_EQ(sql_value(stack_, "SELECT status FROM requests WHERE reference = '" + ref1 + "'"), "resolved");
  ASSERT_EQ(wait_for_messages(stack_, "alice", "INBOX", 3, 30), 3U);

  // The same in dave's name straight to the MX, once plain and once with a
  // forged Authentication-Results of the trusted server: nothing applied,
  // nothing forwarded, the owner team and the admin told once.
  smtp_send(stack_, "dave@example.test", {"requests@example.test"}, staff_mail(ref2, "forged-1@dave", ""));
  smtp_send(stack_, "dave@example.test", {"requests@example.test"},
            staff_mail(ref2, "forged-2@dave",
                       "Authentication-Results: mx.example.test; dkim=pass header.d=example.test; dmarc=pass "
                       "header.from=example.test\n"));
  ASSERT_EQ(wait_for_messages(stack_, "requests", "INBOX", 2, 30), 2U);
  once();
  EXPECT_EQ(sql_value(stack_, "SELECT status FROM requests WHERE reference = '" + ref2 + "'"), "acknowledged");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM events e JOIN requests r ON r.id = e.request_id WHERE r.reference = '" +
                                  ref2 + "' AND e.type = 'command_rejected' AND e.detail LIKE 'sender not authenticated%'"),
            "2");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox WHERE purpose = 'command_rejected_notice'"), "1");
  EXPECT_EQ(sql_value(stack_, "SELECT rcpt_to FROM outbox WHERE purpose = 'command_rejected_notice'"),
            "dave@example.test,admin@example.test");
  ASSERT_EQ(wait_for_messages(stack_, "admin", "INBOX", 1, 30), 1U);
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(imap_uids(stack_, "alice", "INBOX").size(), 3U) << "nothing forwarded to the requester";
  EXPECT_EQ(imap_uids(stack_, "admin", "INBOX").size(), 1U) << "told once per request";
}

TEST_F(Trust, check_config_warns_without_an_authserv_id_and_names_a_bad_accepted_domain) {
  const std::string untrusted = write_config(
      stack_, "trust-none", "", {{"[trust]\nauthserv_id = [\"mx.example.test\"]\nrequire_authenticated_commands = false", ""}});
  const RunResult warned = run_command(std::string(INTAKECTL_PATH) + " --config " + untrusted + " check-config");
  EXPECT_EQ(warned.exit_code, 0) << warned.output;
  EXPECT_NE(warned.output.find("warning: trust: no authserv_id: staff commands and responses are not authenticated"),
            std::string::npos)
      << warned.output;
  const std::string bad = write_config(stack_, "trust-bad-domain", "", {}, "[requests]\naccept_from_domains = [\"example.test\", \"partner .test\"]\n");
  const RunResult refused = run_command(std::string(INTAKECTL_PATH) + " --config " + bad + " check-config");
  EXPECT_EQ(refused.exit_code, 78) << refused.output;
  EXPECT_NE(refused.output.find("requests.accept_from_domains: \"partner .test\" is not a domain name"), std::string::npos)
      << refused.output;
}

// The [smtp] section for the stack's XOAUTH2-only port, the token from `command`.
std::vector<std::pair<std::string, std::string>> oauth_smtp(const Stack& stack, const std::string& command) {
  return {{"port = " + stack.get("SMTP_PORT") + "\nsecurity = \"plain\"",
           "port = " + stack.get("SUBMISSION_OAUTH_PORT") + "\nsecurity = \"starttls\"\nca_file = \"" +
               stack.get("TLS_CA_FILE") + "\"\nusername = \"requests@example.test\"\nauth = \"xoauth2\"\ntoken_command = \"" +
               command + "\""}};
}

TEST_F(Trust, acknowledgments_go_out_through_an_xoauth2_submission_port_and_a_rejected_token_is_asked_for_again_once) {
  const std::string stack_dir = stack_.get("STACK_DIR");
  const std::string mint = std::string(INTAKE_SOURCE_DIR) + "/scripts/stack mint-token " + stack_dir + " requests";
  // The first token the command prints has expired; the next ones are good.
  const std::string counter = stack_dir + "/token-asked";
  std::remove(counter.c_str());
  const std::string command = "if [ -e " + counter + " ]; then " + mint + "; else touch " + counter + "; " + mint + " -600; fi";
  config_ = write_config(stack_, "trust-oauth", "", oauth_smtp(stack_, command), directory);
  append("Alice Example <alice@example.test>", "Printer jammed", "oauth-1@alice");
  const RunResult r = run_command(std::string(INTAKED_PATH) + " --config " + config_ + " --once");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(sql_value(stack_, "SELECT status FROM outbox WHERE purpose = 'acknowledgment'"), "sent") << r.output;
  ASSERT_EQ(wait_for_messages(stack_, "alice", "INBOX", 1, 30), 1U);

  // A command that only ever prints a rejected token: one clear line, and the mail waits.
  const std::string bad = write_config(stack_, "trust-oauth-bad", "", oauth_smtp(stack_, mint + " -600"), directory);
  append("Alice Example <alice@example.test>", "Screen flickers", "oauth-2@alice");
  const RunResult denied = run_command(std::string(INTAKED_PATH) + " --config " + bad + " --once");
  EXPECT_NE(denied.output.find("login denied for requests@example.test (auth xoauth2): the server rejected the bearer token, "
                               "and the fresh one too"),
            std::string::npos)
      << denied.output;
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox WHERE purpose = 'acknowledgment' AND status = 'pending'"), "1");
}

}  // namespace
}  // namespace intake::testing
