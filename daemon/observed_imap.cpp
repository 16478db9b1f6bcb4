#include "observed_imap.hpp"

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <optional>
#include <sstream>

#include "curl_imap_source.hpp"

namespace intake::daemon {
namespace {

std::uint64_t number_after(const std::string& text, const std::string& key) {
  auto pos = text.find(key);
  if (pos == std::string::npos) return 0;
  pos += key.size();
  while (pos < text.size() && text[pos] == ' ') ++pos;
  std::uint64_t v = 0;
  int digits = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && digits < 19) {
    v = v * 10 + static_cast<std::uint64_t>(text[pos] - '0');
    ++pos;
    ++digits;
  }
  return v;
}

bool starts_with_ci(const std::string& s, std::size_t at, const char* word) {
  const std::size_t n = std::strlen(word);
  if (s.size() < at + n) return false;
  for (std::size_t i = 0; i < n; ++i)
    if (std::toupper(static_cast<unsigned char>(s[at + i])) != word[i]) return false;
  return true;
}

}  // namespace

FolderStatus parse_examine_response(const std::vector<ImapUntagged>& untagged) {
  FolderStatus s;
  for (const auto& u : untagged) {
    if (auto v = number_after(u.text, "[UIDVALIDITY"); v != 0) s.uidvalidity = v;
    if (auto v = number_after(u.text, "[UIDNEXT"); v != 0) s.uidnext = v;
  }
  return s;
}

std::optional<std::string> fetched_body(const std::vector<ImapUntagged>& untagged, std::uint64_t uid) {
  for (const auto& u : untagged) {
    // "* 5 FETCH (UID 12 BODY[]<0> {}" (literal) or "... BODY[]<0> NIL"
    if (u.text.find(" FETCH (") == std::string::npos) continue;
    if (number_after(u.text, "UID ") != uid) continue;
    const auto body = u.text.find("BODY[]");
    if (body == std::string::npos) continue;
    // Which literal: those before BODY[] belong to other items.
    std::size_t index = 0;
    for (std::size_t at = u.text.find("{}"); at != std::string::npos && at < body; at = u.text.find("{}", at + 2)) ++index;
    if (index < u.literals.size()) return u.literals[index];
    return std::string();  // NIL or an empty string: an empty message
  }
  return std::nullopt;
}

CurlReadOnlyImap::CurlReadOnlyImap(const parsers::ObserveConfig& config, std::string password)
    : config_(config), password_(std::move(password)), handle_(curl_easy_init()) {}

CurlReadOnlyImap::CurlReadOnlyImap(const parsers::ObserveConfig& config, std::unique_ptr<TokenSource> tokens)
    : config_(config), tokens_(std::move(tokens)), handle_(curl_easy_init()) {}

std::unique_ptr<TokenSource> make_token_source(const parsers::ObserveConfig& o) {
  if (o.auth != parsers::ImapAuth::xoauth2) return nullptr;
  parsers::MailboxConfig as_mailbox;
  as_mailbox.auth = o.auth;
  as_mailbox.token_file = o.token_file;
  as_mailbox.token_command = o.token_command;
  as_mailbox.token_command_timeout_s = o.token_command_timeout_s;
  return daemon::make_token_source(as_mailbox);
}

std::string CurlReadOnlyImap::server() const {
  const bool ipv6 = config_.host.find(':') != std::string::npos;
  return (ipv6 ? "[" + config_.host + "]" : config_.host) + ":" + std::to_string(config_.port);
}

Status CurlReadOnlyImap::connect() {
  if (connected_) return Ok{};
  if (!tokens_) {
    bool denied = false;
    return connect_once(denied);
  }
  // A token may have expired since it was read: one fresh one after a
  // rejected login, then the failure stands (a bad setup fails fast).
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto token = tokens_->token();
    if (!token) return fail("IMAP " + server() + ": no bearer token: " + token.error().message);
    bearer_token_ = std::move(token.value());
    bool denied = false;
    Status s = connect_once(denied);
    if (s || !denied) return s;
    if (attempt == 1) return s;
  }
  return fail("IMAP " + server() + ": login denied");
}

Status CurlReadOnlyImap::connect_once(bool& login_denied) {
  if (!handle_) return fail("cannot create a libcurl handle");
  CURL* h = handle_.get();
  const std::string url = std::string(config_.security == parsers::Security::tls ? "imaps" : "imap") + "://" + server() + "/";
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_USERNAME, config_.username.c_str());
  if (tokens_) {
    curl_easy_setopt(h, CURLOPT_XOAUTH2_BEARER, bearer_token_.c_str());
    curl_easy_setopt(h, CURLOPT_LOGIN_OPTIONS, "AUTH=XOAUTH2");
  } else {
    curl_easy_setopt(h, CURLOPT_PASSWORD, password_.c_str());
  }
  // Connect, TLS, log in, then stop: the session is ours from here on.
  curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 15L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, static_cast<long>(config_.timeout_s));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_USE_SSL, config_.security == parsers::Security::starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, config_.verify_tls ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, config_.verify_tls ? 2L : 0L);
  if (!config_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, config_.ca_file.c_str());
  const CURLcode rc = curl_easy_perform(h);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
  if (rc != CURLE_OK) {
    const std::string detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    if (rc == CURLE_LOGIN_DENIED) {
      login_denied = true;
      return fail("IMAP " + server() + ": login denied for " + config_.username + " (auth " +
                  parsers::to_string(config_.auth) + "): " + detail);
    }
    return fail("IMAP " + server() + ": " + detail);
  }
  curl_socket_t sock = CURL_SOCKET_BAD;
  if (curl_easy_getinfo(h, CURLINFO_ACTIVESOCKET, &sock) != CURLE_OK || sock == CURL_SOCKET_BAD)
    return fail("IMAP " + server() + ": no socket after login");
  socket_ = static_cast<long>(sock);
  connected_ = true;
  return Ok{};
}

Status CurlReadOnlyImap::send_all(const std::string& data) {
  const auto deadline = deadline_;
  for (std::size_t sent = 0; sent < data.size();) {
    std::size_t n = 0;
    const CURLcode rc = curl_easy_send(handle_.get(), data.data() + sent, data.size() - sent, &n);
    if (rc == CURLE_AGAIN) {
      pollfd p{static_cast<int>(socket_), POLLOUT, 0};
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0)
        return fail("IMAP " + server() + ": timed out sending");
      continue;
    }
    if (rc != CURLE_OK) return fail("IMAP " + server() + ": send failed: " + curl_easy_strerror(rc));
    sent += n;
  }
  return Ok{};
}

Status CurlReadOnlyImap::fill() {
  const auto deadline = deadline_;
  char chunk[65536];
  while (true) {
    std::size_t n = 0;
    const CURLcode rc = curl_easy_recv(handle_.get(), chunk, sizeof chunk, &n);
    if (rc == CURLE_OK) {
      if (n == 0) return fail("IMAP " + server() + ": the server closed the connection");
      buffer_.append(chunk, n);
      return Ok{};
    }
    if (rc != CURLE_AGAIN) return fail("IMAP " + server() + ": receive failed: " + curl_easy_strerror(rc));
    pollfd p{static_cast<int>(socket_), POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) < 0)
      return fail("IMAP " + server() + ": no complete answer within " + std::to_string(config_.timeout_s) + " s");
  }
}

Result<std::string> CurlReadOnlyImap::read_line() {
  while (true) {
    if (auto at = buffer_.find("\r\n"); at != std::string::npos) {
      std::string line = buffer_.substr(0, at);
      buffer_.erase(0, at + 2);
      return line;
    }
    if (buffer_.size() > max_line_bytes) return fail("IMAP " + server() + ": an answer line longer than 1 MiB");
    if (auto r = fill(); !r) return r.error();
  }
}

Result<std::vector<ImapUntagged>> CurlReadOnlyImap::command(const std::string& text) {
  if (auto c = connect(); !c) return c.error();
  const std::string tag = "v" + std::to_string(++tag_);
  // One deadline for the whole answer: a server dripping a byte at a time
  // cannot keep the cycle waiting past timeout_s.
  deadline_ = std::chrono::steady_clock::now() + std::chrono::seconds(config_.timeout_s);
  if (auto s = send_all(tag + " " + text + "\r\n"); !s) {
    connected_ = false;
    return s.error();
  }
  std::vector<ImapUntagged> out;
  // A literal may be a little longer than the partial fetch asked for (never
  // by the server's rules, but it is not trusted).
  const std::size_t max_literal = static_cast<std::size_t>(config_.max_message_bytes) + 65536;
  std::size_t total = 0;
  ImapUntagged current;
  bool in_untagged = false;
  while (true) {
    auto line = read_line();
    if (!line) {
      connected_ = false;
      return line.error();
    }
    std::string& l = line.value();
    if (!in_untagged) {
      if (l.rfind(tag + " ", 0) == 0) {
        const std::size_t at = tag.size() + 1;
        last_tagged_ = l.substr(at, 300);
        if (starts_with_ci(l, at, "OK")) return out;
        return fail("IMAP " + server() + ": " + text.substr(0, text.find(' ')) + " refused: " + l.substr(at).substr(0, 300),
                    starts_with_ci(l, at, "NO"));
      }
      current = ImapUntagged{};
      in_untagged = true;
    }
    // A literal announced at the end of the line: {N}, or {N+} (LITERAL+).
    std::size_t open = l.empty() || l.back() != '}' ? std::string::npos : l.rfind('{');
    if (open != std::string::npos) {
      std::string digits = l.substr(open + 1, l.size() - open - 2);
      if (!digits.empty() && digits.back() == '+') digits.pop_back();
      if (digits.empty() || digits.size() > 12 || digits.find_first_not_of("0123456789") != std::string::npos) {
        open = std::string::npos;
      } else {
        const std::size_t size = std::stoull(digits);
        if (size > max_literal) {
          connected_ = false;  // the rest of this answer is unreadable
          return fail("IMAP " + server() + ": a literal of " + digits + " bytes, over the " + std::to_string(max_literal) +
                      " this reader takes");
        }
        current.text += l.substr(0, open) + "{}";
        while (buffer_.size() < size)
          if (auto r = fill(); !r) {
            connected_ = false;
            return r.error();
          }
        current.literals.push_back(buffer_.substr(0, size));
        buffer_.erase(0, size);
        total += size;
        continue;  // the untagged answer goes on after the literal
      }
    }
    current.text += l;
    total += l.size();
    if (total > max_literal + (std::size_t{64} << 20)) {
      connected_ = false;
      return fail("IMAP " + server() + ": an answer over 64 MiB");
    }
    out.push_back(std::move(current));
    in_untagged = false;
  }
}

Result<FolderStatus> CurlReadOnlyImap::examine(const std::string& folder) {
  auto r = command("EXAMINE " + imap_quote(folder));
  if (!r) return r.error();
  FolderStatus s = parse_examine_response(r.value());
  if (s.uidvalidity == 0) return fail("IMAP " + server() + ": EXAMINE " + folder + " gave no UIDVALIDITY");
  // RFC 3501 6.3.2: EXAMINE answers [READ-ONLY]. A server that opened the
  // folder for writing anyway is not read from.
  if (last_tagged_.find("[READ-ONLY]") == std::string::npos)
    return fail("IMAP " + server() + ": EXAMINE " + folder + " did not open it read-only (" + last_tagged_ + "); not reading it");
  folder_ = folder;
  status_ = s;
  return s;
}

Result<std::vector<std::uint64_t>> CurlReadOnlyImap::uids_from(std::uint64_t first) {
  first = std::max<std::uint64_t>(first, 1);
  std::vector<std::uint64_t> uids;
  if (folder_.empty()) return fail("no folder examined");
  if (status_.uidnext == 0) {
    // RFC 3501 requires UIDNEXT in the EXAMINE answer; a server without it
    // is asked once without an upper end (the 1 MiB line bound still holds).
    auto r = command("UID SEARCH UID " + std::to_string(first) + ":*");
    if (!r) return r.error();
    std::string text;
    for (const auto& u : r.value()) text += u.text + "\n";
    uids = parse_search_response(text);
    std::erase_if(uids, [&](std::uint64_t u) { return u < first; });  // "n:*" always matches the highest
    return uids;
  }
  const std::uint64_t end = status_.uidnext - 1;
  if (end == 0 || end < first) return uids;
  // In windows of UIDs, so no answer line grows without bound.
  for (std::uint64_t lo = first; lo <= end;) {
    const std::uint64_t hi = std::min(end, lo + uids_per_search - 1);
    auto r = command("UID SEARCH UID " + std::to_string(lo) + ":" + std::to_string(hi));
    if (!r) return r.error();
    std::string text;
    for (const auto& u : r.value()) text += u.text + "\n";
    auto found = parse_search_response(text);
    std::erase_if(found, [&](std::uint64_t u) { return u < lo || u > hi; });
    uids.insert(uids.end(), found.begin(), found.end());
    lo = hi + 1;
  }
  std::sort(uids.begin(), uids.end());
  uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
  return uids;
}

Result<std::string> CurlReadOnlyImap::peek(std::uint64_t uid) {
  auto r = command("UID FETCH " + std::to_string(uid) + " (UID BODY.PEEK[]<0." + std::to_string(config_.max_message_bytes) + ">)");
  if (!r) return r.error();
  auto body = fetched_body(r.value(), uid);
  if (!body) return fail("IMAP " + server() + ": no message with UID " + std::to_string(uid) + " in " + folder_, true);
  return std::move(*body);
}

}  // namespace intake::daemon
