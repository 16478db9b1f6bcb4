#include <gtest/gtest.h>

#include <string>

#include "parsers/text/html_text.hpp"

namespace intake::parsers {
namespace {

TEST(html_to_text, paragraphs_separated_by_one_blank_line) {
  EXPECT_EQ(html_to_text("<p>One</p><p>Two</p>"), "One\n\nTwo");
}

TEST(html_to_text, divs_and_br_break_lines) {
  EXPECT_EQ(html_to_text("<div>a</div><div>b<br>c</div>"), "a\nb\nc");
}

TEST(html_to_text, whitespace_collapsed_as_a_browser_would) {
  EXPECT_EQ(html_to_text("<p>  lots   of\n\n   space  </p>"), "lots of space");
}

TEST(html_to_text, entities_decoded) {
  EXPECT_EQ(html_to_text("<p>a &amp; b &lt;c&gt; &eacute; &#8364;</p>"), "a & b <c> \xC3\xA9 \xE2\x82\xAC");
}

TEST(html_to_text, nbsp_reads_as_space) {
  EXPECT_EQ(html_to_text("<p>a&nbsp;b</p>"), "a b");
}

TEST(html_to_text, script_content_not_in_text) {
  EXPECT_EQ(html_to_text("<p>Hi</p><script>alert('x')</script><p>there</p>"), "Hi\n\nthere");
}

TEST(html_to_text, style_and_head_content_not_in_text) {
  EXPECT_EQ(html_to_text("<html><head><title>T</title><style>p{color:red}</style></head><body>Body</body></html>"),
            "Body");
}

TEST(html_to_text, unordered_list_items_dashed) {
  EXPECT_EQ(html_to_text("<p>Need:</p><ul><li>one</li><li>two</li></ul>"), "Need:\n\n- one\n- two");
}

TEST(html_to_text, ordered_list_items_numbered) {
  EXPECT_EQ(html_to_text("<ol><li>first</li><li>second</li></ol>"), "1. first\n2. second");
}

TEST(html_to_text, link_shows_url_when_different) {
  EXPECT_EQ(html_to_text("<p>See <a href=\"https://x.test/a\">the doc</a>.</p>"), "See the doc (https://x.test/a).");
}

TEST(html_to_text, link_text_equal_to_url_not_repeated) {
  EXPECT_EQ(html_to_text("<a href=\"https://x.test/\">https://x.test/</a>"), "https://x.test/");
  EXPECT_EQ(html_to_text("<a href=\"mailto:a@x.test\">a@x.test</a>"), "a@x.test");
}

TEST(html_to_text, image_replaced_by_alt) {
  EXPECT_EQ(html_to_text("<p>Logo: <img src=\"x.png\" alt=\"ACME\"></p>"), "Logo: ACME");
}

TEST(html_to_text, table_rows_on_their_own_lines) {
  EXPECT_EQ(html_to_text("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>"), "a b\nc");
}

TEST(html_to_text, at_most_one_blank_line_in_a_row) {
  EXPECT_EQ(html_to_text("a<br><br><br><br><br>b<p></p><p></p><p>c</p>"), "a\n\nb\n\nc");
}

TEST(html_to_text, blockquote_lines_prefixed) {
  EXPECT_EQ(html_to_text("<p>Yes.</p><blockquote><p>Can you?</p><p>Please</p></blockquote>"),
            "Yes.\n\n> Can you?\n>\n> Please");
}

TEST(html_to_text, gmail_quote_prefixed) {
  EXPECT_EQ(html_to_text("<div>Sure</div><div class=\"gmail_quote\"><div>On Mon, A wrote:</div>"
                         "<blockquote class=\"gmail_quote\">old</blockquote></div>"),
            "Sure\n\n> On Mon, A wrote:\n>\n> > old");
}

TEST(html_to_text, outlook_reply_block_and_rest_prefixed) {
  EXPECT_EQ(html_to_text("<div>Done.</div><div id=\"appendonsend\"></div><hr><div id=\"divRplyFwdMsg\">"
                         "<b>From:</b> A<br><b>Sent:</b> today</div><div>old text</div>"),
            "Done.\n\n> From: A\n> Sent: today\n> old text");
}

TEST(html_to_text, pre_keeps_line_breaks_and_spaces) {
  EXPECT_EQ(html_to_text("<pre>a  b\nc</pre>"), "a  b\nc");
}

TEST(html_to_text, broken_markup_recovered) {
  EXPECT_EQ(html_to_text("<p>unclosed <b>bold <i>both</p><p>next"), "unclosed bold both\n\nnext");
}

TEST(html_to_text, invalid_utf8_and_nul_do_not_stop_the_text) {
  const std::string html("<p>a\xFF" "b\0c</p>", 12);
  EXPECT_EQ(html_to_text(html), "a\xEF\xBF\xBD" "b c");
}

TEST(html_to_text, empty_input_gives_empty_text) {
  EXPECT_EQ(html_to_text(""), "");
}

TEST(html_to_text, deep_nesting_within_parser_limit_keeps_text) {
  std::string html;
  for (int i = 0; i < 200; ++i) html += "<div>";
  EXPECT_EQ(html_to_text(html + "deep"), "deep");
}

// libxml2 2.9 stops at 256 nested elements and has no HUGE option for HTML:
// the text is lost (the caller keeps text/plain or warns), but nothing crashes.
TEST(html_to_text, hundred_thousand_nested_elements_degrade_without_crash) {
  std::string html;
  for (int i = 0; i < 100'000; ++i) html += "<div>";
  EXPECT_EQ(html_to_text(html + "deep"), "");
}

TEST(html_to_text, megabyte_of_text_finishes) {
  std::string html = "<p>";
  for (int i = 0; i < 100'000; ++i) html += "word word ";
  const std::string text = html_to_text(html);
  EXPECT_EQ(text.size(), 100'000u * 10u - 1u);
}

}  // namespace
}  // namespace intake::parsers
