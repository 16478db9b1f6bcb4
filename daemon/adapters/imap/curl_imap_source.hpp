// MailboxSource over libcurl: one easy handle, so one IMAP connection, reused
// for every command of a cycle. Server answers are untrusted text; the server
// itself is trusted only once its certificate verifies (unless verify_tls is
// off) or it is on loopback.
#pragma once

#include <memory>
#include <string>

#include "parsers/config/config.hpp"
#include "daemon/adapters/curl/curl_handle.hpp"
#include "parsers/imap/imap_responses.hpp"
#include "daemon/core/mailbox_source.hpp"
#include "daemon/adapters/files/token_source.hpp"

namespace intake::daemon {

class CurlImapSource final : public MailboxSource {
 public:
  // auth = "password".
  CurlImapSource(const parsers::MailboxConfig& config, std::string password, std::size_t max_message_bytes);
  // auth = "xoauth2": SASL XOAUTH2 with a token asked from `tokens` before the
  // first command, and once more (then one retry) when the server rejects it.
  CurlImapSource(const parsers::MailboxConfig& config, std::unique_ptr<TokenSource> tokens, std::size_t max_message_bytes);
  Result<FolderStatus> status() override;
  Result<std::vector<std::uint64_t>> search_uids(std::uint64_t first, std::uint64_t last, bool unseen_only) override;
  Result<std::string> fetch(std::uint64_t uid) override;
  Result<std::string> fetch_header(std::uint64_t uid) override;
  Result<std::uint64_t> size_of(std::uint64_t uid) override;
  Status mark_processed(const std::vector<std::uint64_t>& uids) override;

 private:
  Result<std::string> perform(const std::string& url, const std::string& custom_request, std::size_t max_bytes);
  Status mark_chunk_processed(const std::vector<std::uint64_t>& uids);
  Result<std::string> perform_once(const std::string& url, const std::string& custom_request, std::size_t max_bytes);
  std::string base_url() const;
  std::string folder_url(const std::string& folder) const;
  std::string server() const;  // host:port, for messages

  // Bounds on one command's answer (see search_uids and mark_processed).
  static constexpr std::uint64_t uids_per_search = 2000;
  // libcurl (7.88) keeps only the first 40 bytes of a response line that one
  // read of more than half its buffer finds no line end in, and reports
  // success: a SEARCH line must stay well below half of this. 2000 UIDs of
  // up to 20 digits are 42 KB.
  static constexpr long receive_buffer_bytes = 256L * 1024;
  static constexpr std::size_t uids_per_command = 100;
  static constexpr std::size_t max_header_bytes = 1 << 20;  // of an oversized message

  parsers::MailboxConfig config_;
  std::uint64_t uidnext_ = 0;  // from the last status(); 0: unknown
  std::string password_;
  std::unique_ptr<TokenSource> tokens_;  // null for auth = "password"
  std::string bearer_token_;             // empty until first asked
  bool token_refreshed_ = false;         // one refresh per connection (cycle)
  bool login_denied_ = false;            // the last perform_once failed at login
  std::size_t max_message_bytes_;
  CurlPtr handle_;
};

}  // namespace intake::daemon
