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

  // Everything in an Email is valid UTF-8 (it goes to PostgreSQL text and to
  // JSON) and within Limits.
  for (const std::string* field :
       {&email.subject, &email.raw_subject, &email.raw_date, &email.message_id, &email.in_reply_to, &email.list_id,
        &email.list_unsubscribe, &email.auto_submitted, &email.precedence, &email.x_auto_response_suppress,
        &email.x_priority, &email.importance, &email.loop_header, &email.body_text, &email.request_text}) {
    require_utf8(*field, "every header field and the text are UTF-8");
    require(field->find('\0') == std::string::npos, "no NUL in a header field or the text (PostgreSQL text)");
  }
  for (const auto& list : {&email.to, &email.cc, &email.reply_to})
    for (const auto& a : *list) {
      require_utf8(a.name, "a.name is UTF-8");
      require_utf8(a.address, "a.address is UTF-8");
    }
  for (const auto& one : {&email.from, &email.sender, &email.return_path})
    if (*one) {
      require_utf8((*one)->name, "from, sender, return_path names are UTF-8");
      require_utf8((*one)->address, "from, sender, return_path addresses are UTF-8");
    }
  for (const auto& a : email.attachments) {
    require_utf8(a.filename, "a.filename is UTF-8");
    require_utf8(a.content_type, "a.content_type is UTF-8");
    require_utf8(a.content_id, "a.content_id is UTF-8");
  }
  for (const auto& list : {&email.references, &email.enclosed_message_ids, &email.warnings})
    for (const auto& id : *list) require_utf8(id, "references, enclosed ids, warnings are UTF-8");
  require(email.body_text.size() <= limits.max_text_bytes, "body_text within max_text_bytes");
  require(email.request_text.size() <= email.body_text.size() + 1, "request_text no longer than body_text");

  // The JSON form never throws on any of it (strict UTF-8 handling).
  (void)email_to_json(email).dump();
  return 0;
}
