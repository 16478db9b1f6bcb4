#include <gtest/gtest.h>

#include <string>

#include "parsers/text/flowed.hpp"

namespace intake::parsers {
namespace {

TEST(flowed, soft_breaks_joined) {
  EXPECT_EQ(decode_flowed("Hello \nworld\nnext\n", false), "Hello world\nnext\n");
}

TEST(flowed, crlf_lines_joined) {
  EXPECT_EQ(decode_flowed("Hello \r\nworld\r\n", false), "Hello world\n");
}

TEST(flowed, delsp_removes_the_soft_space) {
  EXPECT_EQ(decode_flowed("Hel \nlo\n", true), "Hello\n");
}

TEST(flowed, space_stuffing_removed) {
  EXPECT_EQ(decode_flowed(" From here\n >not a quote\n", false), "From here\n>not a quote\n");
}

TEST(flowed, quoted_paragraphs_keep_their_depth) {
  EXPECT_EQ(decode_flowed("> a \n> b\n>> c \n>> d\n", false), "> a b\n>> c d\n");
}

TEST(flowed, depth_change_ends_a_paragraph) {
  EXPECT_EQ(decode_flowed("> quoted \nnew text\n", false), "> quoted \nnew text\n");
}

TEST(flowed, signature_separator_never_joined) {
  EXPECT_EQ(decode_flowed("text\n-- \nJohn\n", false), "text\n-- \nJohn\n");
  EXPECT_EQ(decode_flowed("text \n-- \nJohn\n", false), "text \n-- \nJohn\n");
}

TEST(flowed, missing_final_newline_kept_missing) {
  EXPECT_EQ(decode_flowed("a \nb", false), "a b");
}

TEST(flowed, trailing_soft_line_at_end_is_emitted) {
  EXPECT_EQ(decode_flowed("a \n", false), "a \n");
}

TEST(flowed, megabyte_of_soft_lines_finishes) {
  std::string in;
  for (int i = 0; i < 200'000; ++i) in += "ab \n";
  const std::string out = decode_flowed(in, true);
  EXPECT_EQ(out.size(), 400'000u + 1u);
}

}  // namespace
}  // namespace intake::parsers
