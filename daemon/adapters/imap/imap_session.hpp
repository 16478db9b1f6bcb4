// One IMAP connection that libcurl opened and logged in (CURLOPT_CONNECT_ONLY),
// spoken to line by line from here on: for what libcurl's URL interface cannot
// do (EXAMINE with BODY.PEEK for the observed mailboxes, IDLE for the shared
// ones). libcurl keeps doing TLS, STARTTLS, the login and XOAUTH2. The
// server's answers are untrusted: lines and literals are bounded, and every
// wait has a deadline.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "parsers/config/config.hpp"
#include "daemon/adapters/curl/curl_handle.hpp"
#include "parsers/imap/imap_responses.hpp"
#include "parsers/common/result.hpp"
#include "daemon/adapters/files/token_source.hpp"

namespace intake::daemon {

// Where and how to log in: the part [[mailbox]] and [[observe]] share.
// The server part of a [[mailbox]] or [[observe]] (one struct in the config).
using ImapEndpoint = parsers::ImapServerConfig;

// "host:port" ("[v6]:port"), for messages.
std::string server_name(const ImapEndpoint& endpoint);
// The options every intake IMAP handle sets: URL base, login (password, or
// XOAUTH2 with `bearer_token`), TLS and timeouts. `url` must outlive the
// transfer (libcurl copies strings, but the caller keeps it for clarity).
void set_login_options(CURL* handle, const ImapEndpoint& endpoint, const std::string& url, const std::string& password,
                       const std::string& bearer_token);

class ImapSession {
 public:
  // tokens: null for auth = password. max_literal_bytes bounds one literal
  // (and, with 64 MiB more, one whole answer).
  ImapSession(const ImapEndpoint& endpoint, std::string password, std::unique_ptr<TokenSource> tokens,
              std::size_t max_literal_bytes);
  // Connects and logs in unless connected; with XOAUTH2 one fresh token after
  // a rejected login.
  Status connect();
  bool connected() const { return connected_; }
  // Drops the connection (no LOGOUT: used after a failure, or to end an IDLE
  // without waiting for the server).
  void close();
  // A tagged command and its whole answer, within timeout_s; a NO or BAD is an
  // error (permanent for NO).
  Result<std::vector<ImapUntagged>> command(const std::string& text);
  // The last tagged answer, without its tag ("OK [READ-ONLY] done").
  const std::string& last_tagged() const { return last_tagged_; }

  // For a long-running command (IDLE): sends "tag text" and returns the tag;
  // the answer is read with next_line.
  Result<std::string> start_command(const std::string& text);
  // Sends a raw line ("DONE") within timeout_s.
  Status send_line(const std::string& line);
  // The next answer line if one is complete or completes within `wait`;
  // nullopt when none did. Literals are not taken apart here.
  Result<std::optional<std::string>> next_line(std::chrono::milliseconds wait);
  // The socket to poll(2) on, -1 when not connected. Data may also wait
  // inside TLS where poll does not see it: next_line(0) looks there too.
  int socket() const { return connected_ ? static_cast<int>(socket_) : -1; }
  std::string server() const { return server_name(endpoint_); }

 private:
  Status connect_once(bool& login_denied);
  Status send_all(const std::string& data, std::chrono::steady_clock::time_point deadline);
  // Receives what is there; waits for more until `deadline`. false: nothing came.
  Result<bool> fill(std::chrono::steady_clock::time_point deadline);

  static constexpr std::size_t max_line_bytes = 1 << 20;

  ImapEndpoint endpoint_;
  std::string password_;
  std::unique_ptr<TokenSource> tokens_;
  std::size_t max_literal_bytes_;
  std::string bearer_token_;
  CurlPtr handle_;
  bool connected_ = false;
  long socket_ = -1;
  int tag_ = 0;
  std::string buffer_;
  std::string last_tagged_;
};

}  // namespace intake::daemon
