// The pass every raw message goes through before mimetic sees it. It trusts
// nothing: it bounds header sizes and MIME nesting, and fixes the input forms
// mimetic 0.9.8 mishandles (LF-only line ends, padded boundary lines).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "parsers/common/limits.hpp"

namespace intake::parsers {

// What a message/rfc822 part's Content-Type becomes in GuardedMessage::text, so
// that mimetic keeps its bytes as a body instead of parsing them.
inline constexpr std::string_view opaque_rfc822_type = "application/x-intake-rfc822";

struct GuardedMessage {
  std::string text;  // CRLF line ends, bounded headers, unpadded boundary lines
  bool structure_too_deep = false;  // too many multiparts or parts: do not let mimetic recurse
  std::vector<std::string> warnings;
};

// Linear in the input; never throws for any bytes.
GuardedMessage guard_message(std::string_view raw, const Limits& limits);

}  // namespace intake::parsers
