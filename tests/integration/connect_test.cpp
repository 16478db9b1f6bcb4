// Connecting to real mailboxes, on the real stack: IMAPS and STARTTLS with
// the stack's CA, a wrong CA refused with a message naming the server,
// XOAUTH2 bearer tokens (Dovecot validates the JWTs locally) with a refresh
// after a rejected token, a UIDVALIDITY change that must create no
// duplicates, and a connection cut in the middle of a 25 MB message.
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <regex>
#include <thread>

#include "tests/support/stack_client.hpp"

namespace intake::testing {
namespace {

std::string request_mail(const std::string& user, const std::string& subject, const std::string& message_id) {
  std::string raw = "From: Employee " + user + " <" + user + "@example.test>\n"
                    "To: requests@example.test\n"
                    "Subject: " + subject + "\n"
                    "Date: Tue, 01 Dec 2026 09:15:00 +0100\n";
  if (!message_id.empty()) raw += "Message-ID: <" + message_id + ">\n";
  return raw + "Content-Type: text/plain; charset=utf-8\n\nPlease help with: " + subject + ".\n";
}

class Connect : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = load_stack();
    ASSERT_FALSE(HasFailure());
    reset_stack(stack_);
  }
  RunResult intaked_once(const std::string& config) {
    return run_command(std::string(INTAKED_PATH) + " --config " + config + " --once");
  }
  // The mailbox part of the stack's config: "port = N\nsecurity = \"plain\"".
  std::string plain_endpoint() const { return "port = " + stack_.get("IMAP_PORT") + "\nsecurity = \"plain\""; }
  std::string password_line() const {
    return "password_file = \"" + stack_.get("STACK_DIR") + "/secrets/mail_password\"";
  }
  std::string file(const std::string& name, const std::string& content) {
    const std::string path = stack_.get("STACK_DIR") + "/" + name;
    std::ofstream(path) << content;
    return path;
  }
  std::string mint_token(const std::string& user, int seconds) {
    RunResult r = run_command(std::string(INTAKE_SOURCE_DIR) + "/scripts/stack mint-token " + stack_.get("STACK_DIR") +
                              " " + user + " " + std::to_string(seconds));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    while (!r.output.empty() && (r.output.back() == '\n' || r.output.back() == '\r')) r.output.pop_back();
    return r.output;
  }
  // One request waiting; intaked --once with `config`; it must become one request.
  void expect_one_request_through(const std::string& config) {
    imap_append(stack_, "requests", "INBOX", request_mail("alice", "Printer on floor 3", "printer-3@alice.example.test"));
    RunResult r = intaked_once(config);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM requests"), "1") << r.output;
    EXPECT_EQ(imap_uids(stack_, "requests", "INBOX").size(), 0U);
  }
  Stack stack_;
};

TEST_F(Connect, imaps_with_the_stack_ca_verifies_and_takes_mail) {
  const std::string config = write_config(
      stack_, "imaps", "",
      {{plain_endpoint(), "port = " + stack_.get("IMAPS_PORT") + "\nsecurity = \"tls\"\nca_file = \"" +
                              stack_.get("TLS_CA_FILE") + "\""}});
  expect_one_request_through(config);
}

TEST_F(Connect, starttls_with_the_stack_ca_verifies_and_takes_mail) {
  const std::string config = write_config(
      stack_, "starttls", "",
      {{plain_endpoint(), plain_endpoint().substr(0, plain_endpoint().find('\n')) + "\nsecurity = \"starttls\"\nca_file = \"" +
                              stack_.get("TLS_CA_FILE") + "\""}});
  expect_one_request_through(config);
}

TEST_F(Connect, wrong_ca_is_refused_with_a_message_naming_the_server_and_nothing_is_taken) {
  const std::string dir = stack_.get("STACK_DIR");
  RunResult ca = run_command("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other-ca -keyout " + dir +
                             "/other-ca.key -out " + dir + "/other-ca.pem");
  ASSERT_EQ(ca.exit_code, 0) << ca.output;
  imap_append(stack_, "requests", "INBOX", request_mail("bob", "VPN access", "vpn@bob.example.test"));
  for (const auto& [name, endpoint] : std::vector<std::pair<std::string, std::string>>{
           {"wrong-ca-imaps", "port = " + stack_.get("IMAPS_PORT") + "\nsecurity = \"tls\""},
           {"wrong-ca-starttls", "port = " + stack_.get("IMAP_PORT") + "\nsecurity = \"starttls\""}}) {
    const std::string config =
        write_config(stack_, name, "", {{plain_endpoint(), endpoint + "\nca_file = \"" + dir + "/other-ca.pem\""}});
    RunResult r = intaked_once(config);
    EXPECT_EQ(r.exit_code, 1) << r.output;
    const std::string port = endpoint.substr(7, endpoint.find('\n') - 7);
    EXPECT_NE(r.output.find("IMAP 127.0.0.1:" + port + ": the server's TLS certificate could not be verified"),
              std::string::npos)
        << name << ": one line naming the server and the cause\n" << r.output;
  }
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM messages"), "0");
  EXPECT_EQ(imap_uids(stack_, "requests", "INBOX").size(), 1U) << "the message waits on the server";
}

TEST_F(Connect, xoauth2_bearer_token_from_a_file_logs_in) {
  const std::string token = file("token-valid", mint_token("requests", 3600) + "\n");
  const std::string config =
      write_config(stack_, "xoauth2-file", "", {{password_line(), "auth = \"xoauth2\"\ntoken_file = \"" + token + "\""}});
  expect_one_request_through(config);
}

TEST_F(Connect, xoauth2_rejected_token_is_refreshed_once_from_the_command) {
  // The command hands out an expired token first, a valid one after: the
  // server rejects the first, intaked asks again and gets in.
  const std::string expired = file("token-expired", mint_token("requests", -600) + "\n");
  const std::string valid = file("token-fresh", mint_token("requests", 3600) + "\n");
  const std::string calls = stack_.get("STACK_DIR") + "/token-calls";
  std::remove(calls.c_str());
  const std::string script = file("token-command.sh",
                                  "#!/bin/sh\n"
                                  "echo call >> '" + calls + "'\n"
                                  "if [ \"$(wc -l < '" + calls + "')\" -eq 1 ]; then cat '" + expired + "'; else cat '" + valid +
                                      "'; fi\n");
  const std::string config = write_config(
      stack_, "xoauth2-command", "", {{password_line(), "auth = \"xoauth2\"\ntoken_command = \"sh " + script + "\""}});
  imap_append(stack_, "requests", "INBOX", request_mail("carol", "New laptop", "laptop@carol.example.test"));
  RunResult r = intaked_once(config);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("rejected the bearer token; asking for a fresh one"), std::string::npos) << r.output;
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM requests"), "1");
  std::ifstream in(calls);
  int lines = 0;
  for (std::string l; std::getline(in, l);) ++lines;
  EXPECT_EQ(lines, 2) << "asked once, then once more after the rejection";
}

TEST_F(Connect, xoauth2_token_for_another_user_is_denied_with_a_clear_line) {
  const std::string token = file("token-other", mint_token("bob", 3600) + "\n");
  const std::string config =
      write_config(stack_, "xoauth2-denied", "", {{password_line(), "auth = \"xoauth2\"\ntoken_file = \"" + token + "\""}});
  imap_append(stack_, "requests", "INBOX", request_mail("dave", "Badge", "badge@dave.example.test"));
  RunResult r = intaked_once(config);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("login denied for requests@example.test (auth xoauth2)"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find(mint_token("bob", 3600).substr(0, 20)), std::string::npos) << "the token is never logged";
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM messages"), "0");
}

TEST_F(Connect, two_mailboxes_in_one_config_each_route_to_their_own_category) {
  const std::string second = "default_category = \"general\"\n\n[[mailbox]]\nname = \"it\"\naddress = \"it@example.test\"\n"
                             "host = \"127.0.0.1\"\n" + plain_endpoint() + "\nusername = \"it@example.test\"\n" + password_line() +
                             "\nfolder = \"INBOX\"\nprocessed_folder = \"Processed\"\ndefault_category = \"it\"";
  const std::string config = write_config(stack_, "two-mailboxes", "", {{"default_category = \"general\"", second}});
  imap_append(stack_, "requests", "INBOX", request_mail("alice", "Meeting room booking", "room@alice.example.test"));
  std::string to_it = request_mail("bob", "Laptop will not boot", "boot@bob.example.test");
  to_it.replace(to_it.find("To: requests@example.test"), 25, "To: it@example.test");
  imap_append(stack_, "it", "INBOX", to_it);
  RunResult r = intaked_once(config);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(sql_value(stack_, "SELECT category FROM requests WHERE subject = 'Meeting room booking'"), "general");
  EXPECT_EQ(sql_value(stack_, "SELECT category FROM requests WHERE subject = 'Laptop will not boot'"), "it");
  EXPECT_EQ(imap_uids(stack_, "it", "INBOX").size(), 0U);
  EXPECT_EQ(imap_uids(stack_, "it", "Processed").size(), 1U);
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM mailbox_state"), "2");
}

std::string uidvalidity_of(const Stack& stack, const std::string& folder) {
  const std::string out = imap_command(stack, "requests", "", "STATUS \"" + folder + "\" (UIDVALIDITY)");
  std::smatch m;
  if (!std::regex_search(out, m, std::regex("UIDVALIDITY ([0-9]+)"))) return {};
  return m[1].str();
}

TEST_F(Connect, uidvalidity_change_with_the_same_messages_creates_no_duplicates) {
  const std::string folder = "Shared";
  if (imap_command(stack_, "requests", "", "LIST \"\" \"" + folder + "\"").find(folder) != std::string::npos)
    imap_command(stack_, "requests", "", "DELETE \"" + folder + "\"");
  imap_command(stack_, "requests", "", "CREATE \"" + folder + "\"");
  const std::string config = write_config(stack_, "uidvalidity", "", {{"folder = \"INBOX\"", "folder = \"Shared\""}});
  // Two of the six have no Message-ID: the content hash must recognise them.
  std::vector<std::string> mails;
  for (int i = 0; i < 6; ++i)
    mails.push_back(request_mail("erin", "Request " + std::to_string(i), i % 3 == 1 ? "" : "uv-" + std::to_string(i) + "@erin.example.test"));
  for (const auto& m : mails) imap_append(stack_, "requests", folder, m);
  RunResult first = intaked_once(config);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  ASSERT_EQ(sql_value(stack_, "SELECT count(*) FROM requests"), "6");
  const std::string before = sql_value(stack_, "SELECT uidvalidity FROM mailbox_state WHERE mailbox = 'requests'");
  ASSERT_EQ(before, uidvalidity_of(stack_, folder));

  // The folder is recreated (as a server migration or a restore does) and
  // holds the same messages again, under a new UIDVALIDITY.
  imap_command(stack_, "requests", "", "DELETE \"" + folder + "\"");
  std::string after;
  for (int attempt = 0; attempt < 5 && (after.empty() || after == before); ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // Dovecot derives it from the clock
    if (!after.empty()) imap_command(stack_, "requests", "", "DELETE \"" + folder + "\"");
    imap_command(stack_, "requests", "", "CREATE \"" + folder + "\"");
    after = uidvalidity_of(stack_, folder);
  }
  ASSERT_NE(after, before) << "the recreated folder must have a new UIDVALIDITY";
  for (const auto& m : mails) imap_append(stack_, "requests", folder, m);

  RunResult second = intaked_once(config);
  EXPECT_EQ(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("UIDVALIDITY changed from " + before + " to " + after), std::string::npos) << second.output;
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM requests"), "6");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM messages WHERE direction = 'in'"), "6");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox WHERE purpose = 'acknowledgment'"), "6");
  EXPECT_EQ(sql_value(stack_, "SELECT uidvalidity FROM mailbox_state WHERE mailbox = 'requests'"), after);
  EXPECT_EQ(imap_uids(stack_, "requests", folder).size(), 0U) << "the known messages are marked processed too";
  imap_command(stack_, "requests", "", "DELETE \"" + folder + "\"");
}

TEST_F(Connect, connection_cut_in_the_middle_of_a_25_mb_message_leaves_no_partial_record) {
  // 25 MB on the wire: a base64 attachment of about 18.5 MB decoded.
  std::string raw = "From: Employee Alice <alice@example.test>\nTo: requests@example.test\n"
                    "Subject: Scans of the contracts\nMessage-ID: <scans-25mb@alice.example.test>\n"
                    "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b25\"\n\n"
                    "--b25\nContent-Type: text/plain; charset=utf-8\n\nThe scans are attached.\n\n"
                    "--b25\nContent-Type: application/pdf; name=\"scans.pdf\"\nContent-Transfer-Encoding: base64\n"
                    "Content-Disposition: attachment; filename=\"scans.pdf\"\n\n";
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string line(76, 'A');
  for (std::size_t i = 0; raw.size() < 25'000'000; ++i) {
    for (std::size_t k = 0; k < line.size(); ++k) line[k] = alphabet[(i * 7 + k * 13) % 64];
    raw += line + "\n";
  }
  raw += "--b25--\n";
  imap_append(stack_, "requests", "INBOX", raw);
  ASSERT_EQ(imap_uids(stack_, "requests", "INBOX").size(), 1U);

  TcpRelay relay(std::stoi(stack_.get("IMAP_PORT")));
  relay.cut_after(12'000'000);  // about half of the message
  const std::string config = write_config(
      stack_, "cut", "", {{plain_endpoint(), "port = " + std::to_string(relay.port()) + "\nsecurity = \"plain\""}});
  RunResult cut = intaked_once(config);
  EXPECT_TRUE(relay.was_cut());
  EXPECT_EQ(cut.exit_code, 1) << cut.output;
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM messages"), "0") << cut.output;
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM requests"), "0");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM quarantine"), "0") << "a network failure is not the message's fault";
  EXPECT_EQ(imap_uids(stack_, "requests", "INBOX").size(), 1U);

  relay.cut_after(0);
  RunResult whole = intaked_once(config);
  EXPECT_EQ(whole.exit_code, 0) << whole.output;
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM requests"), "1") << whole.output;
  const std::string stored = sql_value(stack_, "SELECT octet_length(raw) FROM messages WHERE direction = 'in'");
  ASSERT_FALSE(stored.empty());
  EXPECT_GT(std::stoul(stored), 25'000'000UL) << "the whole message (CRLF line ends) is stored";
  EXPECT_EQ(imap_uids(stack_, "requests", "INBOX").size(), 0U);
}

}  // namespace
}  // namespace intake::testing
