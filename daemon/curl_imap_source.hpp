// MailboxSource over libcurl: one easy handle, so one IMAP connection, reused
// for every command of a cycle. Server answers are untrusted text.
#pragma once

#include <memory>
#include <string>

#include "config.hpp"
#include "curl_handle.hpp"
#include "mailbox_source.hpp"

namespace intake::daemon {

class CurlImapSource final : public MailboxSource {
 public:
  CurlImapSource(const parsers::MailboxConfig& config, std::string password, std::size_t max_message_bytes);
  Result<FolderStatus> status() override;
  Result<std::vector<std::uint64_t>> search_uids(std::uint64_t first, std::uint64_t last, bool unseen_only) override;
  Result<std::string> fetch(std::uint64_t uid) override;
  Status mark_processed(const std::vector<std::uint64_t>& uids) override;

 private:
  Result<std::string> perform(const std::string& url, const std::string& custom_request, std::size_t max_bytes);
  std::string base_url() const;
  std::string folder_url(const std::string& folder) const;

  parsers::MailboxConfig config_;
  std::string password_;
  std::size_t max_message_bytes_;
  CurlPtr handle_;
};

// Parsers for the untagged answers, exposed for unit tests.
std::vector<std::uint64_t> parse_search_response(const std::string& text);
FolderStatus parse_status_response(const std::string& text);
std::string imap_quote(const std::string& s);
std::string uid_set(const std::vector<std::uint64_t>& uids);

}  // namespace intake::daemon
