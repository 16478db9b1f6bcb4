// Thread matching (pure): which request a mail belongs to, from the
// Message-IDs it names and its [REQ-n] subject tag, given what the store
// knows (IngestSnapshot's maps).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parsers/common/email.hpp"

namespace intake::daemon {

// The number of the first [REQ-<number>] tag in a subject, if any.
std::optional<std::int64_t> subject_reference(std::string_view subject);

// The Message-IDs a mail names, nearest first: In-Reply-To, then References
// from the last; a bounce names no thread in its headers, the mail it
// returns does (its enclosed ids, after them).
std::vector<std::string> named_message_ids(const parsers::Email& email);

// The request of the first named Message-ID that belongs to one (our own
// Message-IDs and every known message), else the request the subject tag
// names, else none.
std::optional<std::int64_t> match_thread(const parsers::Email& email,
                                         const std::map<std::string, std::int64_t>& request_of_message,
                                         const std::map<std::int64_t, std::int64_t>& request_of_number);

}  // namespace intake::daemon
