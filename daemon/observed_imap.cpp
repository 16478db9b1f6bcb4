#include "observed_imap.hpp"

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <optional>
#include <sstream>

#include "curl_imap_source.hpp"

namespace intake::daemon {

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
  ImapAnswerReader::Limits limits;
  limits.max_line_bytes = max_line_bytes;
  // A literal may be a little longer than the partial fetch asked for (never
  // by the server's rules, but it is not trusted).
  limits.max_literal_bytes = static_cast<std::size_t>(config_.max_message_bytes) + 65536;
  limits.max_answer_bytes = limits.max_literal_bytes + (std::size_t{64} << 20);
  ImapAnswerReader reader(tag, limits);
  // Bytes left from the last answer (an unsolicited untagged line) come first.
  std::string pending = std::move(buffer_);
  buffer_.clear();
  while (reader.feed(pending) == ImapAnswerReader::State::reading) {
    if (auto r = fill(); !r) {
      connected_ = false;
      return r.error();
    }
    pending = std::move(buffer_);
    buffer_.clear();
  }
  if (reader.state() == ImapAnswerReader::State::failed) {
    connected_ = false;  // the rest of this answer is unreadable
    return fail("IMAP " + server() + ": " + reader.error());
  }
  buffer_ = reader.rest();
  last_tagged_ = reader.tagged().substr(0, 300);
  if (reader.tagged_ok()) return reader.take_untagged();
  return fail("IMAP " + server() + ": " + text.substr(0, text.find(' ')) + " refused: " + last_tagged_, reader.tagged_no());
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
