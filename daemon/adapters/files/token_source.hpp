// Where an OAuth2 bearer token for an IMAP or SMTP login comes from (auth = "xoauth2"):
// a file, re-read each time, or a command the administrator configured. The
// command is trusted to run; its output is not (size-limited, trimmed). A token
// is a secret: it never goes into an error message or a log line.
#pragma once

#include <memory>
#include <string>

#include "parsers/config/config.hpp"
#include "parsers/common/result.hpp"

namespace intake::daemon {

class TokenSource {
 public:
  virtual ~TokenSource() = default;
  // A fresh read (or run) on every call: after a rejected login the caller
  // asks again and expects whatever is current now.
  virtual Result<std::string> token() = 0;
};

struct TokenCommandLimits {
  int timeout_ms = 30000;                  // then the command's process group is killed
  std::size_t max_output_bytes = std::size_t{64} * 1024;  // bearer tokens are a few KiB
};

// The file's first line, trimmed of surrounding whitespace; empty is an error.
class FileTokenSource final : public TokenSource {
 public:
  explicit FileTokenSource(std::string path) : path_(std::move(path)) {}
  Result<std::string> token() override;

 private:
  std::string path_;
};

// `/bin/sh -c command`, stdin from /dev/null; its stdout, trimmed, is the
// token. A non-zero exit, a signal, a timeout or empty output is an error that
// carries the first line of its stderr.
class CommandTokenSource final : public TokenSource {
 public:
  CommandTokenSource(std::string command, TokenCommandLimits limits) : command_(std::move(command)), limits_(limits) {}
  Result<std::string> token() override;

 private:
  std::string command_;
  TokenCommandLimits limits_;
};

// The source a mailbox with auth = "xoauth2" is configured with; nullptr for
// auth = "password".
std::unique_ptr<TokenSource> make_token_source(const parsers::ImapServerConfig& mailbox);
// The same for sending ([smtp] auth = "xoauth2").
std::unique_ptr<TokenSource> make_token_source(const parsers::SmtpConfig& smtp);

}  // namespace intake::daemon
