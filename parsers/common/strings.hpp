// Small string helpers every layer needs, written once: ASCII case folding
// (header names, addresses, keywords: never locale-dependent), trimming,
// and the address forms intake compares. No allocation beyond the result.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace intake::parsers {

// A-Z to a-z only; other bytes (UTF-8 included) unchanged.
std::string ascii_lower(std::string_view s);
// Without leading and trailing spaces, tabs, CR and LF.
std::string_view trim(std::string_view s);
// The same as a string of its own.
std::string trimmed(std::string_view s);
// requests+it@Example.test → requests@example.test (trimmed, lower case).
std::string address_without_plus(std::string_view address);
// The parts with `separator` between them.
std::string join(const std::vector<std::string>& parts, std::string_view separator = ", ");
// RFC 3986 percent-encoding: unreserved characters (and any in `keep`, such
// as '/' in a URL path) stay, every other byte becomes %XX.
std::string percent_encode(std::string_view s, std::string_view keep = "");
// The part after the last '@'; "intake.invalid" when there is none.
std::string domain_of(std::string_view address);

}  // namespace intake::parsers
