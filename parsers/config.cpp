#include "config.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>
#include <toml++/toml.h>

namespace intake::parsers {

const char* to_string(Security security) {
  switch (security) {
    case Security::plain: return "plain";
    case Security::starttls: return "starttls";
    case Security::tls: return "tls";
  }
  return "plain";
}

const char* to_string(ImapAuth auth) {
  switch (auth) {
    case ImapAuth::password: return "password";
    case ImapAuth::xoauth2: return "xoauth2";
  }
  return "password";
}

bool is_loopback_host(std::string_view host) {
  std::string h(host);
  std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (h == "localhost") return true;
  // Only full, canonical addresses: "127.1" or "127.0.0.1.example.com" are
  // names a resolver may send anywhere.
  in_addr v4{};
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  unsigned char v6[16] = {};
  if (inet_pton(AF_INET6, h.c_str(), v6) == 1) {
    const bool zero_prefix = std::all_of(v6, v6 + 10, [](unsigned char b) { return b == 0; });
    if (zero_prefix && v6[10] == 0 && v6[11] == 0 && v6[12] == 0 && v6[13] == 0 && v6[14] == 0 && v6[15] == 1)
      return true;                                                       // ::1
    return zero_prefix && v6[10] == 0xff && v6[11] == 0xff && v6[12] == 127;  // ::ffff:127.x.y.z
  }
  return false;
}

bool split_host_port(std::string_view text, std::string& host, int& port) {
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return false;
    host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) return false;
    host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  if (host.empty() || port_text.empty() || port_text.size() > 5) return false;
  int value = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  if (value < 1 || value > 65535) return false;
  port = value;
  return true;
}

namespace {

// Reads one table, remembering which keys were used so the rest can be named
// as unknown.
class TableReader {
 public:
  TableReader(const toml::table* table, std::string prefix, std::vector<ConfigError>& errors)
      : table_(table), prefix_(std::move(prefix)), errors_(errors) {}

  std::string key(std::string_view name) const { return prefix_.empty() ? std::string(name) : prefix_ + "." + std::string(name); }

  void string(std::string_view name, std::string& out, bool required = false) {
    used_.insert(std::string(name));
    const toml::node* node = table_ ? table_->get(name) : nullptr;
    if (node == nullptr) {
      if (required) errors_.push_back({key(name), "missing (required)"});
      return;
    }
    if (auto v = node->value<std::string>(); v && node->is_string()) {
      out = *v;
      if (required && out.empty()) errors_.push_back({key(name), "must not be empty"});
    } else {
      errors_.push_back({key(name), "must be a string"});
    }
  }

  void integer(std::string_view name, int& out, long long min, long long max) {
    used_.insert(std::string(name));
    const toml::node* node = table_ ? table_->get(name) : nullptr;
    if (node == nullptr) return;
    if (!node->is_integer()) {
      errors_.push_back({key(name), "must be an integer"});
      return;
    }
    long long v = node->as_integer()->get();
    if (v < min || v > max) {
      errors_.push_back({key(name), "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                                        " (got " + std::to_string(v) + ")"});
      return;
    }
    out = static_cast<int>(v);
  }

  void boolean(std::string_view name, bool& out) {
    used_.insert(std::string(name));
    const toml::node* node = table_ ? table_->get(name) : nullptr;
    if (node == nullptr) return;
    if (!node->is_boolean()) {
      errors_.push_back({key(name), "must be true or false"});
      return;
    }
    out = node->as_boolean()->get();
  }

  void security(std::string_view name, Security& out) {
    std::string s;
    std::string_view shown = name;
    string(shown, s);
    if (s.empty()) return;
    if (s == "plain") out = Security::plain;
    else if (s == "starttls") out = Security::starttls;
    else if (s == "tls" || s == "imaps" || s == "smtps") out = Security::tls;
    else errors_.push_back({key(name), "must be one of plain, starttls, tls (got \"" + s + "\")"});
  }

  void choice(std::string_view name, std::string& out, const std::set<std::string>& allowed) {
    string(name, out);
    if (!out.empty() && allowed.count(out) == 0) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      errors_.push_back({key(name), "must be one of " + list + " (got \"" + out + "\")"});
    }
  }

  void reject_unknown() {
    if (table_ == nullptr) return;
    for (const auto& [k, v] : *table_) {
      if (used_.count(std::string(k.str())) == 0) errors_.push_back({key(k.str()), "unknown key"});
    }
  }

 private:
  const toml::table* table_;
  std::string prefix_;
  std::vector<ConfigError>& errors_;
  std::set<std::string> used_;
};

bool looks_like_address(const std::string& s) {
  auto at = s.find('@');
  return at != std::string::npos && at > 0 && at + 1 < s.size() && s.find_first_of(" <>\r\n") == std::string::npos;
}

const toml::table* subtable(const toml::table& root, std::string_view name, std::vector<ConfigError>& errors) {
  const toml::node* node = root.get(name);
  if (node == nullptr) return nullptr;
  if (!node->is_table()) {
    errors.push_back({std::string(name), "must be a table ([" + std::string(name) + "])"});
    return nullptr;
  }
  return node->as_table();
}

}  // namespace

ConfigLoad parse_config(std::string_view toml_text, std::string_view source_name) {
  ConfigLoad load;
  auto& errors = load.errors;
  auto& cfg = load.config;
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    std::ostringstream where;
    where << "line " << e.source().begin.line << ", column " << e.source().begin.column;
    errors.push_back({std::string(source_name), "not valid TOML at " + where.str() + ": " + std::string(e.description())});
    return load;
  }

  for (const auto& [k, v] : root) {
    std::string name(k.str());
    if (name != "daemon" && name != "database" && name != "smtp" && name != "mailbox")
      errors.push_back({name, "unknown key"});
  }

  {
    TableReader r(subtable(root, "daemon", errors), "daemon", errors);
    r.integer("poll_interval_s", cfg.daemon.poll_interval_s, 1, 86400);
    r.choice("log_level", cfg.daemon.log_level, {"trace", "debug", "info", "warn", "error", "critical", "off"});
    r.string("templates_dir", cfg.daemon.templates_dir);
    r.string("admin_address", cfg.daemon.admin_address);
    if (!cfg.daemon.admin_address.empty() && !looks_like_address(cfg.daemon.admin_address))
      errors.push_back({"daemon.admin_address", "must be an email address"});
    r.integer("alert_after_failures", cfg.daemon.alert_after_failures, 1, 1000);
    r.integer("max_backoff_s", cfg.daemon.max_backoff_s, 1, 86400);
    r.integer("max_message_bytes", cfg.daemon.max_message_bytes, 1024, 1024 * 1024 * 1024);
    r.integer("resend_interrupted_after_s", cfg.daemon.resend_interrupted_after_s, 1, 86400);
    r.choice("log_target", cfg.daemon.log_target, {"auto", "journal", "stderr"});
    r.string("metrics_listen", cfg.daemon.metrics_listen);
    if (!cfg.daemon.metrics_listen.empty()) {
      std::string host;
      int port = 0;
      if (!split_host_port(cfg.daemon.metrics_listen, host, port))
        errors.push_back({"daemon.metrics_listen", "must be \"HOST:PORT\" (\"[::1]:PORT\" for IPv6), got \"" +
                                                       cfg.daemon.metrics_listen + "\""});
      else if (!is_loopback_host(host) || host == "localhost")
        errors.push_back({"daemon.metrics_listen", "must be a loopback address (127.0.0.0/8 or ::1), not \"" + host +
                                                       "\": the endpoint has no authentication"});
    }
    r.integer("shutdown_flush_s", cfg.daemon.shutdown_flush_s, 0, 3600);
    r.reject_unknown();
  }
  {
    const toml::table* t = subtable(root, "database", errors);
    if (t == nullptr && root.get("database") == nullptr) errors.push_back({"database", "missing (required table)"});
    TableReader r(t, "database", errors);
    if (t) r.string("url", cfg.database.url, true);
    r.string("password_file", cfg.database.password_file);
    r.reject_unknown();
  }
  {
    const toml::table* t = subtable(root, "smtp", errors);
    if (t == nullptr && root.get("smtp") == nullptr) errors.push_back({"smtp", "missing (required table)"});
    TableReader r(t, "smtp", errors);
    if (t) {
      r.string("host", cfg.smtp.host, true);
      r.string("from", cfg.smtp.from, true);
      if (!cfg.smtp.from.empty() && !looks_like_address(cfg.smtp.from))
        errors.push_back({"smtp.from", "must be an email address (got \"" + cfg.smtp.from + "\")"});
    }
    r.integer("port", cfg.smtp.port, 1, 65535);
    r.security("security", cfg.smtp.security);
    r.string("username", cfg.smtp.username);
    r.string("password_file", cfg.smtp.password_file);
    r.boolean("verify_tls", cfg.smtp.verify_tls);
    r.string("ca_file", cfg.smtp.ca_file);
    r.string("from_name", cfg.smtp.from_name);
    r.integer("timeout_s", cfg.smtp.timeout_s, 1, 3600);
    r.reject_unknown();
  }

  const toml::node* boxes = root.get("mailbox");
  if (boxes == nullptr) {
    errors.push_back({"mailbox", "missing: at least one [[mailbox]] is required"});
  } else if (!boxes->is_array_of_tables()) {
    errors.push_back({"mailbox", "must be an array of tables ([[mailbox]])"});
  } else {
    std::set<std::string> names;
    std::size_t i = 0;
    for (const auto& node : *boxes->as_array()) {
      MailboxConfig m;
      const std::string prefix = "mailbox[" + std::to_string(i++) + "]";
      TableReader r(node.as_table(), prefix, errors);
      r.string("name", m.name, true);
      r.string("address", m.address, true);
      if (!m.address.empty() && !looks_like_address(m.address))
        errors.push_back({prefix + ".address", "must be an email address (got \"" + m.address + "\")"});
      r.string("host", m.host, true);
      r.integer("port", m.port, 1, 65535);
      r.security("security", m.security);
      r.string("username", m.username, true);
      std::string auth;
      r.choice("auth", auth, {"password", "xoauth2"});
      if (auth == "xoauth2") m.auth = ImapAuth::xoauth2;
      r.string("password_file", m.password_file);
      r.string("token_file", m.token_file);
      r.string("token_command", m.token_command);
      r.boolean("verify_tls", m.verify_tls);
      r.string("ca_file", m.ca_file);
      r.string("folder", m.folder);
      r.string("processed_folder", m.processed_folder);
      r.string("default_category", m.default_category);
      r.boolean("accept_cc", m.accept_cc);
      r.integer("timeout_s", m.timeout_s, 1, 3600);
      r.integer("batch_size", m.batch_size, 1, 10000);
      r.reject_unknown();
      if (!m.name.empty() && !names.insert(m.name).second)
        errors.push_back({prefix + ".name", "duplicate mailbox name \"" + m.name + "\""});
      if (m.security == Security::plain && !m.host.empty() && !is_loopback_host(m.host))
        errors.push_back({prefix + ".security", "plain IMAP (no TLS) is allowed only on loopback (127.0.0.0/8, ::1, "
                                                "localhost), not on \"" + m.host + "\"; use tls or starttls"});
      if (m.auth == ImapAuth::password) {
        if (m.password_file.empty()) errors.push_back({prefix + ".password_file", "missing (required with auth = \"password\")"});
        if (!m.token_file.empty()) errors.push_back({prefix + ".token_file", "only used with auth = \"xoauth2\""});
        if (!m.token_command.empty()) errors.push_back({prefix + ".token_command", "only used with auth = \"xoauth2\""});
      } else {
        if (m.token_file.empty() && m.token_command.empty())
          errors.push_back({prefix + ".token_file", "missing: auth = \"xoauth2\" needs token_file or token_command"});
        else if (!m.token_file.empty() && !m.token_command.empty())
          errors.push_back({prefix + ".token_command", "give token_file or token_command, not both"});
        if (!m.password_file.empty())
          errors.push_back({prefix + ".password_file", "not used with auth = \"xoauth2\" (the bearer token replaces it)"});
      }
      cfg.mailboxes.push_back(std::move(m));
    }
  }
  return load;
}

ConfigLoad load_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ConfigLoad load;
    load.errors.push_back({path, "cannot read the config file"});
    return load;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path);
}

}  // namespace intake::parsers
