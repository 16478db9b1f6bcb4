// [tally] and [[observe]]: defaults, and every bad key named on one line.
#include <gtest/gtest.h>

#include "parsers/config/config.hpp"

namespace intake::parsers {
namespace {

const std::string minimal = R"(
[database]
url = "postgresql://x@127.0.0.1/intake"
[smtp]
host = "mail.example.test"
from = "requests@example.test"
[[mailbox]]
name = "requests"
address = "requests@example.test"
host = "imap.example.test"
username = "requests@example.test"
password_file = "/run/credentials/intaked.service/imap"
)";

const std::string observe = R"(
[[observe]]
name = "boss"
address = "boss@example.test"
host = "imap.example.test"
username = "boss@example.test"
password_file = "/run/credentials/intaked.service/boss"
)";

std::vector<std::string> lines(const ConfigLoad& load) {
  std::vector<std::string> out;
  for (const auto& e : load.errors) out.push_back(e.key + ": " + e.message);  // without the line (config_test checks it)
  return out;
}

TEST(TallyConfig, defaults_are_seven_days_three_repliers_twice_the_median_of_twenty) {
  auto load = parse_config(minimal);
  ASSERT_TRUE(load.ok()) << lines(load)[0];
  EXPECT_EQ(load.config.tally.reply_window_days, 7);
  EXPECT_EQ(load.config.tally.min_repliers, 3);
  EXPECT_EQ(load.config.tally.chord_factor, 2.0);
  EXPECT_EQ(load.config.tally.baseline_messages, 20);
  EXPECT_TRUE(load.config.observed.empty());
}

TEST(TallyConfig, every_key_is_read) {
  auto load = parse_config(minimal + R"(
[tally]
reply_window_days = 3
min_repliers = 5
chord_factor = 1.5
baseline_messages = 10
agree_words = ["genau"]
thanks_words = ["danke"]
praise_words = ["super"]
)");
  ASSERT_TRUE(load.ok()) << lines(load)[0];
  EXPECT_EQ(load.config.tally.reply_window_days, 3);
  EXPECT_EQ(load.config.tally.min_repliers, 5);
  EXPECT_EQ(load.config.tally.chord_factor, 1.5);
  EXPECT_EQ(load.config.tally.baseline_messages, 10);
  EXPECT_EQ(load.config.tally.agree_words, std::vector<std::string>{"genau"});
  EXPECT_EQ(load.config.tally.praise_words, std::vector<std::string>{"super"});
}

TEST(TallyConfig, a_bad_tally_value_is_named) {
  EXPECT_EQ(lines(parse_config(minimal + "[tally]\nchord_factor = \"two\"\n")),
            std::vector<std::string>{"tally.chord_factor: must be a number from 1 to 1000 (how many times the sender's median)"});
  EXPECT_EQ(lines(parse_config(minimal + "[tally]\nreply_window_days = 0\n")),
            std::vector<std::string>{"tally.reply_window_days: must be between 1 and 365 (got 0)"});
  EXPECT_EQ(lines(parse_config(minimal + "[tally]\nwindow = 7\n")), std::vector<std::string>{"tally.window: unknown key"});
  EXPECT_EQ(lines(parse_config(minimal + "[tally]\nagree_words = [\"\"]\n")),
            std::vector<std::string>{"tally.agree_words[0]: must be 1 to 100 bytes"});
}

TEST(ObserveConfig, an_observed_mailbox_reads_inbox_and_sent_by_default) {
  auto load = parse_config(minimal + observe);
  ASSERT_TRUE(load.ok()) << lines(load)[0];
  ASSERT_EQ(load.config.observed.size(), 1u);
  const auto& o = load.config.observed[0];
  EXPECT_EQ(o.name, "boss");
  EXPECT_EQ(o.security, Security::tls);
  EXPECT_EQ(o.port, 993);
  EXPECT_EQ(o.folders, (std::vector<std::string>{"INBOX", "Sent"}));
}

TEST(ObserveConfig, missing_and_unknown_keys_are_named) {
  EXPECT_EQ(lines(parse_config(minimal + "[[observe]]\nname = \"boss\"\naddress = \"boss@example.test\"\nhost = \"h\"\n"
                                         "username = \"boss\"\nfolder = \"INBOX\"\n")),
            (std::vector<std::string>{"observe[0].folder: unknown key",
                                      "observe[0].password_file: missing (required with auth = \"password\")"}));
}

TEST(ObserveConfig, xoauth2_takes_a_token_file_or_command_instead_of_a_password) {
  const std::string base = minimal + "[[observe]]\nname = \"boss\"\naddress = \"boss@example.test\"\nhost = \"h\"\n"
                                     "username = \"boss@example.test\"\nauth = \"xoauth2\"\n";
  auto load = parse_config(base + "token_file = \"/run/boss.token\"\n");
  ASSERT_TRUE(load.ok()) << lines(load)[0];
  EXPECT_EQ(load.config.observed[0].auth, ImapAuth::xoauth2);
  EXPECT_EQ(load.config.observed[0].token_file, "/run/boss.token");
  EXPECT_EQ(lines(parse_config(base)),
            std::vector<std::string>{"observe[0].token_file: missing: auth = \"xoauth2\" needs token_file or token_command"});
  EXPECT_EQ(lines(parse_config(base + "token_file = \"a\"\ntoken_command = \"b\"\n")),
            std::vector<std::string>{"observe[0].token_command: give token_file or token_command, not both"});
  EXPECT_EQ(lines(parse_config(base + "token_file = \"a\"\npassword_file = \"p\"\n")),
            std::vector<std::string>{"observe[0].password_file: not used with auth = \"xoauth2\" (the bearer token replaces it)"});
}

TEST(ObserveConfig, plain_imap_off_loopback_is_refused) {
  EXPECT_EQ(lines(parse_config(minimal + observe + "security = \"plain\"\n")),
            std::vector<std::string>{"observe[0].security: plain IMAP (no TLS) is allowed only on loopback (127.0.0.0/8, "
                                     "::1, localhost), not on \"imap.example.test\"; use tls or starttls"});
}

TEST(ObserveConfig, a_folder_name_that_could_break_the_imap_command_is_refused) {
  EXPECT_EQ(lines(parse_config(minimal + observe + "folders = [\"INBOX\\\" DELETE \\\"x\"]\n")),
            std::vector<std::string>{"observe[0].folders: \"INBOX\" DELETE \"x\": a folder name may not hold quotes, "
                                     "backslashes or line breaks"});
}

TEST(ObserveConfig, duplicate_names_are_named) {
  EXPECT_EQ(lines(parse_config(minimal + observe + observe)),
            std::vector<std::string>{"observe[1].name: duplicate observed mailbox name \"boss\""});
}

}  // namespace
}  // namespace intake::parsers
