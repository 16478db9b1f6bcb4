// Decoders for single header values: RFC 2047 text, RFC 5322 address lists,
// dates and Message-IDs, RFC 2045/2231 Content-Type and Content-Disposition.
// Trusts nothing: values may be huge, truncated, mis-encoded or hostile; every
// function is linear in its input, bounded by HeaderLimits, and never throws.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "parsers/common/email.hpp"

namespace intake::parsers {

// Limits applied to every header value; over-limit input is truncated or
// dropped with a warning, never rejected.
struct HeaderLimits {
  std::size_t max_value_bytes = std::size_t{1024} * 1024;  // the rest of a longer value is ignored
  std::size_t max_addresses = 1000;           // no real request has more recipients
  std::size_t max_message_ids = 500;          // References keeps its first and last ids
  std::size_t max_parameters = 256;           // Content-Type/Disposition parameters
  std::size_t max_encoded_word_bytes = 4096;  // RFC 2047 says 75; mailers exceed it
};
inline constexpr HeaderLimits header_limits{};

// Unfolds (a fold and the blanks around it become one space), stops at the end
// of the header (a line break not followed by a blank), trims, and decodes RFC
// 2047 encoded words (B and Q, any charset, "charset*lang" accepted). Adjacent
// encoded words separated only by blanks are joined; an encoded word glued to
// plain text is separated from it by a space; broken ones are kept as written.
// Raw 8-bit text that is not UTF-8 (no RFC 2047) is decoded as
// `legacy_charset` when it is valid there (the caller passes the charset the
// message declares for its text), else as windows-1252; the same holds for
// the names and parameter values below.
std::string decode_unstructured(std::string_view raw, std::vector<std::string>& warnings,
                                std::string_view legacy_charset = {});

// RFC 5322 address lists, obsolete syntax tolerated: group members are listed
// (group names are dropped), quoted names, comments (a comment becomes the name
// when there is no other, else is appended in parentheses), angle addresses
// (routes dropped, missing '>' tolerated), bare addresses, encoded-word names.
// Entries without an address are dropped. Garbage yields what can be salvaged.
std::vector<Address> parse_address_list(std::string_view raw, std::vector<std::string>& warnings,
                                        std::string_view legacy_charset = {});

// RFC 5322 dates and obsolete forms (two- and three-digit years, named or
// unknown zones, missing seconds or weekday, comments, asctime order, the date
// after the last ';' of a Received value), normalized to UTC; nullopt when no
// valid day, month, year and time can be found.
std::optional<std::chrono::sys_seconds> parse_date(std::string_view raw);

// Message-ID, In-Reply-To, References: the ids without angle brackets, in
// order. Without any '<' every blank-separated word is an id; otherwise words
// outside brackets count only when they contain '@'.
std::vector<std::string> parse_message_ids(std::string_view raw);

struct ContentType {
  std::string type = "text";      // lower case
  std::string subtype = "plain";  // lower case; empty when the value had none
  // Lower-case names; values decoded (quotes removed, RFC 2231 continuations
  // joined and charset-decoded to UTF-8, RFC 2047 in values tolerated).
  std::map<std::string, std::string> params;
};

// A value without a type keeps the text/plain default (RFC 2045 5.2) and adds
// a warning; one without a subtype keeps the type, an empty subtype and a warning.
ContentType parse_content_type(std::string_view raw, std::vector<std::string>& warnings,
                               std::string_view legacy_charset = {});

// Same parameter rules, for Content-Disposition: first token lower-cased in
// .first (empty when absent), params in .second.
std::pair<std::string, std::map<std::string, std::string>> parse_disposition(
    std::string_view raw, std::vector<std::string>& warnings, std::string_view legacy_charset = {});

}  // namespace intake::parsers
