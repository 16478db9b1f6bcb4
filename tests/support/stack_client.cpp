#include "tests/support/stack_client.hpp"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <pqxx/pqxx>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

extern char** environ;

namespace intake::testing {
namespace {

const std::vector<std::string> test_users = {"requests", "it", "hr", "alice", "bob", "carol", "dave", "erin", "boss", "admin"};

extern "C" size_t sink(char* ptr, size_t size, size_t n, void* ud) {
  static_cast<std::string*>(ud)->append(ptr, size * n);
  return size * n;
}

struct Upload {
  std::string data;
  std::size_t off = 0;
};
extern "C" size_t source(char* buf, size_t size, size_t n, void* ud) {
  auto* u = static_cast<Upload*>(ud);
  size_t k = std::min(size * n, u->data.size() - u->off);
  std::memcpy(buf, u->data.data() + u->off, k);
  u->off += k;
  return k;
}

// A plain-socket IMAP session for the test side. libcurl is not enough here:
// custom FETCH responses lose their literals (curl issue #536) and a long run
// of untagged EXPUNGE lines fails with CURLE_RECV_ERROR (libcurl 7.88), so
// tests that read mailboxes speak IMAP themselves: LOGIN, SELECT, one command,
// LOGOUT, with literals kept inline in the returned text.
class ImapSession {
 public:
  ImapSession(const Stack& stack, const std::string& user) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const std::string host = stack.get("IMAP_HOST"), port = stack.get("IMAP_PORT");
    if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0 || found == nullptr) {
      ADD_FAILURE() << "IMAP: cannot resolve " << host << ":" << port;
      return;
    }
    fd_ = ::socket(found->ai_family, found->ai_socktype, found->ai_protocol);
    if (fd_ < 0 || ::connect(fd_, found->ai_addr, found->ai_addrlen) != 0) {
      ADD_FAILURE() << "IMAP: cannot connect to " << host << ":" << port;
      freeaddrinfo(found);
      close_fd();
      return;
    }
    freeaddrinfo(found);
    timeval tv{30, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string greeting;
    if (!read_line(greeting)) return;
    ok_ = command("LOGIN \"" + user + "@example.test\" \"" + stack.get("MAIL_PASSWORD") + "\"", nullptr);
  }
  ~ImapSession() {
    if (fd_ >= 0 && ok_) command("LOGOUT", nullptr);
    close_fd();
  }
  ImapSession(const ImapSession&) = delete;
  ImapSession& operator=(const ImapSession&) = delete;

  bool ok() const { return ok_; }
  // Sends one command; the untagged responses (literals inline) go to `out`.
  // A NO or BAD is a test failure.
  bool command(const std::string& text, std::string* out) {
    if (fd_ < 0) return false;
    const std::string tag = "t" + std::to_string(++tag_);
    const std::string line = tag + " " + text + "\r\n";
    if (!send_all(line)) return false;
    std::string response;
    while (read_line(response)) {
      if (response.rfind(tag + " ", 0) == 0) {
        const bool good = response.compare(tag.size() + 1, 2, "OK") == 0;
        if (!good) ADD_FAILURE() << "IMAP " << text << ": " << response;
        return good;
      }
      if (out) *out += response + "\n";
    }
    ADD_FAILURE() << "IMAP: connection lost during " << text;
    return false;
  }

  // APPEND with no flags (libcurl's APPEND always sets \\Seen, which would
  // hide exactly what the tests look for).
  bool append(const std::string& folder, const std::string& message) {
    if (fd_ < 0) return false;
    const std::string tag = "t" + std::to_string(++tag_);
    const std::string line = tag + " APPEND \"" + folder + "\" {" + std::to_string(message.size()) + "}\r\n";
    if (!send_all(line)) return false;
    std::string response;
    if (!read_line(response) || response.empty() || response[0] != '+') {
      ADD_FAILURE() << "IMAP APPEND to " << folder << ": " << response;
      return false;
    }
    if (!send_all(message + "\r\n")) return false;
    while (read_line(response)) {
      if (response.rfind(tag + " ", 0) == 0) {
        const bool good = response.compare(tag.size() + 1, 2, "OK") == 0;
        if (!good) ADD_FAILURE() << "IMAP APPEND to " << folder << ": " << response;
        return good;
      }
    }
    ADD_FAILURE() << "IMAP: connection lost during APPEND";
    return false;
  }

 private:
  // One response line, with any literals ({N}) read and kept inline.
  bool read_line(std::string& line) {
    line.clear();
    while (true) {
      std::string part;
      if (!read_until_crlf(part)) return false;
      line += part;
      if (part.size() < 3 || part.back() != '}') return true;
      const auto open = part.rfind('{');
      if (open == std::string::npos) return true;
      const std::string digits = part.substr(open + 1, part.size() - open - 2);
      if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return true;
      std::size_t want = std::stoul(digits);
      line += "\r\n";
      while (want > 0) {
        if (buffer_.empty() && !fill()) return false;
        const std::size_t k = std::min(want, buffer_.size());
        line.append(buffer_, 0, k);
        buffer_.erase(0, k);
        want -= k;
      }
    }
  }
  bool read_until_crlf(std::string& part) {
    while (true) {
      if (auto at = buffer_.find("\r\n"); at != std::string::npos) {
        part = buffer_.substr(0, at);
        buffer_.erase(0, at + 2);
        return true;
      }
      if (!fill()) return false;
    }
  }
  bool send_all(const std::string& data) {
    for (std::size_t sent = 0; sent < data.size();) {
      const ssize_t k = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (k <= 0) {
        ADD_FAILURE() << "IMAP: send failed";
        return false;
      }
      sent += static_cast<std::size_t>(k);
    }
    return true;
  }
  bool fill() {
    char chunk[65536];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
  void close_fd() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  int fd_ = -1;
  bool ok_ = false;
  int tag_ = 0;
  std::string buffer_;
};

// `command` on `user`'s `folder` (selected first unless empty).
std::string imap(const Stack& stack, const std::string& user, const std::string& folder, const std::string& command) {
  ImapSession session(stack, user);
  std::string out;
  if (!session.ok()) return out;
  if (!folder.empty() && !session.command("SELECT \"" + folder + "\"", nullptr)) return out;
  session.command(command, &out);
  return out;
}

// One whole message, fetched by libcurl's own URL form (which handles the literal).
std::string imap_url_fetch(const Stack& stack, const std::string& user, const std::string& path) {
  std::unique_ptr<CURL, void (*)(CURL*)> h(curl_easy_init(), curl_easy_cleanup);
  std::string out;
  std::string url = "imap://" + stack.get("IMAP_HOST") + ":" + stack.get("IMAP_PORT") + "/" + path;
  std::string login = user + "@example.test";
  std::string password = stack.get("MAIL_PASSWORD");
  curl_easy_setopt(h.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(h.get(), CURLOPT_USERNAME, login.c_str());
  curl_easy_setopt(h.get(), CURLOPT_PASSWORD, password.c_str());
  curl_easy_setopt(h.get(), CURLOPT_WRITEFUNCTION, sink);
  curl_easy_setopt(h.get(), CURLOPT_WRITEDATA, &out);
  curl_easy_setopt(h.get(), CURLOPT_TIMEOUT, 60L);
  CURLcode rc = curl_easy_perform(h.get());
  if (rc != CURLE_OK) ADD_FAILURE() << "IMAP " << url << ": " << curl_easy_strerror(rc);
  return out;
}

}  // namespace

std::string Stack::get(const std::string& key) const {
  auto it = env.find(key);
  if (it == env.end()) {
    ADD_FAILURE() << "stack.env has no " << key;
    return {};
  }
  return it->second;
}

Stack load_stack() {
  Stack stack;
  const char* dir = std::getenv("INTAKE_STACK_DIR");
  if (dir == nullptr) {
    ADD_FAILURE() << "INTAKE_STACK_DIR is not set: run integration tests through ctest (scripts/test)";
    return stack;
  }
  std::ifstream in(std::string(dir) + "/stack.env");
  if (!in) {
    ADD_FAILURE() << "cannot read " << dir << "/stack.env: is the stack up?";
    return stack;
  }
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("export ", 0) == 0) line = line.substr(7);
    auto eq = line.find('=');
    if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
    std::string value = line.substr(eq + 1);
    if (value.size() >= 2 && (value.front() == '\'' || value.front() == '"')) value = value.substr(1, value.size() - 2);
    stack.env[line.substr(0, eq)] = value;
  }
  return stack;
}

std::string plain_request(const std::string& user, const std::string& name, const std::string& subject,
                          const std::string& message_id, const std::string& body) {
  return "From: " + name + " <" + user + "@example.test>\n"
         "To: Requests <requests@example.test>\n"
         "Subject: " + subject + "\n"
         "Date: Wed, 25 Nov 2026 09:15:00 +0100\n"
         "Message-ID: <" + message_id + ">\n"
         "MIME-Version: 1.0\n"
         "Content-Type: text/plain; charset=utf-8\n"
         "\n" + body + "\n";
}

void reset_stack(const Stack& stack) {
  for (const auto& user : test_users) {
    for (const char* folder : {"INBOX", "Processed", "Quarantine", "Sent"}) {
      auto uids = imap_uids(stack, user, folder);
      if (uids.empty()) continue;
      imap(stack, user, folder, "UID STORE 1:* +FLAGS.SILENT (\\Deleted)");
      imap(stack, user, folder, "EXPUNGE");
    }
  }
  {
    pqxx::connection c(stack.database_url());
    pqxx::work tx(c);
    tx.exec("DROP SCHEMA public CASCADE");
    tx.exec("CREATE SCHEMA public");
    tx.commit();
  }
  auto r = run_command(std::string(INTAKECTL_PATH) + " --config " + stack.config() + " migrate");
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

void smtp_send(const Stack& stack, const std::string& from, const std::vector<std::string>& to, const std::string& raw) {
  smtp_send_as(stack, "", from, to, raw);
}

void smtp_submit(const Stack& stack, const std::string& user, const std::vector<std::string>& to, const std::string& raw) {
  smtp_send_as(stack, user, user, to, raw);
}

void smtp_send_as(const Stack& stack, const std::string& login, const std::string& from, const std::vector<std::string>& to,
                  const std::string& raw) {
  std::unique_ptr<CURL, void (*)(CURL*)> h(curl_easy_init(), curl_easy_cleanup);
  std::string url = "smtp://" + stack.get("SMTP_HOST") + ":" + stack.get(login.empty() ? "SMTP_PORT" : "SUBMISSION_PORT");
  const std::string password = stack.get("MAIL_PASSWORD");
  if (!login.empty()) {
    curl_easy_setopt(h.get(), CURLOPT_USERNAME, login.c_str());
    curl_easy_setopt(h.get(), CURLOPT_PASSWORD, password.c_str());
  }
  Upload up;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r')) up.data += '\r';
    up.data += raw[i];
  }
  curl_slist* rcpts = nullptr;
  for (const auto& t : to) rcpts = curl_slist_append(rcpts, t.c_str());
  std::string mail_from = "<" + from + ">";
  curl_easy_setopt(h.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(h.get(), CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(h.get(), CURLOPT_MAIL_RCPT, rcpts);
  curl_easy_setopt(h.get(), CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h.get(), CURLOPT_READFUNCTION, source);
  curl_easy_setopt(h.get(), CURLOPT_READDATA, &up);
  curl_easy_setopt(h.get(), CURLOPT_TIMEOUT, 30L);
  CURLcode rc = curl_easy_perform(h.get());
  curl_slist_free_all(rcpts);
  ASSERT_EQ(rc, CURLE_OK) << "SMTP send from " << from << ": " << curl_easy_strerror(rc);
}

std::vector<std::uint64_t> imap_uids(const Stack& stack, const std::string& user, const std::string& folder) {
  std::string out = imap(stack, user, folder, "UID SEARCH ALL");
  std::vector<std::uint64_t> uids;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("* SEARCH", 0) != 0) continue;
    std::istringstream words(line.substr(8));
    std::uint64_t v;
    while (words >> v) uids.push_back(v);
  }
  return uids;
}

std::string imap_fetch(const Stack& stack, const std::string& user, const std::string& folder, std::uint64_t uid) {
  return imap_url_fetch(stack, user, folder + "/;UID=" + std::to_string(uid));
}

std::size_t wait_for_messages(const Stack& stack, const std::string& user, const std::string& folder, std::size_t count,
                              int timeout_s) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  std::size_t seen = 0;
  while (true) {
    seen = imap_uids(stack, user, folder).size();
    if (seen >= count || std::chrono::steady_clock::now() > deadline) return seen;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

std::string sql_value(const Stack& stack, const std::string& query) {
  pqxx::connection c(stack.database_url());
  pqxx::work tx(c);
  auto r = tx.exec(query);
  if (r.empty() || r[0][0].is_null()) return {};
  return r[0][0].c_str();
}

RunResult run_command(const std::string& command) {
  RunResult result;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen((command + " 2>&1").c_str(), "r"), pclose);
  if (!pipe) return result;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe.get())) > 0) result.output.append(buf.data(), n);
  int status = pclose(pipe.release());
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string body_text_of(const Stack& stack, const std::string& raw) {
  const std::string file = stack.get("STACK_DIR") + "/received.eml";
  std::ofstream(file, std::ios::binary | std::ios::trunc) << raw;
  const RunResult r = run_command(std::string(INTAKECTL_PATH) + " parse --json " + file);
  auto j = nlohmann::json::parse(r.output, nullptr, false);
  return j.is_discarded() || !j.contains("body_text") ? std::string() : j["body_text"].get<std::string>();
}

std::string header_of(const std::string& raw, const std::string& name) {
  std::istringstream in(raw);
  std::string line, value;
  bool in_field = false;
  const std::string want = name + ":";
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) break;
    if (in_field && (line[0] == ' ' || line[0] == '\t')) {
      value += line;
      continue;
    }
    if (in_field) break;
    if (line.size() >= want.size() && strncasecmp(line.c_str(), want.c_str(), want.size()) == 0) {
      in_field = true;
      value = line.substr(want.size());
    }
  }
  auto b = value.find_first_not_of(" \t");
  return b == std::string::npos ? std::string() : value.substr(b);
}

std::string imap_command(const Stack& stack, const std::string& user, const std::string& folder,
                         const std::string& command) {
  return imap(stack, user, folder, command);
}

void imap_append(const Stack& stack, const std::string& user, const std::string& folder, const std::string& raw) {
  std::string crlf;
  crlf.reserve(raw.size() + raw.size() / 32);
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r')) crlf += '\r';
    crlf += raw[i];
  }
  ImapSession session(stack, user);
  if (session.ok()) session.append(folder, crlf);
}

std::string sql_exec(const Stack& stack, const std::string& query) {
  pqxx::connection c(stack.database_url());
  pqxx::work tx(c);
  auto r = tx.exec(query);
  tx.commit();
  if (r.empty() || r[0][0].is_null()) return {};
  return r[0][0].c_str();
}

std::string write_config(const Stack& stack, const std::string& name, const std::string& daemon_lines,
                         const std::vector<std::pair<std::string, std::string>>& replace, const std::string& append) {
  std::ifstream in(stack.config());
  std::stringstream text;
  text << in.rdbuf();
  std::string config = text.str();
  const std::string daemon = "[daemon]\n";
  if (auto at = config.find(daemon); at != std::string::npos) config.insert(at + daemon.size(), daemon_lines + "\n");
  for (const auto& [from, to] : replace) {
    auto at = config.find(from);
    if (at == std::string::npos) ADD_FAILURE() << "config has no " << from;
    else config.replace(at, from.size(), to);
  }
  if (!append.empty()) config += "\n" + append + "\n";
  const std::string path = stack.get("STACK_DIR") + "/" + name + ".toml";
  std::ofstream(path) << config;
  return path;
}

TcpRelay::TcpRelay(int target_port) : target_port_(target_port) {
  // CLOEXEC everywhere: an intaked spawned by the test must not keep a copy
  // of a relayed connection open after the relay closes it.
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener_, 64) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ADD_FAILURE() << "relay: cannot listen";
    return;
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { run(); });
}

TcpRelay::~TcpRelay() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (listener_ >= 0) ::close(listener_);
}

void TcpRelay::run() {
  struct Pair {
    int client = -1, server = -1;
    std::size_t from_server = 0;
  };
  std::vector<Pair> pairs;
  auto close_pair = [](Pair& p) {
    ::close(p.client);
    ::close(p.server);
    p.client = p.server = -1;
  };
  std::vector<char> buf(65536);
  while (!stop_) {
    if (severed_)
      for (auto& p : pairs) close_pair(p);
    pairs.erase(std::remove_if(pairs.begin(), pairs.end(), [](const Pair& p) { return p.client < 0; }), pairs.end());
    std::vector<pollfd> fds{{listener_, POLLIN, 0}};
    for (const auto& p : pairs) {
      fds.push_back({p.client, POLLIN, 0});
      fds.push_back({p.server, POLLIN, 0});
    }
    if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
    if (fds[0].revents & POLLIN) {
      const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client >= 0 && severed_) {
        ::close(client);  // refused: the network is down
      } else if (client >= 0) {
        const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(static_cast<std::uint16_t>(target_port_));
        if (::connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
          pairs.push_back({client, server, 0});
        } else {
          ::close(server);
          ::close(client);
        }
      }
    }
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      Pair& p = pairs[i];
      for (int side = 0; side < 2 && p.client >= 0; ++side) {
        const pollfd& f = fds[1 + 2 * i + static_cast<std::size_t>(side)];
        if (!(f.revents & (POLLIN | POLLHUP | POLLERR))) continue;
        const ssize_t n = ::recv(f.fd, buf.data(), buf.size(), 0);
        if (n <= 0) {
          close_pair(p);
          break;
        }
        if (side == 1) {
          p.from_server += static_cast<std::size_t>(n);
          if (cut_after_ > 0 && p.from_server >= cut_after_) {
            cut_ = true;
            close_pair(p);  // both ends, mid-answer
            break;
          }
        }
        const int to = side == 0 ? p.server : p.client;
        for (ssize_t sent = 0; sent < n;) {
          const ssize_t k = ::send(to, buf.data() + sent, static_cast<std::size_t>(n - sent), MSG_NOSIGNAL);
          if (k <= 0) break;
          sent += k;
        }
      }
    }
  }
  for (auto& p : pairs)
    if (p.client >= 0) close_pair(p);
}

AcknowledgmentTally tally_acknowledgments(const Stack& stack, const std::vector<std::string>& users,
                                          const std::string& where, int timeout_s) {
  struct Seen {
    int deliveries = 0;
    std::set<std::string> transactions;  // Postfix queue ids
  };
  AcknowledgmentTally tally;
  std::vector<std::string> references;
  {
    const std::string list = sql_value(stack, "SELECT string_agg(reference, ',' ORDER BY number) FROM requests r" +
                                                  (where.empty() ? std::string() : " WHERE " + where));
    std::stringstream in(list);
    for (std::string ref; std::getline(in, ref, ',');) references.push_back(ref);
  }
  tally.requests = static_cast<int>(references.size());
  std::map<std::string, Seen> acks;
  const std::regex reference_header("X-Intake-Reference: (REQ-[0-9]+)", std::regex::icase);
  const std::regex queue_id("with E?SMTPS?A? id ([0-9A-Za-z]+)");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (true) {
    acks.clear();
    std::size_t found = 0;
    for (const auto& user : users) {
      if (imap_uids(stack, user, "INBOX").empty()) continue;
      const std::string fetched =
          imap_command(stack, user, "INBOX", "UID FETCH 1:* (BODY.PEEK[HEADER.FIELDS (X-Intake-Reference Received)])");
      // One "* n FETCH" item per message, its header literal inline.
      std::size_t at = fetched.find("* ");
      while (at != std::string::npos) {
        const std::size_t next = fetched.find("\n* ", at + 2);
        const std::string item = fetched.substr(at, next == std::string::npos ? std::string::npos : next - at);
        at = next == std::string::npos ? next : next + 1;
        std::smatch ref, id;
        if (!std::regex_search(item, ref, reference_header)) continue;
        Seen& seen = acks[ref[1].str()];
        ++seen.deliveries;
        seen.transactions.insert(std::regex_search(item, id, queue_id) ? id[1].str() : "?");
      }
    }
    for (const auto& ref : references) found += acks.count(ref);
    if (found >= references.size() || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  // A send cut off between the server's "250 OK" and intake's commit is sent
  // again (SMTP cannot tell whether it completed): only such rows, counted in
  // outbox.interrupted, may be two transactions.
  const std::string interrupted_refs = sql_value(
      stack, "SELECT ',' || coalesce(string_agg(r.reference, ','), '') || ',' FROM outbox o JOIN requests r ON r.id = o.request_id"
             " WHERE o.purpose = 'acknowledgment' AND o.interrupted > 0");
  for (const auto& ref : references) {
    const auto it = acks.find(ref);
    if (it == acks.end()) {
      ++tally.missing;
      continue;
    }
    const Seen& seen = it->second;
    if (seen.deliveries > static_cast<int>(seen.transactions.size())) ++tally.redelivered;
    if (seen.transactions.size() > 1) {
      ++tally.sent_twice;
      if (seen.transactions.size() > 2 || interrupted_refs.find("," + ref + ",") == std::string::npos) ++tally.unexplained;
    }
  }
  tally.interrupted_sends = std::stoi(sql_value(stack, "SELECT count(*) FROM outbox WHERE interrupted > 0"));
  return tally;
}
void maildir_deliver(const Stack& stack, const std::string& user, const std::vector<std::string>& raws) {
  (void)imap_uids(stack, user, "INBOX");  // Dovecot makes the Maildir at the first login
  const std::string maildir = stack.get("STACK_DIR") + "/state/mail/example.test/" + user + "/Maildir";
  struct stat owner {};
  ASSERT_EQ(::stat(maildir.c_str(), &owner), 0) << "no Maildir at " << maildir;
  const auto stamp = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  for (std::size_t i = 0; i < raws.size(); ++i) {
    const std::string path = maildir + "/new/" + std::to_string(stamp) + ".test" + std::to_string(::getpid()) + "_" +
                             std::to_string(i) + ".intake";
    {
      std::ofstream out(path, std::ios::binary);
      out << raws[i];
      ASSERT_TRUE(out.good()) << "cannot write " << path;
    }
    ASSERT_EQ(::chown(path.c_str(), owner.st_uid, owner.st_gid), 0) << path;
  }
}

namespace {

pid_t spawn_logged(const std::vector<std::string>& argv, const std::string& log_path, int open_flags) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | open_flags, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<std::string> copy = argv;
  std::vector<char*> args;
  for (auto& a : copy) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

long proc_status_kb(int pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0) return std::atol(line.c_str() + field.size() + 1);
  return 0;
}

}  // namespace

MeasuredRun run_measured(const std::vector<std::string>& argv, int timeout_s) {
  MeasuredRun result;
  char log_template[] = "/tmp/intake-measured-XXXXXX";
  const int fd = ::mkstemp(log_template);
  if (fd < 0) return result;
  ::close(fd);
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = spawn_logged(argv, log_template, O_TRUNC);
  if (pid <= 0) {
    ::unlink(log_template);
    return result;
  }
  const auto deadline = start + std::chrono::seconds(timeout_s);
  int status = 0;
  rusage usage{};
  while (true) {
    // Not the child's ru_maxrss: a child made by posix_spawn (vfork) starts
    // with this process's own peak in it, which may be far larger.
    result.peak_rss_kb = std::max(result.peak_rss_kb, proc_status_kb(pid, "VmHWM"));
    const pid_t done = ::wait4(pid, &status, WNOHANG, &usage);
    if (done == pid) break;
    if (std::chrono::steady_clock::now() > deadline && !result.timed_out) {
      result.timed_out = true;
      ::kill(pid, SIGKILL);
    }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.exit_code = WIFEXITED(status) && !result.timed_out ? WEXITSTATUS(status) : -1;
  std::ifstream in(log_template, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  result.output = text.str();
  ::unlink(log_template);
  return result;
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv, const std::string& log_path)
    : pid_(spawn_logged(argv, log_path, O_APPEND)) {}

BackgroundProcess::~BackgroundProcess() { stop(SIGKILL); }

void BackgroundProcess::signal(int signal) const {
  if (pid_ > 0) ::kill(pid_, signal);
}

int BackgroundProcess::stop(int signal) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, signal);
  if (signal != SIGKILL && signal != SIGCONT) ::kill(pid_, SIGCONT);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

long BackgroundProcess::rss_kb() const { return pid_ > 0 ? proc_status_kb(pid_, "VmRSS") : 0; }
long BackgroundProcess::peak_rss_kb() const { return pid_ > 0 ? proc_status_kb(pid_, "VmHWM") : 0; }

void expect_each_acknowledged_once(const Stack& stack, const std::vector<std::string>& users, const std::string& where,
                                   int count, int timeout_s) {
  const AcknowledgmentTally acks = tally_acknowledgments(stack, users, where, timeout_s);
  std::cout << "acknowledgments: " << count - acks.missing << " of " << count << " delivered, " << acks.sent_twice
            << " sent twice after an interrupted send (" << acks.interrupted_sends << " sends were interrupted), "
            << acks.redelivered << " delivered twice by the MTA from one transaction\n";
  EXPECT_EQ(acks.requests, count);
  EXPECT_EQ(acks.missing, 0) << "requests without an acknowledgment";
  EXPECT_EQ(acks.unexplained, 0) << "acknowledgments sent twice without an interrupted send";
}

}  // namespace intake::testing
