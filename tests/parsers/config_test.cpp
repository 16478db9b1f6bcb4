#include "config.hpp"

#include <gtest/gtest.h>

namespace intake::parsers {
namespace {

const char* minimal = R"(
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

TEST(Config, minimal_config_gets_safe_defaults) {
  auto load = parse_config(minimal);
  ASSERT_TRUE(load.ok()) << load.errors[0].line();
  ASSERT_EQ(load.config.mailboxes.size(), 1u);
  const auto& m = load.config.mailboxes[0];
  EXPECT_EQ(m.security, Security::tls);
  EXPECT_EQ(m.port, 993);
  EXPECT_TRUE(m.verify_tls);
  EXPECT_EQ(m.folder, "INBOX");
  EXPECT_FALSE(m.accept_cc);
}

TEST(Config, plain_imap_off_loopback_is_refused) {
  std::string text = std::string(minimal) + "security = \"plain\"\n";
  auto load = parse_config(text);
  ASSERT_EQ(load.errors.size(), 1u);
  EXPECT_EQ(load.errors[0].key, "mailbox[0].security");
}

TEST(Config, every_problem_is_reported_once_with_its_key) {
  auto load = parse_config("[daemon]\npoll_interval_s = 0\nlog_level = \"loud\"\ncolour = true\n");
  std::vector<std::string> keys;
  for (const auto& e : load.errors) keys.push_back(e.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"daemon.poll_interval_s", "daemon.log_level", "daemon.colour", "database",
                                            "smtp", "mailbox"}));
}

TEST(Config, duplicate_mailbox_names_are_refused) {
  std::string text = std::string(minimal) +
                     "[[mailbox]]\nname = \"requests\"\naddress = \"it@example.test\"\nhost = \"imap.example.test\"\n"
                     "username = \"it@example.test\"\npassword_file = \"/x\"\n";
  auto load = parse_config(text);
  ASSERT_EQ(load.errors.size(), 1u);
  EXPECT_EQ(load.errors[0].key, "mailbox[1].name");
}

}  // namespace
}  // namespace intake::parsers
