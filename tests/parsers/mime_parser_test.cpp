#include "parsers/mime/mime_parser.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

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

TEST(MimeParser, content_id_with_invalid_bytes_is_utf8) {
  auto e = parse_email(
      "From: a@b.test\nContent-Type: multipart/related; boundary=\"x\"\n\n--x\nContent-Type: text/plain\n\nlogo\n"
      "--x\nContent-Type: image/png\nContent-ID: <logo\xFF@b.test>\n\nPNG\n--x--\n");
  ASSERT_EQ(e.attachments.size(), 1u);
  EXPECT_EQ(e.attachments[0].content_id, "logo\xEF\xBF\xBD@b.test");
  EXPECT_TRUE(e.attachments[0].inline_part);
}

// One file in three encodings, in an LF-only and a CRLF message: the same
// size each time, its line ends counted as CRLF (RFC 2046 canonical form),
// never doubled and never dropped.
TEST(MimeParser, text_attachment_size_is_the_same_in_every_encoding_and_line_end) {
  const std::string lf =
      "From: a@b.test\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nsee files\n"
      "--b\nContent-Type: text/csv\nContent-Disposition: attachment; filename=a.csv\n\na,b\nc,d\n"
      "--b\nContent-Type: text/csv\nContent-Disposition: attachment; filename=q.csv\n"
      "Content-Transfer-Encoding: quoted-printable\n\na,=\nb\nc,d\n"
      "--b\nContent-Type: text/csv\nContent-Disposition: attachment; filename=b.csv\n"
      "Content-Transfer-Encoding: base64\n\nYSxi\nDQpj\nLGQ=\n--b--\n";
  std::string crlf;
  for (char c : lf) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  for (const std::string& raw : {lf, crlf}) {
    const Email e = parse_email(raw);
    ASSERT_EQ(e.attachments.size(), 3U);
    for (const auto& a : e.attachments) EXPECT_EQ(a.size, 8U) << a.filename;  // "a,b\r\nc,d"
  }
}

TEST(MimeParser, parts_without_a_name_are_named_after_their_type) {
  const Email e = parse_email(
      "From: a@b.test\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nsee files\n"
      "--b\nContent-Type: image/png\n\nx\n--b\nContent-Type: image/jpeg\n\nx\n"
      "--b\nContent-Type: application/octet-stream\n\nx\n--b\nContent-Type: application/pdf\n\nx\n"
      "--b\nContent-Type: application/vnd.ms-excel\n\nx\n--b--\n");
  std::vector<std::string> names;
  for (const auto& a : e.attachments) names.push_back(a.filename);
  EXPECT_EQ(names, (std::vector<std::string>{"image.png", "image.jpg", "file.bin", "file.pdf", "file.bin"}));
}

// Outlook and Gmail wrap alternative in related; Apple Mail puts related (the
// HTML and the pictures in it) inside alternative, beside the text/plain
// that is read: the pictures are listed all the same, and only once.
TEST(MimeParser, picture_in_the_html_alternative_not_read_is_listed_once) {
  const Email e = parse_email(
      "From: a@b.test\nContent-Type: multipart/alternative; boundary=a\n\n--a\nContent-Type: text/plain\n\nsee picture\n"
      "--a\nContent-Type: multipart/related; boundary=r\n\n--r\nContent-Type: text/html\n\n<p>see <img src=cid:p1></p>\n"
      "--r\nContent-Type: image/png\nContent-Disposition: inline; filename=shot.png\nContent-ID: <p1>\n\nPNG\n"
      "--r\nContent-Type: text/plain; name=notes.txt\nContent-Disposition: inline; filename=notes.txt\n\nnotes\n--r--\n--a--\n");
  EXPECT_EQ(e.body_text, "see picture");
  ASSERT_EQ(e.attachments.size(), 1U);  // the text of the alternative not read is not an attachment
  EXPECT_EQ(e.attachments[0].filename, "shot.png");
  EXPECT_EQ(e.attachments[0].content_id, "p1");
  EXPECT_TRUE(e.attachments[0].inline_part);
}

TEST(MimeParser, part_of_related_without_disposition_is_inline_and_of_mixed_is_not) {
  const Email e = parse_email(
      "From: a@b.test\nContent-Type: multipart/mixed; boundary=m\n\n--m\nContent-Type: multipart/related; boundary=r\n\n"
      "--r\nContent-Type: text/html\n\n<p>hi</p>\n--r\nContent-Type: image/gif; name=a.gif\n\nGIF\n--r--\n"
      "--m\nContent-Type: image/gif; name=b.gif\n\nGIF\n--m--\n");
  ASSERT_EQ(e.attachments.size(), 2U);
  EXPECT_TRUE(e.attachments[0].inline_part);
  EXPECT_FALSE(e.attachments[1].inline_part);
}

TEST(MimeParser, second_from_with_an_address_replaces_an_unusable_first_and_says_so_only) {
  const Email e = parse_email("From: \"Desk\" <>\nFrom: Desk <desk@b.test>\nSubject: s\n\nx\n");
  ASSERT_TRUE(e.from);
  EXPECT_EQ(e.from->address, "desk@b.test");
  // Not "the first is used" as well: it was not.
  EXPECT_EQ(e.warnings, (std::vector<std::string>{"From has no usable address: taken from From header 2"}));
}

TEST(MimeParser, usable_first_from_keeps_precedence_over_sender) {
  const Email e = parse_email("From: a@b.test\nSender: s@b.test\nFrom: c@b.test\n\nx\n");
  ASSERT_TRUE(e.from);
  EXPECT_EQ(e.from->address, "a@b.test");
  EXPECT_EQ(e.warnings, (std::vector<std::string>{"duplicate from header: the first is used"}));
}

TEST(MimeParser, from_without_address_and_nothing_to_fall_back_on_is_kept_and_flagged) {
  const Email e = parse_email("From: Whomever\nReturn-Path: <>\n\nx\n");
  ASSERT_TRUE(e.from);
  EXPECT_EQ(e.from->address, "Whomever");
  EXPECT_EQ(e.warnings, (std::vector<std::string>{"address without '@': Whomever"}));
}

TEST(MimeParser, part_text_starting_with_bare_cr_and_delimiter_keeps_headers_and_text) {
  // mimetic 0.9.8 threw std::length_error on it (found by parse_email_fuzz).
  const std::string raw =
      "From: Ann <ann@b.test>\r\nSubject: printer\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\nThe printer is jammed.\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\n\r--b--\r\n";
  Email e;
  ASSERT_NO_THROW(e = parse_email(raw));
  ASSERT_TRUE(e.from);
  EXPECT_EQ(e.from->address, "ann@b.test");
  EXPECT_EQ(e.subject, "printer");
  EXPECT_NE(e.body_text.find("The printer is jammed."), std::string::npos);
  ASSERT_FALSE(e.warnings.empty());
  EXPECT_NE(e.warnings.back().find("MIME structure unreadable"), std::string::npos) << e.warnings.back();
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

TEST(MimeParser, forwarded_message_keeps_its_own_headers_and_text) {
  auto e = parse_email(
      "From: a@b.test\nSubject: Fwd: printer\nContent-Type: multipart/mixed; boundary=\"f\"\n\n--f\n"
      "Content-Type: text/plain\n\nsee below\n--f\nContent-Type: message/rfc822\n\n"
      "From: Carol <carol@example.test>\nDate: Tue, 24 Nov 2026 10:00:00 +0000\nSubject: Printer jammed\n\n"
      "The 3rd floor printer is jammed.\n--f--\n");
  EXPECT_EQ(e.body_text,
            "see below\n\n---------- Forwarded message ----------\nFrom: Carol <carol@example.test>\n"
            "Date: Tue, 24 Nov 2026 10:00:00 +0000\nSubject: Printer jammed\n\nThe 3rd floor printer is jammed.");
  ASSERT_EQ(e.attachments.size(), 1U);
  EXPECT_EQ(e.attachments[0].content_type, "message/rfc822");
  EXPECT_EQ(e.attachments[0].filename, "Printer jammed.eml");
}

TEST(MimeParser, base64_encoded_forwarded_message_is_decoded) {
  // "From: x@y.test\r\nSubject: Inner\r\n\r\nInner body\r\n"
  auto e = parse_email(
      "From: a@b.test\nContent-Type: multipart/mixed; boundary=\"f\"\n\n--f\nContent-Type: message/rfc822\n"
      "Content-Transfer-Encoding: base64\n\nRnJvbTogeEB5LnRlc3QNClN1YmplY3Q6IElubmVyDQoNCklubmVyIGJvZHkNCg==\n--f--\n");
  EXPECT_NE(e.body_text.find("Subject: Inner\n\nInner body"), std::string::npos) << e.body_text;
}

TEST(MimeParser, alternative_prefers_a_multipart_holding_plain_text_over_html) {
  // RFC 8621 4.1.4's example shape: the plain alternative is itself multipart.
  auto e = parse_email(
      "From: a@b.test\nContent-Type: multipart/alternative; boundary=\"3\"\n\n--3\n"
      "Content-Type: multipart/mixed; boundary=\"4\"\n\n--4\nContent-Type: text/plain\n\nB\n--4\n"
      "Content-Type: text/plain\n\nD\n--4--\n--3\nContent-Type: text/html\n\n<p>E</p>\n--3--\n");
  EXPECT_EQ(e.body_text, "B\n\nD");
  EXPECT_TRUE(e.has_html);
}

TEST(MimeParser, empty_plain_alternative_falls_back_to_html) {
  auto e = parse_email(
      "From: a@b.test\nContent-Type: multipart/alternative; boundary=\"x\"\n\n--x\nContent-Type: text/plain\n\n\n"
      "--x\nContent-Type: text/html\n\n<p>only here</p>\n--x--\n");
  EXPECT_NE(e.body_text.find("only here"), std::string::npos) << e.body_text;
}

}  // namespace
}  // namespace intake::parsers
