#include "daemon/adapters/imap/imap_session.hpp"

#include <poll.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace intake::daemon {
namespace {


int poll_ms(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::max<long long>(0, left.count()));
}

}  // namespace

std::string server_name(const ImapEndpoint& e) {
  const bool ipv6 = e.host.find(':') != std::string::npos;
  return (ipv6 ? "[" + e.host + "]" : e.host) + ":" + std::to_string(e.port);
}

void set_login_options(CURL* h, const ImapEndpoint& e, const std::string& url, const std::string& password,
                       const std::string& bearer_token) {
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_USERNAME, e.username.c_str());
  if (e.auth == parsers::ImapAuth::xoauth2) {
    // XOAUTH2 by name: Microsoft 365 offers only it, Gmail both it and
    // OAUTHBEARER, and libcurl would otherwise pick OAUTHBEARER when offered.
    curl_easy_setopt(h, CURLOPT_XOAUTH2_BEARER, bearer_token.c_str());
    curl_easy_setopt(h, CURLOPT_LOGIN_OPTIONS, "AUTH=XOAUTH2");
  } else {
    curl_easy_setopt(h, CURLOPT_PASSWORD, password.c_str());
  }
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 15L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, static_cast<long>(e.timeout_s));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_USE_SSL, e.security == parsers::Security::starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, e.verify_tls ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, e.verify_tls ? 2L : 0L);
  if (!e.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, e.ca_file.c_str());
}

ImapSession::ImapSession(const ImapEndpoint& endpoint, std::string password, std::unique_ptr<TokenSource> tokens,
                         std::size_t max_literal_bytes)
    : endpoint_(endpoint),
      password_(std::move(password)),
      tokens_(std::move(tokens)),
      max_literal_bytes_(max_literal_bytes),
      handle_(curl_easy_init()) {}

void ImapSession::close() {
  if (!connected_) return;
  connected_ = false;
  buffer_.clear();
  // A fresh handle: curl_easy_reset would keep the connection in its cache.
  handle_.reset(curl_easy_init());
}

Status ImapSession::connect() {
  if (connected_) return Ok{};
  if (!tokens_) {
    bool denied = false;
    return connect_once(denied);
  }
  // A token may have expired since it was read: one fresh one after a
  // rejected login, then the failure stands (a bad setup fails fast).
  Status s = fail("IMAP " + server() + ": login denied");
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto token = tokens_->token();
    if (!token) return fail("IMAP " + server() + ": no bearer token: " + token.error().message);
    bearer_token_ = std::move(token.value());
    bool denied = false;
    s = connect_once(denied);
    if (s || !denied) return s;
  }
  return s;
}

Status ImapSession::connect_once(bool& login_denied) {
  if (!handle_) return fail("cannot create a libcurl handle");
  CURL* h = handle_.get();
  const std::string url =
      std::string(endpoint_.security == parsers::Security::tls ? "imaps" : "imap") + "://" + server() + "/";
  char errbuf[CURL_ERROR_SIZE] = {0};
  set_login_options(h, endpoint_, url, password_, bearer_token_);
  // Connect, TLS, log in, then stop: the session is ours from here on.
  curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  const CURLcode rc = curl_easy_perform(h);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
  if (rc != CURLE_OK) {
    const std::string detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    if (rc == CURLE_LOGIN_DENIED) {
      login_denied = true;
      return fail("IMAP " + server() + ": login denied for " + endpoint_.username + " (auth " +
                  parsers::to_string(endpoint_.auth) + "): " + detail);
    }
    return fail("IMAP " + server() + ": " + detail);
  }
  curl_socket_t sock = CURL_SOCKET_BAD;
  if (curl_easy_getinfo(h, CURLINFO_ACTIVESOCKET, &sock) != CURLE_OK || sock == CURL_SOCKET_BAD)
    return fail("IMAP " + server() + ": no socket after login");
  socket_ = static_cast<long>(sock);
  connected_ = true;
  buffer_.clear();
  return Ok{};
}

Status ImapSession::send_all(const std::string& data, std::chrono::steady_clock::time_point deadline) {
  for (std::size_t sent = 0; sent < data.size();) {
    std::size_t n = 0;
    const CURLcode rc = curl_easy_send(handle_.get(), data.data() + sent, data.size() - sent, &n);
    if (rc == CURLE_AGAIN) {
      pollfd p{static_cast<int>(socket_), POLLOUT, 0};
      const int left = poll_ms(deadline);
      if (left <= 0 || ::poll(&p, 1, left) <= 0) return fail("IMAP " + server() + ": timed out sending");
      continue;
    }
    if (rc != CURLE_OK) return fail("IMAP " + server() + ": send failed: " + curl_easy_strerror(rc));
    sent += n;
  }
  return Ok{};
}

Result<bool> ImapSession::fill(std::chrono::steady_clock::time_point deadline) {
  char chunk[65536];
  while (true) {
    std::size_t n = 0;
    const CURLcode rc = curl_easy_recv(handle_.get(), chunk, sizeof chunk, &n);
    if (rc == CURLE_OK) {
      if (n == 0) return fail("IMAP " + server() + ": the server closed the connection");
      buffer_.append(chunk, n);
      return true;
    }
    if (rc != CURLE_AGAIN) return fail("IMAP " + server() + ": receive failed: " + curl_easy_strerror(rc));
    pollfd p{static_cast<int>(socket_), POLLIN, 0};
    const int left = poll_ms(deadline);
    if (left <= 0) return false;
    if (::poll(&p, 1, left) < 0 && errno != EINTR) return fail("IMAP " + server() + ": poll failed");
    if (p.revents == 0 && std::chrono::steady_clock::now() >= deadline) return false;
  }
}

Result<std::optional<std::string>> ImapSession::next_line(std::chrono::milliseconds wait) {
  if (!connected_) return fail("IMAP " + server() + ": not connected");
  auto complete = [&]() -> std::optional<std::string> {
    const auto at = buffer_.find("\r\n");
    if (at == std::string::npos) return std::nullopt;
    std::string line = buffer_.substr(0, at);
    buffer_.erase(0, at + 2);
    return line;
  };
  if (auto line = complete()) return line;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (true) {
    if (buffer_.size() > max_line_bytes) {
      close();
      return fail("IMAP " + server() + ": an answer line longer than 1 MiB");
    }
    auto got = fill(deadline);
    if (!got) {
      close();
      return got.error();
    }
    if (auto line = complete()) return line;
    if (!*got) return std::optional<std::string>();
  }
}

Result<std::string> ImapSession::start_command(const std::string& text) {
  if (auto c = connect(); !c) return c.error();
  const std::string tag = "v" + std::to_string(++tag_);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(endpoint_.timeout_s);
  if (auto s = send_all(tag + " " + text + "\r\n", deadline); !s) {
    close();
    return s.error();
  }
  return tag;
}

Status ImapSession::send_line(const std::string& line) {
  if (!connected_) return fail("IMAP " + server() + ": not connected");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(endpoint_.timeout_s);
  if (auto s = send_all(line + "\r\n", deadline); !s) {
    close();
    return s;
  }
  return Ok{};
}

Result<std::vector<ImapUntagged>> ImapSession::command(const std::string& text) {
  // One deadline for the whole answer: a server dripping a byte at a time
  // cannot keep the cycle waiting past timeout_s.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(endpoint_.timeout_s);
  auto started = start_command(text);
  if (!started) return started.error();
  ImapAnswerReader::Limits limits;
  limits.max_line_bytes = max_line_bytes;
  // A literal may be a little longer than a partial fetch asked for (never
  // by the server's rules, but it is not trusted).
  limits.max_literal_bytes = max_literal_bytes_ + 65536;
  limits.max_answer_bytes = limits.max_literal_bytes + (std::size_t{64} << 20);
  ImapAnswerReader reader(started.value(), limits);
  // Bytes left from before (an unsolicited untagged line) come first.
  std::string pending = std::move(buffer_);
  buffer_.clear();
  while (reader.feed(pending) == ImapAnswerReader::State::reading) {
    auto got = fill(deadline);
    if (!got || !*got) {
      close();
      if (!got) return got.error();
      return fail("IMAP " + server() + ": no complete answer within " + std::to_string(endpoint_.timeout_s) + " s");
    }
    pending = std::move(buffer_);
    buffer_.clear();
  }
  if (reader.state() == ImapAnswerReader::State::failed) {
    close();  // the rest of this answer is unreadable
    return fail("IMAP " + server() + ": " + reader.error());
  }
  buffer_ = reader.rest();
  last_tagged_ = reader.tagged().substr(0, 300);
  if (reader.tagged_ok()) return reader.take_untagged();
  return fail("IMAP " + server() + ": " + text.substr(0, text.find(' ')) + " refused: " + last_tagged_, reader.tagged_no());
}

}  // namespace intake::daemon
