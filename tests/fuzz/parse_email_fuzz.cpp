// libFuzzer harness over the whole parser: any bytes in, an Email out, never a
// crash, a hang or unbounded memory (ASan, UBSan and libFuzzer's -timeout and
// -rss_limit_mb watch for those). It also checks the parser's promises about
// its output, so a wrong result is a finding too, not only a crash.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "parsers/common/charset.hpp"
#include "parsers/common/email_json.hpp"
#include "parsers/mime/mime_parser.hpp"

namespace {

void require(bool holds, const char* promise) {
  if (holds) return;
  std::fprintf(stderr, "broken promise: %s\n", promise);
  std::abort();  // libFuzzer saves the input that broke it
}

void require_utf8(std::string_view s, const char* what) { require(intake::parsers::is_valid_utf8(s), what); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace intake::parsers;
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  const Limits limits;
  const Email email = parse_email(raw, limits);

  // Every string in an Email is valid UTF-8 without NUL (it goes to
  // PostgreSQL text and to JSON), and the text is within Limits.
  for_each_string(email, [](const std::string& s) {
    require_utf8(s, "every string of the Email is UTF-8");
    require(s.find('\0') == std::string::npos, "no NUL in any string of the Email (PostgreSQL text)");
  });
  require(email.body_text.size() <= limits.max_text_bytes, "body_text within max_text_bytes");
  require(email.request_text.size() <= email.body_text.size() + 1, "request_text no longer than body_text");

  // The JSON form never throws on any of it (strict UTF-8 handling).
  const std::string json = email_to_json(email).dump();

  // Elision (Limits::elide_base64_after_bytes) never changes what a message
  // parses to: with every attachment's base64 elided from its first line on,
  // the Email is the same. (Fuzz inputs are far below the default 64 KiB.)
  Limits eliding = limits;
  eliding.elide_base64_after_bytes = 1;
  require(email_to_json(parse_email(raw, eliding)).dump() == json, "the same Email with base64 elided");
  return 0;
}
