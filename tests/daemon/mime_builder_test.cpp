#include "daemon/respond/mime_builder.hpp"

#include <gtest/gtest.h>

#include "parsers/mime/mime_parser.hpp"

namespace intake::daemon {
namespace {

MessageSpec spec_with_subject(const std::string& subject) {
  MessageSpec s;
  s.from = {"Requests desk", "requests@example.test"};
  s.to = {{"Alice", "alice@example.test"}};
  s.subject = subject;
  s.message_id = "intake.REQ-1001.ab@example.test";
  s.in_reply_to = "orig@alice.example.test";
  s.references = {"orig@alice.example.test"};
  s.text = "Hello\n";
  s.html = "<p>Hello</p>";
  return s;
}

int count_header_lines(const std::string& raw, const std::string& name) {
  const std::string head = raw.substr(0, raw.find("\r\n\r\n"));
  int n = 0;
  std::size_t pos = 0;
  while (pos <= head.size()) {
    auto eol = head.find("\r\n", pos);
    std::string line = head.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
    if (line.rfind(name + ":", 0) == 0) ++n;
    if (eol == std::string::npos) break;
    pos = eol + 2;
  }
  return n;
}

TEST(MimeBuilder, crlf_in_subject_cannot_add_a_header) {
  std::string raw = build_message(spec_with_subject("hi\r\nBcc: x@evil.test\r\n\r\nbody"));
  EXPECT_EQ(count_header_lines(raw, "Bcc"), 0);
  EXPECT_EQ(raw.find("\r\nBcc:"), std::string::npos);
}

TEST(MimeBuilder, crlf_in_display_name_cannot_add_a_header) {
  auto s = spec_with_subject("ok");
  s.to = {{"Alice\r\nBcc: x@evil.test", "alice@example.test"}};
  std::string raw = build_message(s);
  EXPECT_EQ(count_header_lines(raw, "Bcc"), 0);
}

TEST(MimeBuilder, non_ascii_subject_is_encoded_and_round_trips) {
  std::string raw = build_message(spec_with_subject("Grüße – Drucker kaputt"));
  for (char c : raw) ASSERT_LT(static_cast<unsigned char>(c), 0x80u);
  auto parsed = parsers::parse_email(raw);
  EXPECT_EQ(parsed.subject, "Grüße – Drucker kaputt");
  EXPECT_EQ(parsed.message_id, "intake.REQ-1001.ab@example.test");
  EXPECT_EQ(parsed.in_reply_to, "orig@alice.example.test");
  EXPECT_TRUE(parsed.has_html);
  EXPECT_EQ(parsed.body_text, "Hello\n");
}

TEST(MimeBuilder, a_300_character_subject_is_folded_within_78_characters_and_unfolds_to_itself) {
  std::string subject = "Re: [REQ-1042]";
  while (subject.size() < 300) subject += " printer on the third floor";
  const std::string raw = build_message(spec_with_subject(subject));
  const std::string head = raw.substr(0, raw.find("\r\n\r\n"));
  const std::size_t start = head.find("Subject: ");
  const std::size_t end = head.find("\r\nDate:");
  ASSERT_NE(start, std::string::npos);
  const std::string field = head.substr(start, end - start);
  int lines = 0;
  for (std::size_t pos = 0; pos <= field.size();) {
    const std::size_t eol = std::min(field.find("\r\n", pos), field.size());
    EXPECT_LE(eol - pos, 78u) << field.substr(pos, eol - pos);
    ++lines;
    pos = eol + 2;
  }
  EXPECT_GE(lines, 4);
  EXPECT_EQ(parsers::parse_email(raw).subject, subject);
}

TEST(MimeBuilder, a_short_subject_stays_on_one_line) {
  EXPECT_EQ(fold_header("Subject", "Printer broken"), "Printer broken");
}

TEST(MimeBuilder, encoded_word_lookalike_in_subject_is_itself_encoded) {
  // A raw "=?...?=" in a decoded subject must not be decoded again by receivers.
  std::string raw = build_message(spec_with_subject("=?UTF-8?Q?hi=0D=0ABcc:_x@evil.test?="));
  auto parsed = parsers::parse_email(raw);
  EXPECT_EQ(parsed.subject, "=?UTF-8?Q?hi=0D=0ABcc:_x@evil.test?=");
  EXPECT_TRUE(parsed.cc.empty());
}

TEST(MimeBuilder, strip_controls_removes_every_control_character) {
  EXPECT_EQ(strip_controls(std::string("a\rb\nc\0d\x7f" "e\tf", 11)), "abcde f");
}

TEST(MimeBuilder, a_64_kib_subject_name_and_message_id_keep_every_line_within_998_octets) {
  MessageSpec s = spec_with_subject("Please " + std::string(64 * 1024, 'x') + " and " + std::string(2000, 'y'));
  s.to = {{std::string(64 * 1024, 'N'), "alice@example.test"}};
  s.in_reply_to = std::string(60 * 1024, 'i') + "@alice.example.test";
  s.references = {s.in_reply_to, "short@alice.example.test"};
  const std::string raw = build_message(s);
  std::size_t longest = 0;
  for (std::size_t start = 0, eol; (eol = raw.find("\r\n", start)) != std::string::npos; start = eol + 2)
    longest = std::max(longest, eol - start);
  EXPECT_LE(longest, 998U) << "RFC 5322 2.1.1";
  // An ID that long cannot thread anything and is left out; the others stay.
  EXPECT_EQ(raw.find("iiiiiiii"), std::string::npos);
  EXPECT_EQ(raw.find("In-Reply-To:"), std::string::npos);
  EXPECT_NE(raw.find("References: <short@alice.example.test>"), std::string::npos);
  // The subject is all there, in encoded words.
  const auto head = raw.substr(0, raw.find("\r\n\r\n"));
  std::size_t words = 0;
  for (std::size_t at = head.find("=?UTF-8?B?"); at != std::string::npos; at = head.find("=?UTF-8?B?", at + 1)) ++words;
  EXPECT_GT(words, (64U * 1024 + 2000) / 45);
}

}  // namespace
}  // namespace intake::daemon
