// One Authentication-Results header value (RFC 8601) read into its results:
// who wrote it (the authserv-id) and what each method (dkim, spf, dmarc, ...)
// found. Trusts nothing: the value may be forged, truncated or hostile; whether
// a header came from a trusted server is the caller's decision, not this one's.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace intake::parsers {

// A longer value is not read at all: real ones are under 2 KiB, and a trust
// decision must not rest on the part of a value that was kept.
inline constexpr std::size_t max_auth_results_bytes = std::size_t{16} * 1024;

struct AuthMethodResult {
  std::string method;  // "dkim", "spf", "dmarc", "arc", "x-...": lower case, never empty; its /version dropped
  std::string result;  // "pass", "fail", "none", "softfail", ...: lower case, never empty
  // "header.d" -> "example.test", "smtp.mailfrom" -> "user@example.test": keys
  // lower case, values unquoted and as written. Keys without a ptype
  // ("action", "score", "x-bits"), which Exchange Online and Fastmail write,
  // are kept too. When a key repeats, the first value stands.
  std::map<std::string, std::string> properties;
  std::string reason;  // the reason= value, unquoted; empty when absent
};

struct AuthResults {
  // Lower case, without the optional version. Empty when the value opens with
  // a result, as Exchange Online writes it: such a header names no server, so
  // it cannot be matched to a trusted one (only its position can vouch for it).
  std::string authserv_id;
  std::vector<AuthMethodResult> results;  // empty for "authserv-id; none"
  // Results that did not parse (a missing '=', an unterminated comment or
  // quoted string, a stray word) and were skipped: reading resumes after the
  // next ';' outside comments and quoted strings.
  std::size_t malformed_results = 0;
};

// nullopt when the value is over max_auth_results_bytes, has no authserv-id
// (empty, only comments, or opening with something that is neither a token,
// a quoted string nor a result), or has no authserv-id and no result that
// parsed. Comments never count: "(dkim=pass)" and ';' inside one or inside a
// quoted string split nothing. Linear in the value; never throws.
std::optional<AuthResults> parse_authentication_results(std::string_view value);

// The domain a property names, lower case: "user@Example.TEST" ->
// "example.test", "@example.test" and "<user@example.test>" and
// "example.test." -> "example.test". Empty when what is left cannot be a
// domain (empty, spaces, quotes, other punctuation), so it matches no From
// domain. U-labels are kept as written, not converted to A-labels.
std::string auth_domain(std::string_view property_value);

}  // namespace intake::parsers
