// The [daemon] keys of issue 9: log_target, metrics_listen (loopback only, as
// the endpoint has no authentication), shutdown_flush_s; and idle (the Speed issue).
#include <gtest/gtest.h>

#include "parsers/config/config.hpp"

namespace intake::parsers {
namespace {

std::string with_daemon(const std::string& lines) {
  return "[daemon]\n" + lines + R"(
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
}

TEST(ConfigService, defaults_keep_metrics_off_and_logs_automatic) {
  auto load = parse_config(with_daemon(""));
  ASSERT_TRUE(load.ok()) << load.errors[0].line();
  EXPECT_EQ(load.config.daemon.metrics_listen, "");
  EXPECT_EQ(load.config.daemon.log_target, "auto");
  EXPECT_EQ(load.config.daemon.shutdown_flush_s, 20);
}

TEST(ConfigService, loopback_metrics_addresses_are_accepted) {
  for (const char* addr : {"127.0.0.1:9464", "127.0.0.53:1", "[::1]:9464"}) {
    auto load = parse_config(with_daemon(std::string("metrics_listen = \"") + addr + "\""));
    EXPECT_TRUE(load.ok()) << addr << ": " << (load.ok() ? "" : load.errors[0].line());
  }
}

TEST(ConfigService, metrics_on_a_public_or_any_address_is_refused) {
  for (const char* addr : {"0.0.0.0:9464", "192.168.1.5:9464", "[::]:9464", "localhost:9464", "example.com:80"}) {
    auto load = parse_config(with_daemon(std::string("metrics_listen = \"") + addr + "\""));
    ASSERT_EQ(load.errors.size(), 1U) << addr;
    EXPECT_EQ(load.errors[0].key, "daemon.metrics_listen");
    EXPECT_NE(load.errors[0].message.find("loopback"), std::string::npos) << load.errors[0].message;
  }
}

TEST(ConfigService, malformed_metrics_addresses_are_refused) {
  for (const char* addr : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:94a4", "::1:9464",
                           "[::1]9464", "[::1:9464", ":9464", "127.0.0.1:1234567"}) {
    auto load = parse_config(with_daemon(std::string("metrics_listen = \"") + addr + "\""));
    ASSERT_EQ(load.errors.size(), 1U) << addr;
    EXPECT_EQ(load.errors[0].key, "daemon.metrics_listen") << addr;
  }
}

TEST(ConfigService, log_target_and_shutdown_flush_are_checked) {
  auto bad = parse_config(with_daemon("log_target = \"syslog\"\nshutdown_flush_s = 7200"));
  ASSERT_EQ(bad.errors.size(), 2U);
  EXPECT_EQ(bad.errors[0].key, "daemon.log_target");
  EXPECT_EQ(bad.errors[1].key, "daemon.shutdown_flush_s");
  auto good = parse_config(with_daemon("log_target = \"journal\"\nshutdown_flush_s = 0"));
  EXPECT_TRUE(good.ok());
}

TEST(ConfigService, idle_is_on_by_default_and_a_boolean_turns_it_off) {
  auto defaults = parse_config(with_daemon(""));
  ASSERT_TRUE(defaults.ok()) << defaults.errors[0].line();
  EXPECT_TRUE(defaults.config.daemon.idle);
  auto off = parse_config(with_daemon("idle = false"));
  ASSERT_TRUE(off.ok()) << off.errors[0].line();
  EXPECT_FALSE(off.config.daemon.idle);
}

TEST(ConfigService, idle_that_is_not_a_boolean_is_refused_naming_the_key) {
  for (const char* value : {"\"yes\"", "1", "\"true\""}) {
    auto load = parse_config(with_daemon(std::string("idle = ") + value));
    ASSERT_EQ(load.errors.size(), 1U) << value;
    EXPECT_EQ(load.errors[0].key, "daemon.idle") << value;
  }
}

TEST(ConfigService, split_host_port_takes_bracketed_ipv6) {
  std::string host;
  int port = 0;
  ASSERT_TRUE(split_host_port("[::1]:80", host, port));
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 80);
  EXPECT_FALSE(split_host_port("[]:80", host, port));
}

TEST(ConfigService, failover_defaults_to_30_s_and_the_node_name_to_the_host_name) {
  auto load = parse_config(with_daemon(""));
  ASSERT_TRUE(load.ok()) << load.errors[0].line();
  EXPECT_EQ(load.config.daemon.failover_s, 30);
  EXPECT_EQ(load.config.daemon.node_name, "");
  auto set = parse_config(with_daemon("failover_s = 8\nnode_name = \"mail-2.example.com\""));
  ASSERT_TRUE(set.ok()) << set.errors[0].line();
  EXPECT_EQ(set.config.daemon.failover_s, 8);
  EXPECT_EQ(set.config.daemon.node_name, "mail-2.example.com");
}

TEST(ConfigService, a_failover_too_short_to_renew_in_or_a_node_name_with_spaces_is_refused) {
  for (const char* line : {"failover_s = 3", "failover_s = 3601", "node_name = \"mail 2\"", "node_name = \"a\\tb\""}) {
    auto load = parse_config(with_daemon(line));
    ASSERT_EQ(load.errors.size(), 1U) << line;
    EXPECT_EQ(load.errors[0].key, std::string(line).rfind("failover", 0) == 0 ? "daemon.failover_s" : "daemon.node_name")
        << line;
  }
}

}  // namespace
}  // namespace intake::parsers
