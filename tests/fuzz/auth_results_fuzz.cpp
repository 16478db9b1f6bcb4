// libFuzzer harness over Authentication-Results values
// (parsers/mime/auth_results.*): any bytes as one header value, never a
// crash, a hang or unbounded memory, and the parser's promises kept: nothing
// over max_auth_results_bytes is read; the authserv-id is lower case and empty
// only when a result stands without it; every method, result and property key
// is a non-empty lower-case name; auth_domain gives a lower-case domain or
// nothing; and folding the value (each space made CRLF + space) changes
// nothing, since folding is white space wherever it may stand.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "parsers/mime/auth_results.hpp"

namespace {

using intake::parsers::AuthResults;

void require(bool holds, const char* promise) {
  if (holds) return;
  std::fprintf(stderr, "broken promise: %s\n", promise);
  std::abort();
}

bool is_name(std::string_view s, bool dots) {
  if (s.empty()) return false;
  for (const char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || (dots && c == '.');
    if (!ok) return false;
  }
  return true;
}

bool is_lower(std::string_view s) {
  for (const char c : s)
    if (c >= 'A' && c <= 'Z') return false;
  return true;
}

bool same(const std::optional<AuthResults>& a, const std::optional<AuthResults>& b) {
  if (a.has_value() != b.has_value()) return false;
  if (!a) return true;
  if (a->authserv_id != b->authserv_id || a->malformed_results != b->malformed_results ||
      a->results.size() != b->results.size())
    return false;
  for (std::size_t i = 0; i < a->results.size(); ++i) {
    const auto& x = a->results[i];
    const auto& y = b->results[i];
    if (x.method != y.method || x.result != y.result || x.reason != y.reason || x.properties != y.properties)
      return false;
  }
  return true;
}

void check_promises(std::string_view value, const std::optional<AuthResults>& ar) {
  if (value.size() > intake::parsers::max_auth_results_bytes) require(!ar, "an over-long value is not read");
  if (!ar) return;
  require(is_lower(ar->authserv_id), "the authserv-id in lower case");
  require(!ar->authserv_id.empty() || !ar->results.empty(), "no authserv-id only when a result stands without it");
  for (const auto& r : ar->results) {
    require(is_name(r.method, false), "a method is a non-empty lower-case name");
    require(is_name(r.result, false), "a result is a non-empty lower-case name");
    for (const auto& [key, property] : r.properties) {
      require(is_name(key, true) && key != "reason", "a property key is a lower-case name, never reason");
      const std::string domain = intake::parsers::auth_domain(property);
      require(is_lower(domain), "auth_domain in lower case");
      require(domain.find_first_of("@ \t\r\n\"<>;()") == std::string::npos, "auth_domain has no mailbox or comment left");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view value(reinterpret_cast<const char*>(data), size);
  const std::optional<AuthResults> ar = intake::parsers::parse_authentication_results(value);
  check_promises(value, ar);

  // A quoted-pair may quote a CR, so folding is only white space without '\'.
  if (value.find('\\') != std::string_view::npos) return 0;
  std::string folded;
  for (const char c : value) {
    if (c == ' ') folded += "\r\n";
    folded += c;
  }
  if (folded.size() > intake::parsers::max_auth_results_bytes) return 0;
  require(same(ar, intake::parsers::parse_authentication_results(folded)), "folding changes nothing");
  return 0;
}
