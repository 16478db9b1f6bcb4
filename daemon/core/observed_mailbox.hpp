// The ports the tally stage reads mail through beside the store: an observed
// mailbox ([[observe]]), read-only, and a mail archive (`intakectl import`).
// daemon/adapters/imap (CurlReadOnlyImap) and daemon/adapters/archive
// (read_mail_archive) implement them; app/ and cli/ hand them over.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "parsers/common/result.hpp"
#include "parsers/imap/imap_responses.hpp"  // FolderStatus

namespace intake::daemon {

class ObservedSource {
 public:
  virtual ~ObservedSource() = default;
  // Opens `folder` read-only; its UIDVALIDITY and UIDNEXT.
  virtual Result<FolderStatus> examine(const std::string& folder) = 0;
  // UIDs from `first` up to the UIDNEXT examine saw, ascending.
  virtual Result<std::vector<std::uint64_t>> uids_from(std::uint64_t first) = 0;
  // The message, its first max_message_bytes at most, without touching a flag.
  virtual Result<std::string> peek(std::uint64_t uid) = 0;
};

struct ArchivedMessage {
  std::string raw;
  // When it was delivered, if the archive says: the mbox "From " line, a
  // Maildir file's modification time. Stands in for a missing Date header.
  std::optional<std::chrono::sys_seconds> delivered_at;
  std::string where;       // "offset 1234" or the Maildir file name, for messages
  bool truncated = false;  // longer than max_message_bytes
};

// Calls `each` for every message of the archive at `path` in order; `each`
// returning false stops the reading.
using ArchiveReader = std::function<Status(const std::string& path, std::size_t max_message_bytes,
                                           const std::function<bool(ArchivedMessage&&)>& each)>;

}  // namespace intake::daemon
