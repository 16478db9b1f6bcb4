#include "mime_parser.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace intake::parsers {
namespace {

TEST(MimeParser, plain_message_headers_and_text) {
  auto e = parse_email(
      "From: \"Doe, Jane\" <jane@example.test>\r\nTo: requests@example.test, Bob <bob@example.test>\r\n"
      "Subject: =?UTF-8?Q?Caf=C3=A9?= order\r\nDate: Wed, 25 Nov 2026 09:15:00 +0100\r\n"
      "Message-ID: <m1@example.test>\r\nIn-Reply-To: <m0@example.test>\r\nReferences: <a@x> <m0@example.test>\r\n\r\nHello\r\n");
  ASSERT_TRUE(e.from);
  EXPECT_EQ(e.from->name, "Doe, Jane");
  EXPECT_EQ(e.from->address, "jane@example.test");
  ASSERT_EQ(e.to.size(), 2u);
  EXPECT_EQ(e.to[1].address, "bob@example.test");
  EXPECT_EQ(e.subject, "Café order");
  EXPECT_EQ(e.message_id, "m1@example.test");
  EXPECT_EQ(e.in_reply_to, "m0@example.test");
  EXPECT_EQ(e.references, (std::vector<std::string>{"a@x", "m0@example.test"}));
  ASSERT_TRUE(e.date);
  EXPECT_EQ(e.date->time_since_epoch().count(), 1795594500);  // 2026-11-25T08:15:00Z
  EXPECT_EQ(e.body_text, "Hello\n");
  EXPECT_EQ(e.kind, MessageKind::human);
}

TEST(MimeParser, alternative_prefers_plain_and_notes_html) {
  auto e = parse_email(
      "From: a@b.test\nContent-Type: multipart/alternative; boundary=\"x\"\n\n--x\nContent-Type: text/plain\n\nplain text\n"
      "--x\nContent-Type: text/html\n\n<p>html text</p>\n--x--\n");
  EXPECT_EQ(e.body_text, "plain text");  // the line end before a boundary belongs to it (RFC 2046)
  EXPECT_TRUE(e.has_html);
}

TEST(MimeParser, html_only_becomes_text) {
  auto e = parse_email("From: a@b.test\nContent-Type: text/html; charset=utf-8\n\n<html><body><p>Hi</p><script>x()</script></body></html>\n");
  EXPECT_NE(e.body_text.find("Hi"), std::string::npos);
  EXPECT_EQ(e.body_text.find("x()"), std::string::npos);
  EXPECT_TRUE(e.has_html);
}

TEST(MimeParser, latin1_quoted_printable_body_is_utf8) {
  auto e = parse_email("From: a@b.test\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nK=F6ln\n");
  EXPECT_EQ(e.body_text, "Köln\n");
}

TEST(MimeParser, attachment_listed_with_decoded_size) {
  auto e = parse_email(
      "From: a@b.test\nContent-Type: multipart/mixed; boundary=\"x\"\n\n--x\nContent-Type: text/plain\n\nsee file\n"
      "--x\nContent-Type: application/pdf; name=\"r.pdf\"\nContent-Disposition: attachment; filename=\"r.pdf\"\n"
      "Content-Transfer-Encoding: base64\n\nSGVsbG8gd29ybGQ=\n--x--\n");
  ASSERT_EQ(e.attachments.size(), 1u);
  EXPECT_EQ(e.attachments[0].filename, "r.pdf");
  EXPECT_EQ(e.attachments[0].content_type, "application/pdf");
  EXPECT_EQ(e.attachments[0].size, 11u);
  EXPECT_EQ(e.body_text, "see file");
}

TEST(MimeParser, out_of_office_is_auto_reply_and_list_mail_is_bulk_and_null_path_is_bounce) {
  EXPECT_EQ(parse_email("From: a@b.test\nAuto-Submitted: auto-replied\n\nx\n").kind, MessageKind::auto_reply);
  EXPECT_EQ(parse_email("From: a@b.test\nSubject: Out of Office: away\n\nx\n").kind, MessageKind::auto_reply);
  EXPECT_EQ(parse_email("From: a@b.test\nList-Id: <news.example.test>\n\nx\n").kind, MessageKind::bulk);
  EXPECT_EQ(parse_email("From: MAILER-DAEMON@b.test\nReturn-Path: <>\n\nx\n").kind, MessageKind::bounce);
}

TEST(MimeParser, thirty_thousand_nested_multiparts_do_not_crash) {
  std::string raw = "From: a@b.test\n";
  for (int i = 0; i < 30000; ++i) raw += "Content-Type: multipart/mixed; boundary=\"b" + std::to_string(i) + "\"\n\n--b" + std::to_string(i) + "\n";
  auto e = parse_email(raw);
  ASSERT_TRUE(e.from);
  EXPECT_FALSE(e.warnings.empty());
}

TEST(MimeParser, no_headers_at_all_still_yields_an_email) {
  auto e = parse_email(std::string("\x00\x01garbage\xff", 11));
  EXPECT_FALSE(e.from);
  EXPECT_FALSE(e.warnings.empty());
}

}  // namespace
}  // namespace intake::parsers
