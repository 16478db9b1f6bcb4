// Reads mail archives for `intakectl import`: an mbox file or a Maildir
// folder. Neither is trusted: each message is cut at max_message_bytes (the
// headers and the text come first), and a file that is not an mbox is refused.
// mbox is split by GMime's parser in its mbox mode (a well-kept library that
// knows the format's "From " lines); a Maildir needs no library: it is one
// file per message in cur/ and new/.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "daemon/core/observed_mailbox.hpp"
#include "parsers/common/result.hpp"

namespace intake::daemon {

// Calls `each` for every message in order (mbox: as in the file; Maildir:
// cur/ then new/, by file name). `each` returning false stops the reading.
Status read_mail_archive(const std::string& path, std::size_t max_message_bytes,
                         const std::function<bool(ArchivedMessage&&)>& each);

// "From alice@example.test Thu Jan  1 10:00:00 2026" -> that time (UTC, as
// mbox writers use); nullopt when the line does not carry a date.
std::optional<std::chrono::sys_seconds> mbox_from_line_time(const std::string& line);

}  // namespace intake::daemon
