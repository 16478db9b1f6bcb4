// The read-only IMAP reader against a scripted server on loopback (in this
// process, no real mail server): what it sends (nothing that could change the
// mailbox) and how it treats answers it must not trust.
#include "daemon/adapters/imap/observed_imap.hpp"

#include <gtest/gtest.h>

#include <atomic>

#include "daemon/adapters/curl/curl_handle.hpp"
#include "tests/daemon/scripted_imap.hpp"

namespace intake::daemon {
namespace {

using testing::ScriptedImap;

parsers::ObserveConfig config_for(int port) {
  parsers::ObserveConfig c;
  c.name = "boss";
  c.address = "boss@example.test";
  c.host = "127.0.0.1";
  c.port = port;
  c.security = parsers::Security::plain;
  c.username = "boss@example.test";
  c.timeout_s = 5;
  c.max_message_bytes = 4096;
  return c;
}

const std::string message = "From: alice@example.test\r\nSubject: hi\r\n\r\nHello\r\n";

std::string examine_ok(const std::string& tag) {
  return "* 2 EXISTS\r\n* OK [UIDVALIDITY 42] ok\r\n* OK [UIDNEXT 6] ok\r\n" + tag + " OK [READ-ONLY] EXAMINE done\r\n";
}

struct ObservedImapTest : ::testing::Test {
  static void SetUpTestSuite() { curl_global_setup(); }
};

TEST_F(ObservedImapTest, reads_with_examine_search_and_body_peek_and_sends_nothing_else) {
  ScriptedImap server([](const std::string& tag, const std::string& command) -> std::string {
    if (command.rfind("EXAMINE ", 0) == 0) return examine_ok(tag);
    if (command.rfind("UID SEARCH", 0) == 0) return "* SEARCH 3 5\r\n" + tag + " OK done\r\n";
    if (command.rfind("UID FETCH 3 ", 0) == 0)
      return "* 1 FETCH (FLAGS (\\Seen))\r\n* 1 FETCH (UID 3 BODY[]<0> {" + std::to_string(message.size()) + "}\r\n" +
             message + ")\r\n" + tag + " OK done\r\n";
    return tag + " BAD unexpected\r\n";
  });
  {
    CurlReadOnlyImap imap(config_for(server.port()), "secret");
    auto status = imap.examine("INBOX");
    ASSERT_TRUE(status.ok()) << status.error().message;
    EXPECT_EQ(status->uidvalidity, 42u);
    EXPECT_EQ(status->uidnext, 6u);
    auto uids = imap.uids_from(1);
    ASSERT_TRUE(uids.ok()) << uids.error().message;
    EXPECT_EQ(uids.value(), (std::vector<std::uint64_t>{3, 5}));
    auto body = imap.peek(3);
    ASSERT_TRUE(body.ok()) << body.error().message;
    EXPECT_EQ(body.value(), message);
  }
  const auto commands = server.commands();
  const std::vector<std::string> mine(commands.begin() + 2, commands.end() - (commands.back() == "LOGOUT" ? 1 : 0));
  EXPECT_EQ(mine, (std::vector<std::string>{"EXAMINE \"INBOX\"", "UID SEARCH UID 1:5", "UID FETCH 3 (UID BODY.PEEK[]<0.4096>)"}));
}

TEST_F(ObservedImapTest, without_uidnext_the_search_has_no_upper_end_and_keeps_only_new_uids) {
  ScriptedImap server([](const std::string& tag, const std::string& command) -> std::string {
    if (command.rfind("EXAMINE ", 0) == 0) return "* OK [UIDVALIDITY 42] ok\r\n" + tag + " OK [READ-ONLY] done\r\n";
    if (command == "UID SEARCH UID 7:*") return "* SEARCH 5\r\n" + tag + " OK done\r\n";  // only the highest, below 7
    if (command == "UID SEARCH UID 2:*") return "* SEARCH 2 5\r\n" + tag + " OK done\r\n";
    return tag + " BAD unexpected\r\n";
  });
  CurlReadOnlyImap imap(config_for(server.port()), "secret");
  ASSERT_TRUE(imap.examine("INBOX").ok());
  auto none = imap.uids_from(7);
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_TRUE(none->empty());
  auto some = imap.uids_from(2);
  ASSERT_TRUE(some.ok()) << some.error().message;
  EXPECT_EQ(some.value(), (std::vector<std::uint64_t>{2, 5}));
}

TEST_F(ObservedImapTest, a_server_that_opens_the_folder_for_writing_is_not_read) {
  ScriptedImap server([](const std::string& tag, const std::string&) {
    return "* OK [UIDVALIDITY 42] ok\r\n* OK [UIDNEXT 6] ok\r\n" + tag + " OK [READ-WRITE] done\r\n";
  });
  CurlReadOnlyImap imap(config_for(server.port()), "secret");
  auto status = imap.examine("INBOX");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("did not open it read-only"), std::string::npos) << status.error().message;
}

TEST_F(ObservedImapTest, a_missing_folder_is_a_permanent_error) {
  ScriptedImap server([](const std::string& tag, const std::string&) { return tag + " NO Mailbox doesn't exist: Sent\r\n"; });
  CurlReadOnlyImap imap(config_for(server.port()), "secret");
  auto status = imap.examine("Sent");
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(status.error().permanent());
  EXPECT_NE(status.error().message.find("Mailbox doesn't exist"), std::string::npos) << status.error().message;
}

TEST_F(ObservedImapTest, a_literal_larger_than_asked_for_is_refused_without_reading_it) {
  ScriptedImap server([](const std::string& tag, const std::string& command) -> std::string {
    if (command.rfind("EXAMINE ", 0) == 0) return examine_ok(tag);
    return "* 1 FETCH (UID 3 BODY[]<0> {999999999}\r\n";  // and then nothing
  });
  CurlReadOnlyImap imap(config_for(server.port()), "secret");
  ASSERT_TRUE(imap.examine("INBOX").ok());
  auto body = imap.peek(3);
  ASSERT_FALSE(body.ok());
  EXPECT_NE(body.error().message.find("a literal of 999999999 bytes"), std::string::npos) << body.error().message;
}

TEST_F(ObservedImapTest, an_answer_line_without_end_is_cut_at_one_mebibyte) {
  ScriptedImap server([](const std::string& tag, const std::string& command) -> std::string {
    if (command.rfind("EXAMINE ", 0) == 0) return examine_ok(tag);
    return "* SEARCH " + std::string(2 << 20, '7');
  });
  CurlReadOnlyImap imap(config_for(server.port()), "secret");
  ASSERT_TRUE(imap.examine("INBOX").ok());
  auto uids = imap.uids_from(1);
  ASSERT_FALSE(uids.ok());
  EXPECT_NE(uids.error().message.find("longer than 1 MiB"), std::string::npos) << uids.error().message;
}

TEST_F(ObservedImapTest, a_server_that_stops_answering_times_out) {
  ScriptedImap server([](const std::string& tag, const std::string& command) -> std::string {
    if (command.rfind("EXAMINE ", 0) == 0) return examine_ok(tag);
    return "* 1 FETCH (UID 3 ";  // half an answer, then silence
  });
  auto config = config_for(server.port());
  config.timeout_s = 1;
  CurlReadOnlyImap imap(config, "secret");
  ASSERT_TRUE(imap.examine("INBOX").ok());
  const auto t0 = std::chrono::steady_clock::now();
  auto body = imap.peek(3);
  ASSERT_FALSE(body.ok());
  EXPECT_NE(body.error().message.find("no complete answer within 1 s"), std::string::npos) << body.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

}  // namespace
}  // namespace intake::daemon
