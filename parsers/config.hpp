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
enum class ImapAuth { password, xoauth2 };      // xoauth2: OAuth2 bearer token (Microsoft 365, Gmail)

struct DaemonConfig {
  int poll_interval_s = 60;
  std::string log_level = "info";
  std::string templates_dir = "/usr/share/intake/templates";
  std::string admin_address;  // told when fetching keeps failing
  int alert_after_failures = 5;  // consecutive failed fetches before the admin is emailed (osTicket: 5)
  int max_backoff_s = 900;       // cap of the exponential backoff after failed cycles
  int max_message_bytes = 25 * 1024 * 1024;  // larger mail: headers kept, sender told
  // A send cut off by a crash (outbox row left 'sending') is retried after this
  // long; the recipient may then get that one mail twice (SMTP has no way to ask).
  int resend_interrupted_after_s = 300;
  // Where the logs go: "auto" is the journal when stderr is connected to it
  // (JOURNAL_STREAM, as systemd sets it), stderr otherwise.
  std::string log_target = "auto";
  // Prometheus metrics on this loopback "host:port" ("[::1]:port" for IPv6);
  // empty: no endpoint (the default).
  std::string metrics_listen;
  // On SIGTERM the outbox is flushed for at most this long (plus one send's
  // smtp.timeout_s); what is left goes out at the next start.
  int shutdown_flush_s = 20;
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
  ImapAuth auth = ImapAuth::password;
  std::string password_file;  // auth = password
  // auth = xoauth2, exactly one of: a file holding the bearer token, read at
  // each connect, or a command run by /bin/sh whose stdout (trimmed) is it.
  std::string token_file;
  std::string token_command;
  int token_command_timeout_s = 30;  // then it is killed and the cycle fails
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
const char* to_string(ImapAuth auth);
// localhost, 127.0.0.0/8 or ::1: the only hosts plain (unencrypted) IMAP may use.
bool is_loopback_host(std::string_view host);

// "127.0.0.1:9464" or "[::1]:9464" split into host and port; false when the
// text is not of that shape or the port is not 1..65535.
bool split_host_port(std::string_view text, std::string& host, int& port);

}  // namespace intake::parsers
