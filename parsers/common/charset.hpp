// Charset conversion of mail text to UTF-8 (glibc iconv) and UTF-8 validation.
// Trusts nothing: the declared charset may be wrong, unknown or absent and the
// bytes may be invalid in it; the output is always valid UTF-8.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace intake::parsers {

// Converts `bytes` declared as `charset` (any spelling or alias found in mail)
// to UTF-8. Invalid bytes become U+FFFD and one warning is appended. An
// unknown or empty charset, or us-ascii with 8-bit bytes, is guessed: UTF-8
// when the bytes are valid UTF-8, else windows-1252, with a warning.
// Never throws.
std::string to_utf8(std::string_view bytes, std::string_view charset,
                    std::vector<std::string>& warnings);

// `bytes` in `charset` as UTF-8, only when iconv knows the charset (UTF-8,
// US-ASCII and names that are no charsets do not count) and every byte is
// valid in it; nullopt otherwise. For text whose charset is a guess.
std::optional<std::string> decode_strictly(std::string_view bytes, std::string_view charset);

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view s);

// Replaces each maximal invalid subsequence with U+FFFD (as WHATWG decoders do).
std::string sanitize_utf8(std::string_view s);

}  // namespace intake::parsers
