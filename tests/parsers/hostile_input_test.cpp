// Hostile and broken messages: each must yield an Email, with what was wrong
// in `warnings`, and output bounded by Limits (which is what bounds memory).
// Time is bounded by the ctest TIMEOUT on this executable, never measured here.
// Tests are named after the attack or breakage they cover (Dovecot's habit).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "parsers/mime/mime_parser.hpp"

namespace intake::parsers {
namespace {

using namespace std::string_literals;

bool has_warning(const Email& e, std::string_view part) {
  return std::any_of(e.warnings.begin(), e.warnings.end(),
                     [&](const std::string& w) { return w.find(part) != std::string::npos; });
}

TEST(HostileInput, ten_thousand_parts_are_cut_at_the_part_limit) {
  std::string raw = "From: a@b.test\nContent-Type: multipart/mixed; boundary=\"p\"\n\n";
  for (int i = 0; i < 10000; ++i) raw += "--p\nContent-Type: application/octet-stream\n\nx\n";
  raw += "--p--\n";
  const Limits limits;
  const Email e = parse_email(raw, limits);
  ASSERT_TRUE(e.from);
  EXPECT_LE(e.attachments.size(), limits.max_parts);
  EXPECT_TRUE(has_warning(e, "MIME structure over limits"));
}

// Each part's header block holds a line without a colon followed by fields
// and no blank line up to the end, where two text lines make the look ahead
// fail: looked at again for every part, that would be quadratic.
TEST(HostileInput, broken_header_lines_in_every_part_are_looked_ahead_once) {
  std::string raw = "From: a@b.test\nContent-Type: multipart/mixed; boundary=\"p\"\n\n";
  for (int i = 0; i < 20000; ++i) raw += "--p\nContent-Type: text/plain\nbroken\nX-A: b\n";
  raw += "text\ntext\n--p--\n";
  const Email e = parse_email(raw);
  ASSERT_TRUE(e.from);
  EXPECT_TRUE(has_warning(e, "MIME structure over limits"));
  EXPECT_TRUE(has_warning(e, "header line without ':' taken as the start of the body"));
}

// Fields and stray lines in turn, thousands of them: skipped one by one up
// to the header block's bound, never an unbounded look ahead.
TEST(HostileInput, a_header_block_of_stray_lines_between_fields_stays_bounded) {
  std::string raw = "From: a@b.test\n";
  for (int i = 0; i < 50000; ++i) raw += "stray\nX-A: b\n";
  raw += "Subject: after them\n\nbody\n";
  const Limits limits;
  const Email e = parse_email(raw, limits);
  ASSERT_TRUE(e.from);
  EXPECT_TRUE(has_warning(e, "header line without ':' skipped: stray"));
  EXPECT_TRUE(has_warning(e, "header block over"));
  EXPECT_EQ(e.body_text, "body\n");
}

TEST(HostileInput, a_hundred_nested_multiparts_degrade_to_text) {
  std::string raw = "From: a@b.test\n";
  for (int i = 0; i < 100; ++i)
    raw += "Content-Type: multipart/mixed; boundary=\"n" + std::to_string(i) + "\"\n\n--n" + std::to_string(i) + "\n";
  raw += "Content-Type: text/plain\n\ndeep text\n";
  for (int i = 99; i >= 0; --i) raw += "--n" + std::to_string(i) + "--\n";
  const Email e = parse_email(raw);
  EXPECT_TRUE(has_warning(e, "MIME structure over limits"));
  EXPECT_NE(e.body_text.find("deep text"), std::string::npos) << "over the limit, the rest is kept as body";
}

TEST(HostileInput, nesting_just_inside_the_limit_is_parsed_as_mime) {
  std::string raw = "From: a@b.test\n";
  for (int i = 0; i < 10; ++i)
    raw += "Content-Type: multipart/mixed; boundary=\"n" + std::to_string(i) + "\"\n\n--n" + std::to_string(i) + "\n";
  raw += "Content-Type: text/plain\n\ndeep text\n";
  for (int i = 9; i >= 0; --i) raw += "--n" + std::to_string(i) + "--\n";
  const Email e = parse_email(raw);
  EXPECT_EQ(e.body_text, "deep text");
  EXPECT_TRUE(e.warnings.empty());
}

TEST(HostileInput, one_megabyte_header_line_is_truncated_and_the_rest_parsed) {
  std::string raw = "From: a@b.test\nSubject: " + std::string(1024 * 1024, 'x') + "\nTo: it@example.test\n\nbody\n";
  const Limits limits;
  const Email e = parse_email(raw, limits);
  EXPECT_LE(e.subject.size(), limits.max_header_field_bytes);
  EXPECT_TRUE(has_warning(e, "header field over"));
  ASSERT_EQ(e.to.size(), 1U);
  EXPECT_EQ(e.to[0].address, "it@example.test");
  EXPECT_EQ(e.body_text, "body\n");
}

TEST(HostileInput, hundred_thousand_addresses_in_to_are_bounded) {
  std::string raw = "From: a@b.test\nTo: ";
  for (int i = 0; i < 100000; ++i) raw += "u" + std::to_string(i) + "@example.test, ";
  raw += "\n\nbody\n";
  const Email e = parse_email(raw);
  EXPECT_LT(e.to.size(), 100000U);
  EXPECT_FALSE(e.warnings.empty());
  EXPECT_EQ(e.body_text, "body\n");
}

TEST(HostileInput, nul_bytes_in_body_and_headers_become_replacement_characters) {
  const std::string raw = "From: a@b.test\nSubject: nul\0here\n\nbefore\0after\n"s;
  const Email e = parse_email(raw);
  ASSERT_TRUE(e.from);
  EXPECT_EQ(e.body_text, "before\xEF\xBF\xBD" "after\n");
  EXPECT_EQ(e.subject, "nul\xEF\xBF\xBD" "here");
  EXPECT_TRUE(has_warning(e, "NUL bytes in the text replaced"));
}

TEST(HostileInput, truncated_base64_keeps_what_decodes) {
  const Email e = parse_email(
      "From: a@b.test\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
      "SGVsbG8gd29ybGQsIHRoaXMgaXMgY3V0IG9m");  // "Hello world, this is cut of" minus its tail
  EXPECT_EQ(e.body_text.rfind("Hello world, this is cut", 0), 0U) << e.body_text;
}

TEST(HostileInput, unterminated_boundary_keeps_the_last_part_and_says_so) {
  const Email e = parse_email(
      "From: a@b.test\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nfirst\n"
      "--b\nContent-Type: text/plain\n\nsecond, never closed\n");
  EXPECT_EQ(e.body_text, "first\n\nsecond, never closed\n");
  EXPECT_TRUE(has_warning(e, "multipart not closed (no --b-- line)"));
}

TEST(HostileInput, outer_boundary_closes_an_unclosed_inner_multipart) {
  // RFC 2046 5.1.2: the inner multipart ends where the outer boundary appears;
  // the image after it is an attachment of the outer part, not inner text.
  const Email e = parse_email(
      "From: a@b.test\nContent-Type: multipart/related; boundary=\"outer\"\n\n--outer\n"
      "Content-Type: multipart/alternative; boundary=\"inner\"\n\n--inner\nContent-Type: text/plain\n\nthe text\n"
      "--outer\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--outer--\n");
  EXPECT_EQ(e.body_text, "the text");
  ASSERT_EQ(e.attachments.size(), 1U);
  EXPECT_EQ(e.attachments[0].content_type, "image/png");
  EXPECT_EQ(e.attachments[0].size, 8U);
  EXPECT_TRUE(has_warning(e, "multipart not closed before its outer boundary"));
}

TEST(HostileInput, multipart_without_boundary_parameter_is_kept_as_text) {
  const Email e = parse_email("From: a@b.test\nContent-Type: multipart/mixed\n\n--x\n\nsome text\n--x--\n");
  EXPECT_EQ(e.body_text, "--x\n\nsome text\n--x--\n");
  EXPECT_TRUE(has_warning(e, "multipart without a boundary parameter"));
}

TEST(HostileInput, text_over_the_text_limit_is_truncated_on_a_character_boundary) {
  Limits limits;
  limits.max_text_bytes = 1000;
  std::string body;
  while (body.size() < 5000) body += "\xC3\xA9";  // é, two bytes each
  const Email e = parse_email("From: a@b.test\nContent-Type: text/plain; charset=utf-8\n\n" + body + "\n", limits);
  EXPECT_LE(e.body_text.size(), limits.max_text_bytes);
  EXPECT_EQ(e.body_text.size() % 2, 0U) << "a cut inside a character would leave invalid UTF-8";
  EXPECT_TRUE(has_warning(e, "truncated"));
}

TEST(HostileInput, nul_in_a_message_over_the_structure_limits_is_replaced_too) {
  std::string raw = "From: a@b.test\n";
  for (int i = 0; i < 100; ++i)
    raw += "Content-Type: multipart/mixed; boundary=\"n" + std::to_string(i) + "\"\n\n--n" + std::to_string(i) + "\n";
  raw += "\nkept\0raw\n"s;
  const Email e = parse_email(raw);
  EXPECT_EQ(e.body_text.find('\0'), std::string::npos);
  EXPECT_NE(e.body_text.find("kept\xEF\xBF\xBDraw"), std::string::npos);
  EXPECT_TRUE(has_warning(e, "NUL bytes in the text replaced"));
}

}  // namespace
}  // namespace intake::parsers
