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

#include "parsers/common/email.hpp"

namespace intake::parsers {

// A longer value is not read at all: real ones are under 2 KiB, and a trust
// decision must not rest on the part of a value that was kept.
inline constexpr std::size_t max_auth_results_bytes = std::size_t{16} * 1024;

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

// The host a Received field names after "by" (lower case; comments skipped),
// empty when it names none.
std::string received_by_host(std::string_view value);

}  // namespace intake::parsers
