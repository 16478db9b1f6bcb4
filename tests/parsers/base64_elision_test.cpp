// mime_guard's elision of big base64 attachments (Limits::elide_base64_after_bytes):
// a message parses to the same Email with elision on and off, however its
// parts are laid out, and a sender cannot forge the guard's counts.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "parsers/mime/mime_guard.hpp"
#include "parsers/mime/mime_parser.hpp"

namespace intake::parsers {
namespace {

const std::string base64_line = "QmVuY2ggYXR0YWNobWVudCBieXRlcyAwMTIzNDU2Nzg5IGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6";

// `lines` lines of base64 (80 symbols each, 60 bytes decoded), then `last`.
std::string base64_body(int lines, const std::string& last = "QUJD") {
  std::string body;
  for (int i = 0; i < lines; ++i) body += base64_line + "\r\n";
  return body + last + "\r\n";
}

std::string with_attachment(const std::string& type, const std::string& body, const std::string& extra_headers = "") {
  return "From: Alice <alice@example.test>\r\nTo: requests@example.test\r\nSubject: The log\r\n"
         "Message-ID: <log@alice.example.test>\r\nMIME-Version: 1.0\r\n"
         "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
         "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe log is attached.\r\n"
         "--b1\r\nContent-Type: " + type + "; name=\"run.log\"\r\nContent-Transfer-Encoding: base64\r\n" + extra_headers +
         "\r\n" + body + "--b1--\r\n";
}

Limits small_elision() {
  Limits l;
  l.elide_base64_after_bytes = 1024;
  return l;
}

Limits no_elision() {
  Limits l;
  l.elide_base64_after_bytes = 0;
  return l;
}

void expect_same(const Email& a, const Email& b) {
  EXPECT_EQ(a.subject, b.subject);
  EXPECT_EQ(a.body_text, b.body_text);
  EXPECT_EQ(a.request_text, b.request_text);
  EXPECT_EQ(a.warnings, b.warnings);
  ASSERT_EQ(a.attachments.size(), b.attachments.size());
  for (std::size_t i = 0; i < a.attachments.size(); ++i) {
    EXPECT_EQ(a.attachments[i].filename, b.attachments[i].filename);
    EXPECT_EQ(a.attachments[i].content_type, b.attachments[i].content_type);
    EXPECT_EQ(a.attachments[i].size, b.attachments[i].size);
    EXPECT_EQ(a.attachments[i].inline_part, b.attachments[i].inline_part);
  }
}

TEST(Base64Elision, a_big_attachment_is_counted_not_copied_and_lists_the_same_size) {
  const std::string raw = with_attachment("application/octet-stream", base64_body(2000));
  const GuardedMessage g = guard_message(raw, small_elision());
  EXPECT_EQ(g.elided_parts, 1U);
  EXPECT_LT(g.text.size(), 4096U) << "the attachment's lines past the first 1024 bytes are not in what mimetic gets";
  const Email elided = parse_email(raw, small_elision());
  const Email whole = parse_email(raw, no_elision());
  expect_same(elided, whole);
  ASSERT_EQ(elided.attachments.size(), 1U);
  EXPECT_EQ(elided.attachments[0].size, 2000U * 60 + 3);
}

TEST(Base64Elision, base64_cut_short_is_still_warned_about) {
  const std::string raw = with_attachment("image/png", base64_body(100, "QUJ"));
  EXPECT_EQ(guard_message(raw, small_elision()).elided_parts, 1U);
  const Email elided = parse_email(raw, small_elision());
  expect_same(elided, parse_email(raw, no_elision()));
  EXPECT_NE(std::find(elided.warnings.begin(), elided.warnings.end(), "base64 text cut short: its last bytes are missing"),
            elided.warnings.end());
}

TEST(Base64Elision, a_text_part_or_a_forwarded_message_is_never_elided) {
  for (const std::string type : {"text/plain", "message/rfc822", "application/x-intake-rfc822", "text/html"}) {
    const std::string raw = with_attachment(type, base64_body(100));
    EXPECT_EQ(guard_message(raw, small_elision()).elided_parts, 0U) << type;
    expect_same(parse_email(raw, small_elision()), parse_email(raw, no_elision()));
  }
}

TEST(Base64Elision, an_attachment_inside_a_forwarded_message_is_kept_whole) {
  const std::string inner = with_attachment("application/pdf", base64_body(100));
  const std::string raw = "From: Bob <bob@example.test>\r\nTo: requests@example.test\r\nSubject: Fwd\r\n"
                          "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
                          "--outer\r\nContent-Type: text/plain\r\n\r\nSee below.\r\n"
                          "--outer\r\nContent-Type: message/rfc822\r\n\r\n" + inner + "--outer--\r\n";
  EXPECT_EQ(guard_message(raw, small_elision()).elided_parts, 0U);
  const Email elided = parse_email(raw, small_elision());
  expect_same(elided, parse_email(raw, no_elision()));
  ASSERT_EQ(elided.attachments.size(), 2U);
  // The forwarded message's own bytes, less the line end the boundary after it takes.
  EXPECT_EQ(elided.attachments[0].size, inner.size() - 2);
}

TEST(Base64Elision, lines_that_are_not_base64_stay_and_are_counted_by_the_parser) {
  // A line of other bytes in the middle: it and all after it kept for mimetic.
  const std::string body = base64_body(50) + "this is not base64!\r\n" + base64_body(50);
  const std::string raw = with_attachment("application/zip", body);
  EXPECT_EQ(guard_message(raw, small_elision()).elided_parts, 1U);
  expect_same(parse_email(raw, small_elision()), parse_email(raw, no_elision()));
}

TEST(Base64Elision, a_line_mimetic_takes_for_a_boundary_ends_the_elision) {
  // Found by parse_email_fuzz: mimetic ends a part at "--w-..." (a boundary
  // followed by anything); the base64 after it is another part's text.
  const std::string body = base64_body(50) + "--b1-\"x.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64_body(50);
  const std::string raw = with_attachment("application/pdf", body);
  const Email elided = parse_email(raw, small_elision());
  expect_same(elided, parse_email(raw, no_elision()));
  EXPECT_NE(elided.body_text.find(base64_line), std::string::npos) << "the lines after it are text to mimetic";
}

TEST(Base64Elision, a_forged_count_field_is_dropped) {
  const std::string raw =
      with_attachment("application/pdf", base64_body(3), std::string(elided_base64_field) + ": 99999999 0\r\n");
  const Email parsed = parse_email(raw, small_elision());
  ASSERT_EQ(parsed.attachments.size(), 1U);
  EXPECT_EQ(parsed.attachments[0].size, 3U * 60 + 3) << "the sender's count is not added";
  EXPECT_EQ(guard_message(raw, small_elision()).text.find(std::string(elided_base64_field)), std::string::npos);
}

TEST(Base64Elision, a_forged_count_field_where_mimetic_sees_a_part_is_not_honoured) {
  // The guard reads "--b1X-A: b" as text of the text/plain part; mimetic as
  // a boundary ("--b1") and a first header line, and the lines after it as
  // the rest of the header of a part that carries the sender's count.
  const std::string raw = "From: Erin <erin@example.test>\r\nTo: requests@example.test\r\nSubject: Forged\r\n"
                          "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
                          "--b1\r\nContent-Type: text/plain\r\n\r\nHello.\r\n"
                          "--b1X-A: b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n" +
                          std::string(elided_base64_field) + ": 00000000000000099999 00000000000000000000\r\n\r\nQUJD\r\n"
                          "--b1\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
                          base64_body(100) + "--b1--\r\n";
  EXPECT_EQ(guard_message(raw, small_elision()).elided_parts, 0U) << "a message naming the field has nothing elided";
  const Email elided = parse_email(raw, small_elision());
  expect_same(elided, parse_email(raw, no_elision()));
  for (const Attachment& a : elided.attachments) EXPECT_LT(a.size, 10000U) << a.filename;
}

TEST(Base64Elision, a_part_mimetic_does_not_see_as_one_parses_as_without_elision) {
  // A boundary declared in the message but not opened by its multipart: the
  // guard sees a part there, mimetic the text of a text/plain part.
  const std::string raw = "From: Carol <carol@example.test>\r\nTo: requests@example.test\r\nSubject: Digest\r\n"
                          "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
                          "--b1\r\nContent-Type: text/plain\r\n\r\nX-Note: boundary=\"inner\"\r\n"
                          "--inner\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
                          base64_body(100) + "--b1--\r\n";
  expect_same(parse_email(raw, small_elision()), parse_email(raw, no_elision()));
}

TEST(Base64Elision, a_structure_over_limits_keeps_its_whole_body_as_text) {
  // Over max_parts the body is kept as text: the elided lines would be missing from it.
  Limits few_parts = small_elision();
  few_parts.max_parts = 1;
  Limits few_parts_whole = few_parts;
  few_parts_whole.elide_base64_after_bytes = 0;
  const std::string raw = with_attachment("application/pdf", base64_body(100));
  ASSERT_TRUE(guard_message(raw, few_parts).structure_too_deep);
  const Email elided = parse_email(raw, few_parts);
  expect_same(elided, parse_email(raw, few_parts_whole));
  EXPECT_NE(elided.body_text.find(base64_line + "\n" + base64_line), std::string::npos);
}

TEST(Base64Elision, a_message_that_is_one_big_attachment_is_elided_too) {
  const std::string raw = "From: Dave <dave@example.test>\r\nTo: requests@example.test\r\nSubject: Scan\r\n"
                          "MIME-Version: 1.0\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
                          base64_body(500);
  EXPECT_EQ(guard_message(raw, small_elision()).elided_parts, 1U);
  expect_same(parse_email(raw, small_elision()), parse_email(raw, no_elision()));
}

}  // namespace
}  // namespace intake::parsers
