#include "stack_client.hpp"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <pqxx/pqxx>
#include <sstream>
#include <thread>

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

std::string imap(const Stack& stack, const std::string& user, const std::string& path, const std::string& custom) {
  std::unique_ptr<CURL, void (*)(CURL*)> h(curl_easy_init(), curl_easy_cleanup);
  std::string out;
  std::string url = "imap://" + stack.get("IMAP_HOST") + ":" + stack.get("IMAP_PORT") + "/" + path;
  std::string login = user + "@example.test";
  std::string password = stack.get("MAIL_PASSWORD");
  curl_easy_setopt(h.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(h.get(), CURLOPT_USERNAME, login.c_str());
  curl_easy_setopt(h.get(), CURLOPT_PASSWORD, password.c_str());
  if (!custom.empty()) curl_easy_setopt(h.get(), CURLOPT_CUSTOMREQUEST, custom.c_str());
  curl_easy_setopt(h.get(), CURLOPT_WRITEFUNCTION, sink);
  curl_easy_setopt(h.get(), CURLOPT_WRITEDATA, &out);
  curl_easy_setopt(h.get(), CURLOPT_TIMEOUT, 30L);
  CURLcode rc = curl_easy_perform(h.get());
  if (rc != CURLE_OK) ADD_FAILURE() << "IMAP " << url << " " << custom << ": " << curl_easy_strerror(rc);
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
  std::unique_ptr<CURL, void (*)(CURL*)> h(curl_easy_init(), curl_easy_cleanup);
  std::string url = "smtp://" + stack.get("SMTP_HOST") + ":" + stack.get("SMTP_PORT");
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
  return imap(stack, user, folder + "/;UID=" + std::to_string(uid), "");
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

}  // namespace intake::testing
