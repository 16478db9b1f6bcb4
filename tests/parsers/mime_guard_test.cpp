#include "parsers/mime/mime_guard.hpp"

#include <gtest/gtest.h>

namespace intake::parsers {
namespace {

TEST(MimeGuard, lf_only_input_becomes_crlf) {
  auto g = guard_message("Subject: x\n\nline one\nline two\n", Limits{});
  EXPECT_EQ(g.text, "Subject: x\r\n\r\nline one\r\nline two\r\n");
}

TEST(MimeGuard, padded_boundary_line_is_unpadded) {
  std::string raw = "Content-Type: multipart/mixed; boundary=\"b1\"\n\n--b1  \nContent-Type: text/plain\n\nhi\n--b1--\t\n";
  auto g = guard_message(raw, Limits{});
  EXPECT_NE(g.text.find("\r\n--b1\r\nContent-Type"), std::string::npos) << g.text;
  EXPECT_NE(g.text.find("\r\n--b1--\r\n"), std::string::npos);
  ASSERT_EQ(g.warnings.size(), 1u);
}

TEST(MimeGuard, signature_separator_in_body_is_untouched) {
  auto g = guard_message("Subject: x\n\nhi\n-- \nAlice\n", Limits{});
  EXPECT_NE(g.text.find("\r\n-- \r\n"), std::string::npos);
}

TEST(MimeGuard, megabyte_header_line_is_truncated_to_the_field_limit) {
  std::string raw = "Subject: " + std::string(1 << 20, 'a') + "\nFrom: a@b.test\n\nbody\n";
  Limits limits;
  auto g = guard_message(raw, limits);
  auto subject_end = g.text.find("\r\n");
  EXPECT_LE(subject_end + 2, limits.max_header_field_bytes);
  EXPECT_NE(g.text.find("From: a@b.test"), std::string::npos);
  EXPECT_NE(g.text.find("body"), std::string::npos);
  EXPECT_FALSE(g.warnings.empty());
}

TEST(MimeGuard, deep_multipart_nesting_is_flagged_before_mimetic_recurses) {
  std::string raw;
  for (int i = 0; i < 30000; ++i) raw += "Content-Type: multipart/mixed; boundary=\"b" + std::to_string(i) + "\"\n\n--b" + std::to_string(i) + "\n";
  auto g = guard_message(raw, Limits{});
  EXPECT_TRUE(g.structure_too_deep);
}

}  // namespace
}  // namespace intake::parsers
