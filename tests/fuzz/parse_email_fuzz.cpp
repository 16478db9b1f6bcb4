// libFuzzer harness over the whole parser: any bytes in, an Email out, never a
// crash, a hang or unbounded memory (ASan, UBSan and libFuzzer's -timeout and
// -rss_limit_mb watch for those). It also checks the parser's promises about
// its output, so a wrong result is a finding too, not only a crash.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "charset.hpp"
#include "email_json.hpp"
#include "mime_parser.hpp"

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

  // Everything in an Email is valid UTF-8 and within Limits.
  require_utf8(email.subject, "email.subject is UTF-8");
  require_utf8(email.body_text, "email.body_text is UTF-8");
  require_utf8(email.request_text, "email.request_text is UTF-8");
  require_utf8(email.message_id, "email.message_id is UTF-8");
  require_utf8(email.in_reply_to, "email.in_reply_to is UTF-8");
  for (const auto& list : {&email.to, &email.cc, &email.reply_to})
    for (const auto& a : *list) {
      require_utf8(a.name, "a.name is UTF-8");
      require_utf8(a.address, "a.address is UTF-8");
    }
  if (email.from) {
    require_utf8(email.from->name, "email.from->name is UTF-8");
    require_utf8(email.from->address, "email.from->address is UTF-8");
  }
  for (const auto& a : email.attachments) require_utf8(a.filename, "a.filename is UTF-8");
  for (const auto& w : email.warnings) require_utf8(w, "w is UTF-8");
  require(email.body_text.size() <= limits.max_text_bytes, "body_text within max_text_bytes");
  require(email.body_text.find('\0') == std::string::npos, "no NUL in body_text (PostgreSQL text)");
  require(email.subject.find('\0') == std::string::npos, "no NUL in subject");
  require(email.request_text.size() <= email.body_text.size() + 1, "request_text no longer than body_text");

  // The JSON form never throws on any of it (strict UTF-8 handling).
  (void)email_to_json(email).dump();
  return 0;
}
