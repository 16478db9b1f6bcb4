// The intake.toml file, read and validated in one place. Trusts nothing: every
// unknown key, wrong type or bad value becomes one ConfigError naming the key,
// so `intakectl check-config` can print one line per problem and exit 78.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace intake::parsers {

enum class Security { plain, starttls, tls };  // tls: implicit TLS (imaps, smtps)

struct DaemonConfig {
  int poll_interval_s = 60;
  std::string log_level = "info";
  std::string templates_dir = "/usr/share/intake/templates";
  std::string admin_address;  // told when fetching keeps failing
};

struct DatabaseConfig {
  std::string url;            // libpq URI or key=value string, without password
  std::string password_file;  // optional; read at start, never logged
};

struct SmtpConfig {
  std::string host;
  int port = 25;
  Security security = Security::plain;
  std::string username;
  std::string password_file;
  bool verify_tls = true;
  std::string ca_file;
  std::string from;       // envelope and header From of everything intake sends
  std::string from_name;
  int timeout_s = 30;
};

struct MailboxConfig {
  std::string name;     // stable key in the database
  std::string address;  // the shared address, e.g. requests@example.test
  std::string host;
  int port = 993;
  Security security = Security::tls;
  std::string username;
  std::string password_file;
  bool verify_tls = true;
  std::string ca_file;
  std::string folder = "INBOX";
  std::string processed_folder;  // empty: flag \Seen instead of moving
  std::string default_category = "general";
  bool accept_cc = false;  // Cc/Bcc-only mail makes requests (default: observed only)
  int timeout_s = 60;
  int batch_size = 200;
};

struct Config {
  DaemonConfig daemon;
  DatabaseConfig database;
  SmtpConfig smtp;
  std::vector<MailboxConfig> mailboxes;
};

struct ConfigError {
  std::string key;      // dotted path, e.g. "mailbox[0].port"
  std::string message;  // what is wrong, for humans
  std::string line() const { return key + ": " + message; }
};

struct ConfigLoad {
  Config config;
  std::vector<ConfigError> errors;  // empty: config is usable
  bool ok() const { return errors.empty(); }
};

ConfigLoad parse_config(std::string_view toml_text, std::string_view source_name = "config");
ConfigLoad load_config(const std::string& path);

const char* to_string(Security security);

}  // namespace intake::parsers
