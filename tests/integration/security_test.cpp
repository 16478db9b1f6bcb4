// Hostile values on the real stack: SQL metacharacters in a request are stored
// byte for byte (every query is parameterized), markup from a message is text
// in every HTML part intake renders, and no password or token reaches the log
// or the process's command line.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <thread>

#include "tests/support/stack_client.hpp"

namespace intake::testing {
namespace {

using namespace std::chrono_literals;

// Standard base64, whitespace skipped; stops at the first other character.
std::string base64_decode(const std::string& in) {
  static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned value = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '\r' || c == '\n' || c == ' ' || c == '\t') continue;
    if (c == '=') break;
    const auto at = alphabet.find(c);
    if (at == std::string::npos) break;
    value = (value << 6) | static_cast<unsigned>(at);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((value >> bits) & 0xFFU);
    }
  }
  return out;
}

// The decoded body of the first part of `type` in a multipart mail intake built
// (base64 parts, see daemon/respond/mime_builder.cpp).
std::string part_of(const std::string& mail, const std::string& type) {
  const auto header = mail.find("Content-Type: " + type);
  if (header == std::string::npos) return {};
  auto body = mail.find("\r\n\r\n", header);
  if (body == std::string::npos) return {};
  body += 4;
  const auto end = mail.find("\r\n--", body);
  return base64_decode(mail.substr(body, end == std::string::npos ? std::string::npos : end - body));
}

class Security : public ::testing::Test {
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
  std::string file(const std::string& name, const std::string& content) {
    const std::string path = stack_.get("STACK_DIR") + "/" + name;
    std::ofstream(path) << content;
    return path;
  }
  Stack stack_;
};

TEST_F(Security, sql_metacharacters_in_subject_name_and_body_are_stored_byte_for_byte) {
  // Quotes, comment and statement separators, placeholders, backslashes, LIKE
  // wildcards, dollar quoting, E'' escapes, and multi-byte UTF-8 (raw 8-bit).
  const std::string subject =
      "'; DROP TABLE requests; -- $1 $2::text \\ \\\\ %_% \"x\" `y` E'\\x41\\'' $$ $q$ ); COMMIT; \xC3\xBC\xE2\x82\xAC\xF0\x9F\x98\x80";
  const std::string name = "O'Brien\\\"; DELETE FROM messages; --";
  const std::string body = "Robert'); DROP TABLE outbox;--\n$1 $$ \\0 \\x00 \\\\ %s %n _%_ E'\\n' U&'\\0041'\n"
                           "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E \xD8\xB9\xD8\xB1\xD8\xA8\xD9\x8A \xF0\x9F\x90\x98\n";
  const std::string raw = "From: \"" + std::string("O'Brien\\\\\\\"; DELETE FROM messages; --") +
                          "\" <alice@example.test>\nTo: requests@example.test\nSubject: " + subject +
                          "\nMessage-ID: <sql'meta;--@alice.example.test>\nDate: Tue, 01 Dec 2026 09:00:00 +0000\n"
                          "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n" +
                          body;
  imap_append(stack_, "requests", "INBOX", raw);
  once(stack_.config());

  ASSERT_EQ(sql_value(stack_, "SELECT count(*) FROM requests"), "1") << "the tables are all still there";
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM messages WHERE direction = 'in'"), "1");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox"), "1");
  EXPECT_EQ(sql_value(stack_, "SELECT subject FROM requests"), subject);
  EXPECT_EQ(sql_value(stack_, "SELECT subject FROM messages WHERE direction = 'in'"), subject);
  EXPECT_EQ(sql_value(stack_, "SELECT requester_name FROM requests"), name);
  EXPECT_EQ(sql_value(stack_, "SELECT message_id FROM messages WHERE direction = 'in'"), "sql'meta;--@alice.example.test");
  EXPECT_EQ(sql_value(stack_, "SELECT body_text FROM messages WHERE direction = 'in'"), body);
  // The raw message exactly as the server holds it (CRLF line ends, as appended).
  std::string crlf;
  for (char c : raw) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  EXPECT_EQ(sql_value(stack_, "SELECT octet_length(raw) FROM messages WHERE direction = 'in'"), std::to_string(crlf.size()));
  std::string hex;
  for (unsigned char c : crlf) {
    static const char digits[] = "0123456789abcdef";
    hex += digits[c >> 4];
    hex += digits[c & 15];
  }
  EXPECT_EQ(sql_value(stack_, "SELECT encode(raw, 'hex') FROM messages WHERE direction = 'in'"), hex);

  // Read back through intakectl's own queries: filters with the same
  // characters match nothing and break nothing; the JSON carries the subject.
  RunResult list = run_command(std::string(INTAKECTL_PATH) + " --config " + stack_.config() +
                               " requests list --json --category \"'; DROP TABLE requests; --\"");
  EXPECT_EQ(list.exit_code, 0) << list.output;
  EXPECT_EQ(list.output, "") << "one JSON object per matching request: none";
  RunResult show = run_command(std::string(INTAKECTL_PATH) + " --config " + stack_.config() + " requests list --json");
  EXPECT_EQ(std::count(show.output.begin(), show.output.end(), '\n'), 1) << show.output;
  auto one = nlohmann::json::parse(show.output, nullptr, false);
  ASSERT_TRUE(one.is_object()) << show.output;
  EXPECT_EQ(one["subject"], subject);
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM requests"), "1");
}

TEST_F(Security, markup_in_a_subject_and_name_is_text_in_the_html_part_of_the_acknowledgment) {
  const std::string raw =
      "From: \"<img src=x onerror=alert(2)>\" <bob@example.test>\nTo: requests@example.test\n"
      "Subject: <script>alert(1)</script> & \"quoted\" <b>bold</b>\nMessage-ID: <markup-1@bob.example.test>\n"
      "Date: Tue, 01 Dec 2026 09:00:00 +0000\nContent-Type: text/plain; charset=utf-8\n\nPlease.\n";
  imap_append(stack_, "requests", "INBOX", raw);
  once(stack_.config());
  ASSERT_EQ(wait_for_messages(stack_, "bob", "INBOX", 1, 30), 1U);
  const std::string ack = imap_fetch(stack_, "bob", "INBOX", imap_uids(stack_, "bob", "INBOX")[0]);
  ASSERT_NE(header_of(ack, "Content-Type").find("multipart/alternative"), std::string::npos) << "the acknowledgment has an HTML part";
  const std::string html = part_of(ack, "text/html");
  ASSERT_FALSE(html.empty()) << ack;
  EXPECT_EQ(html.find("<script"), std::string::npos) << html;
  EXPECT_EQ(html.find("<img"), std::string::npos) << html;
  EXPECT_EQ(html.find("<b>bold"), std::string::npos) << html;
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot; &lt;b&gt;bold&lt;/b&gt;"), std::string::npos)
      << html;
  EXPECT_NE(html.find("Hello &lt;img,"), std::string::npos) << "the first name (its first word) is escaped\n" << html;
  // The text part shows the subject as it was written.
  EXPECT_NE(part_of(ack, "text/plain").find("<script>alert(1)</script> & \"quoted\""), std::string::npos);
}

TEST_F(Security, markup_in_a_requester_name_is_text_in_the_html_summary) {
  const std::string config = write_config(stack_, "markup-summary", "", {},
                                          "[[category]]\nname = \"it\"\nkeywords = [\"laptop\"]\n\n[[summary]]\n"
                                          "to = \"boss@example.test\"\nfrequency = \"daily\"\nat = \"00:00\"\n");
  // Open and overdue, so the summary lists it with its requester's name.
  sql_exec(stack_, "INSERT INTO requests (mailbox, requester_address, requester_name, subject, category, created_at,"
                   " due_first_response, due_resolution) VALUES ('requests', 'carol@example.test',"
                   " '<script>alert(\"summary\")</script>', '<script>x</script>', 'it', now() - interval '3 days',"
                   " now() - interval '2 days', now() - interval '1 day') RETURNING 1");
  const std::string from = sql_value(stack_, "SELECT to_char(now() AT TIME ZONE 'UTC' - interval '8 days', 'YYYY-MM-DD')");
  const std::string to = sql_value(stack_, "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD')");
  RunResult html = run_command(std::string(INTAKECTL_PATH) + " --config " + config +
                               " summary preview --to boss@example.test --html --period " + from + ".." + to);
  ASSERT_EQ(html.exit_code, 0) << html.output;
  EXPECT_NE(html.output.find("&lt;script&gt;alert(&quot;summary&quot;)&lt;/script&gt;"), std::string::npos)
      << "the overdue request is listed with its requester, escaped\n" << html.output;
  EXPECT_EQ(html.output.find("<script"), std::string::npos) << html.output;
}

TEST_F(Security, passwords_and_tokens_are_in_neither_the_log_nor_the_command_line) {
  const std::string mail_password = stack_.get("MAIL_PASSWORD");
  ASSERT_GE(mail_password.size(), 8U);
  std::mt19937_64 rng(std::random_device{}());
  const std::string db_password = "Db-Secret-" + std::to_string(rng());
  const std::string db_file = file("db_password", db_password + "\n");
  ::chmod(db_file.c_str(), 0600);
  const std::string log = stack_.get("STACK_DIR") + "/secrets-intaked.log";
  std::remove(log.c_str());
  // The most talkative log level; the PostgreSQL password goes through
  // conninfo (trust on the stack: accepted without being asked for).
  const std::string config = write_config(stack_, "secrets", "", {{"log_level = \"info\"", "log_level = \"trace\""},
                                                                  {"poll_interval_s = 5", "poll_interval_s = 1"},
                                                                  {"\"" + stack_.database_url() + "\"",
                                                                   "\"" + stack_.database_url() + "\"\npassword_file = \"" + db_file + "\""}});
  imap_append(stack_, "requests", "INBOX",
              "From: Dave <dave@example.test>\nTo: requests@example.test\nSubject: Badge reader\n"
              "Message-ID: <secrets-1@dave.example.test>\n\nThe badge reader is broken.\n");
  {
    BackgroundProcess daemon({INTAKED_PATH, "--config", config}, log);
    ASSERT_TRUE(daemon.running());
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline &&
           sql_value(stack_, "SELECT count(*) FROM outbox WHERE status = 'sent'") != "1")
      std::this_thread::sleep_for(200ms);
    EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox WHERE status = 'sent'"), "1") << read_file(log);
    const std::string cmdline = read_file("/proc/" + std::to_string(daemon.pid()) + "/cmdline");
    EXPECT_NE(cmdline.find("--config"), std::string::npos) << "the command line was read";
    EXPECT_EQ(cmdline.find(mail_password), std::string::npos) << cmdline;
    EXPECT_EQ(cmdline.find(db_password), std::string::npos) << cmdline;
    daemon.stop(SIGTERM);
  }
  std::string output = read_file(log);
  EXPECT_NE(output.find("created"), std::string::npos) << "the log was written\n" << output;

  // Failures name what failed, never the secret: PostgreSQL unreachable
  // (the conninfo carries the password), IMAP login refused, an XOAUTH2
  // bearer token the server accepts and one it refuses.
  const std::string unreachable =
      write_config(stack_, "secrets-nodb", "",
                   {{"log_level = \"info\"", "log_level = \"trace\""},
                    {"\"" + stack_.database_url() + "\"",
                     "\"postgresql://intake@127.0.0.1:1/intake\"\npassword_file = \"" + db_file + "\""}});
  RunResult no_db = run_command(std::string(INTAKED_PATH) + " --config " + unreachable + " --once");
  EXPECT_NE(no_db.exit_code, 0) << no_db.output;
  EXPECT_NE(no_db.output.find("PostgreSQL"), std::string::npos) << no_db.output;
  output += no_db.output;
  const std::string wrong_password = "Wrong-Imap-" + std::to_string(rng());
  const std::string wrong_file = file("wrong_imap_password", wrong_password + "\n");
  const std::string refused = write_config(stack_, "secrets-refused", "", {{"log_level = \"info\"", "log_level = \"trace\""},
                                                                           {"secrets/mail_password", "wrong_imap_password"}});
  RunResult denied = run_command(std::string(INTAKED_PATH) + " --config " + refused + " --once");
  EXPECT_EQ(denied.exit_code, 1) << denied.output;
  output += denied.output;
  for (const int seconds : {3600, -60}) {
    RunResult minted = run_command(std::string(INTAKE_SOURCE_DIR) + "/scripts/stack mint-token " + stack_.get("STACK_DIR") +
                                   " requests " + std::to_string(seconds));
    ASSERT_EQ(minted.exit_code, 0) << minted.output;
    std::string token = minted.output;
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    const std::string token_file = file("secrets-token", token + "\n");
    const std::string oauth = write_config(
        stack_, "secrets-oauth", "", {{"log_level = \"info\"", "log_level = \"trace\""},
                                      {"password_file = \"" + stack_.get("STACK_DIR") + "/secrets/mail_password\"",
                                       "auth = \"xoauth2\"\ntoken_file = \"" + token_file + "\""}});
    RunResult r = run_command(std::string(INTAKED_PATH) + " --config " + oauth + " --once");
    EXPECT_EQ(r.exit_code, seconds > 0 ? 0 : 1) << r.output;
    EXPECT_EQ(r.output.find(token), std::string::npos) << "the bearer token is not logged\n" << r.output;
    // The JWT's signature part alone, in case a line cut the token.
    EXPECT_EQ(r.output.find(token.substr(token.rfind('.') + 1)), std::string::npos) << r.output;
  }
  EXPECT_EQ(output.find(mail_password), std::string::npos) << output;
  EXPECT_EQ(output.find(db_password), std::string::npos) << output;
  EXPECT_EQ(output.find(wrong_password), std::string::npos) << output;
  (void)wrong_file;
}

}  // namespace
}  // namespace intake::testing
