// Raw RFC 5322 bytes in, one normalized Email out. Trusts nothing in the input:
// every message, however broken, yields an Email (with warnings), never an
// exception and never unbounded work (see Limits).
#pragma once

#include <string_view>

#include "parsers/common/email.hpp"
#include "parsers/common/limits.hpp"

namespace intake::parsers {

Email parse_email(std::string_view raw, const Limits& limits = {});

// The kind of sender behind a parsed message (human, auto-reply, bulk, bounce),
// from its headers and top-level content type.
MessageKind classify_kind(const Email& email, std::string_view top_content_type);

}  // namespace intake::parsers
