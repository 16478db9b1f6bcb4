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

// The field the guard adds to an attachment whose base64 it elided (see
// Limits::elide_base64_after_bytes): "<symbols> <padding>", the counts of
// the elided lines, so the parser adds them to what mimetic kept. A message
// that names this field anywhere has nothing elided (and the field is dropped
// from the header blocks the guard reads): a parser honours the field only
// when GuardedMessage::elided_parts is not 0.
inline constexpr std::string_view elided_base64_field = "x-intake-elided-base64";

struct GuardedMessage {
  std::string text;  // CRLF line ends, bounded headers, unpadded boundary lines
  bool structure_too_deep = false;  // too many multiparts or parts: do not let mimetic recurse
  std::vector<std::string> warnings;
  // Parts whose base64 was elided past Limits::elide_base64_after_bytes: a
  // part with a declared application, image, audio, video, font or model
  // type and Content-Transfer-Encoding base64, a child of the innermost open
  // multipart (or the message itself), not inside a forwarded message. Only
  // lines made of base64 symbols alone are elided, up to the part's first
  // line of anything else, so no boundary or other structure mimetic looks
  // for is lost, nor a line mimetic puts in another part. Each such part carries
  // elided_base64_field; a parser that does not list every one of them as
  // an attachment must guard again with elision off.
  std::size_t elided_parts = 0;
};

// Linear in the input; never throws for any bytes.
GuardedMessage guard_message(std::string_view raw, const Limits& limits);

}  // namespace intake::parsers
