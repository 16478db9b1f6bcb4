// Bounds on what one message may cost to parse. Everything a sender controls
// is bounded here; over a bound the message degrades (a warning, the rest kept
// as body) instead of failing (Dovecot's message-parser settings, Postfix's
// header_size_limit).
#pragma once

#include <cstddef>

namespace intake::parsers {

struct Limits {
  std::size_t max_header_block_bytes = std::size_t{100} * 1024;  // Postfix header_size_limit
  std::size_t max_header_field_bytes = std::size_t{64} * 1024;   // one field, folded lines included
  std::size_t max_parts = 1000;                                  // MIME parts in one message
  std::size_t max_multipart_nesting = 32;                        // nested multipart and message/rfc822
  std::size_t max_text_bytes = std::size_t{4} * 1024 * 1024;     // decoded text kept per message
  std::size_t max_trace_fields = 100;  // Received and Authentication-Results read, from the top
  // An attachment's base64 past this many bytes is counted, not copied, on
  // its way to mimetic (mime_guard.hpp): only its decoded size is listed, and
  // a 25 MB attachment would otherwise be held three times while parsing.
  // 1 MiB: below it the copies cost little memory, and copying a line is
  // cheaper than checking it for elision (the parse benchmark's attachments
  // of 64 to 75 KB parsed 50% slower with a 64 KiB threshold). 0: never.
  std::size_t elide_base64_after_bytes = std::size_t{1024} * 1024;
};

}  // namespace intake::parsers
