// IMAP IDLE: what each server line means to a watched mailbox (counts, not
// just keywords, so repeats and expunges do not wake intaked), the
// capability check, and the watcher against a scripted server: no IDLE
// offered or IDLE refused means polling and no further asking, new mail
// announced wakes, a server closing the connection stops the watching.
#include "daemon/adapters/imap/idle_watch.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "daemon/adapters/curl/curl_handle.hpp"
#include "tests/daemon/scripted_imap.hpp"

namespace intake::daemon {
namespace {

using namespace std::chrono_literals;
using testing::ScriptedImap;

IdleTracker tracker_after_examine(std::uint64_t exists, std::uint64_t recent) {
  IdleTracker t;
  (void)t.on_line("* " + std::to_string(exists) + " EXISTS");
  (void)t.on_line("* " + std::to_string(recent) + " RECENT");
  t.start("v3");
  return t;
}

TEST(IdleTracker, exists_above_the_known_count_is_new_mail_and_a_repeat_is_not) {
  IdleTracker t = tracker_after_examine(2, 0);
  EXPECT_EQ(t.on_line("+ idling"), IdleEvent::idling);
  EXPECT_EQ(t.on_line("* 3 EXISTS"), IdleEvent::new_mail);
  EXPECT_EQ(t.on_line("* 3 EXISTS"), IdleEvent::nothing);
  EXPECT_EQ(t.exists(), 3U);
}

TEST(IdleTracker, expunged_messages_lower_the_count_so_only_real_arrivals_wake) {
  IdleTracker t = tracker_after_examine(3, 0);
  // intaked's own cycle moves two messages out of the folder.
  EXPECT_EQ(t.on_line("* 1 EXPUNGE"), IdleEvent::nothing);
  EXPECT_EQ(t.on_line("* 1 EXPUNGE"), IdleEvent::nothing);
  EXPECT_EQ(t.exists(), 1U);
  EXPECT_EQ(t.on_line("* 1 EXISTS"), IdleEvent::nothing) << "a server restating the count after an expunge";
  EXPECT_EQ(t.on_line("* 2 EXISTS"), IdleEvent::new_mail);
}

TEST(IdleTracker, recent_above_the_known_count_is_new_mail) {
  IdleTracker t = tracker_after_examine(5, 1);
  EXPECT_EQ(t.on_line("* 1 RECENT"), IdleEvent::nothing);
  EXPECT_EQ(t.on_line("* 0 RECENT"), IdleEvent::nothing);
  EXPECT_EQ(t.on_line("* 1 RECENT"), IdleEvent::new_mail);
}

TEST(IdleTracker, keepalives_flag_changes_and_other_answers_are_nothing) {
  IdleTracker t = tracker_after_examine(2, 0);
  for (const char* line : {"* OK Still here", "* 1 FETCH (FLAGS (\\Seen))", "* FLAGS (\\Seen)", "* 2 FETCH (UID 9)",
                           "v2 OK old tag", "anything", ""})
    EXPECT_EQ(t.on_line(line), IdleEvent::nothing) << line;
  EXPECT_EQ(t.exists(), 2U);
}

TEST(IdleTracker, the_tagged_answer_ends_or_refuses_and_bye_closes) {
  IdleTracker t = tracker_after_examine(0, 0);
  EXPECT_EQ(t.on_line("v3 OK IDLE terminated"), IdleEvent::ended);
  EXPECT_EQ(t.on_line("v3 ok done"), IdleEvent::ended);
  EXPECT_EQ(t.on_line("v3 NO not now"), IdleEvent::refused);
  EXPECT_EQ(t.on_line("v3 BAD unknown command"), IdleEvent::refused);
  EXPECT_EQ(t.on_line("v31 OK another command"), IdleEvent::nothing) << "a tag is matched whole";
  EXPECT_EQ(t.on_line("* BYE Server shutting down"), IdleEvent::closed);
}

TEST(IdleTracker, hostile_counts_are_ignored_not_trusted) {
  IdleTracker t = tracker_after_examine(4, 0);
  for (const char* line : {"* 99999999999999999999999 EXISTS", "* EXISTS", "* -1 EXISTS", "* 5x EXISTS", "*5 EXISTS",
                           "* 5"})
    EXPECT_EQ(t.on_line(line), IdleEvent::nothing) << line;
  EXPECT_EQ(t.exists(), 4U);
  EXPECT_EQ(t.on_line("* 5 exists"), IdleEvent::new_mail) << "keywords in any case";
}

TEST(IdleCapability, only_the_word_idle_in_a_capability_answer_counts) {
  EXPECT_TRUE(has_capability({{"* CAPABILITY IMAP4rev1 LITERAL+ IDLE MOVE", {}}}, "IDLE"));
  EXPECT_TRUE(has_capability({{"* capability imap4rev1 idle", {}}}, "IDLE"));
  EXPECT_FALSE(has_capability({{"* CAPABILITY IMAP4rev1 IDLEX MOVE", {}}}, "IDLE"));
  EXPECT_FALSE(has_capability({{"* CAPABILITY IMAP4rev1", {}}}, "IDLE"));
  EXPECT_FALSE(has_capability({{"* OK IDLE", {}}}, "IDLE"));
  EXPECT_FALSE(has_capability({}, "IDLE"));
}

struct IdleWatcherTest : ::testing::Test {
  static void SetUpTestSuite() { curl_global_setup(); }
  static parsers::MailboxConfig mailbox_for(int port) {
    parsers::MailboxConfig m;
    m.name = "requests";
    m.address = "requests@example.test";
    m.host = "127.0.0.1";
    m.port = port;
    m.security = parsers::Security::plain;
    m.username = "requests@example.test";
    m.timeout_s = 5;
    return m;
  }
  static std::size_t count(const std::vector<std::string>& commands, const std::string& wanted) {
    return static_cast<std::size_t>(std::count(commands.begin(), commands.end(), wanted));
  }
};

std::string examine_ok(const std::string& tag) {
  return "* 2 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 42] ok\r\n* OK [UIDNEXT 6] ok\r\n" + tag +
         " OK [READ-ONLY] EXAMINE done\r\n";
}

TEST_F(IdleWatcherTest, a_server_without_idle_is_polled_and_never_sent_idle) {
  ScriptedImap server([](const std::string& tag, const std::string& command) -> std::string {
    if (command.rfind("EXAMINE ", 0) == 0) return examine_ok(tag);
    return tag + " BAD unexpected\r\n";
  });
  MailboxWatcher watcher(mailbox_for(server.port()), 60, IdleSettings{}, nullptr);
  EXPECT_FALSE(watcher.arm());
  EXPECT_FALSE(watcher.arm()) << "asked once";
  EXPECT_FALSE(watcher.idling());
  EXPECT_EQ(count(server.commands(), "IDLE"), 0U);
  EXPECT_GE(count(server.commands(), "CAPABILITY"), 1U) << "the watcher asks after the login";
}

TEST_F(IdleWatcherTest, new_mail_announced_during_idle_is_news_once) {
  ScriptedImap server(
      [](const std::string& tag, const std::string& command) -> std::string {
        if (command.rfind("EXAMINE ", 0) == 0) return examine_ok(tag);
        if (command == "IDLE") return "+ idling\r\n* OK Still here\r\n* 3 EXISTS\r\n* 1 RECENT\r\n";
        return tag + " BAD unexpected\r\n";
      },
      "IMAP4rev1 IDLE");
  MailboxWatcher watcher(mailbox_for(server.port()), 60, IdleSettings{}, nullptr);
  ASSERT_TRUE(watcher.arm());
  EXPECT_TRUE(watcher.idling());
  EXPECT_GE(watcher.socket(), 0);
  EXPECT_TRUE(watcher.take_news(1000ms));
  EXPECT_FALSE(watcher.take_news(50ms)) << "told once";
  EXPECT_TRUE(watcher.arm()) << "still idling: nothing sent";
  const auto commands = server.commands();
  EXPECT_EQ(count(commands, "IDLE"), 1U);
  EXPECT_EQ(count(commands, "EXAMINE \"INBOX\""), 1U) << "read-only: the watcher changes nothing";
  EXPECT_EQ(count(commands, "SELECT \"INBOX\""), 0U);
}

TEST_F(IdleWatcherTest, idle_is_reissued_with_done_once_it_is_older_than_the_limit) {
  std::string idle_tag;
  ScriptedImap server(
      [&idle_tag](const std::string& tag, const std::string& command) -> std::string {
        if (command.rfind("EXAMINE ", 0) == 0) return examine_ok(tag);
        if (command == "IDLE") {
          idle_tag = tag;
          return "+ idling\r\n";
        }
        if (tag == "DONE") return idle_tag + " OK IDLE terminated\r\n";
        return tag + " BAD unexpected\r\n";
      },
      "IMAP4rev1 IDLE");
  IdleSettings settings;
  settings.reissue_after = 0s;
  MailboxWatcher watcher(mailbox_for(server.port()), 60, settings, nullptr);
  ASSERT_TRUE(watcher.arm());
  ASSERT_TRUE(watcher.arm());
  EXPECT_TRUE(watcher.idling());
  const auto commands = server.commands();
  EXPECT_EQ(count(commands, "IDLE"), 2U);
  EXPECT_EQ(count(commands, ""), 1U) << "one DONE (a line without a tag)";
  EXPECT_EQ(count(commands, "EXAMINE \"INBOX\""), 1U) << "the same connection";
}

TEST_F(IdleWatcherTest, idle_refused_after_being_offered_means_polling_without_asking_again) {
  ScriptedImap server(
      [](const std::string& tag, const std::string& command) -> std::string {
        if (command.rfind("EXAMINE ", 0) == 0) return examine_ok(tag);
        return tag + " NO not for you\r\n";
      },
      "IMAP4rev1 IDLE");
  MailboxWatcher watcher(mailbox_for(server.port()), 60, IdleSettings{}, nullptr);
  EXPECT_FALSE(watcher.arm());
  EXPECT_FALSE(watcher.arm());
  EXPECT_EQ(count(server.commands(), "IDLE"), 1U);
}

TEST_F(IdleWatcherTest, a_server_closing_the_connection_stops_the_watching_until_the_retry) {
  ScriptedImap server(
      [](const std::string& tag, const std::string& command) -> std::string {
        if (command.rfind("EXAMINE ", 0) == 0) return examine_ok(tag);
        if (command == "IDLE") return "+ idling\r\n* BYE going away\r\n";
        return tag + " BAD unexpected\r\n";
      },
      "IMAP4rev1 IDLE");
  MailboxWatcher watcher(mailbox_for(server.port()), 60, IdleSettings{}, nullptr);
  ASSERT_TRUE(watcher.arm());
  EXPECT_FALSE(watcher.take_news(1000ms));
  EXPECT_FALSE(watcher.idling());
  EXPECT_EQ(watcher.socket(), -1);
  EXPECT_FALSE(watcher.arm()) << "not before retry_after";
}

TEST_F(IdleWatcherTest, an_unreachable_server_is_a_failure_not_a_hang) {
  // A port nobody listens on: the listener is closed right away.
  int port = 0;
  { ScriptedImap gone([](const std::string&, const std::string&) { return std::string(); }); port = gone.port(); }
  MailboxWatcher watcher(mailbox_for(port), 60, IdleSettings{}, nullptr);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(watcher.arm());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_FALSE(watcher.idling());
}

}  // namespace
}  // namespace intake::daemon
