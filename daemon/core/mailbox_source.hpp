// The IMAP side of intake as the stages see it. Implementations (CurlImapSource)
// talk to a server intake does not trust: every answer is parsed defensively
// and every failure comes back as an Error value.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "parsers/common/result.hpp"
#include "parsers/imap/imap_responses.hpp"  // FolderStatus

namespace intake::daemon {

class MailboxSource {
 public:
  virtual ~MailboxSource() = default;
  virtual Result<FolderStatus> status() = 0;
  // UIDs in [first, last] (last 0: no upper end), ascending; unseen_only adds UNSEEN.
  virtual Result<std::vector<std::uint64_t>> search_uids(std::uint64_t first, std::uint64_t last, bool unseen_only) = 0;
  // The whole message; over the source's maximum, an error with too_large set.
  virtual Result<std::string> fetch(std::uint64_t uid) = 0;
  // For oversized mail: the header section alone, and the size the server reports.
  virtual Result<std::string> fetch_header(std::uint64_t uid) = 0;
  virtual Result<std::uint64_t> size_of(std::uint64_t uid) = 0;
  // Moves to the processed folder, or flags \Seen when none is configured.
  virtual Status mark_processed(const std::vector<std::uint64_t>& uids) = 0;
};

}  // namespace intake::daemon
