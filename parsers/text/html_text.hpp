// HTML mail bodies to readable plain text, with libxml2's forgiving HTML parser.
// Trusts nothing in the markup: no network access, no scripts, no styles; the
// walk over the tree is iterative, and the input is sanitized to UTF-8 first.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace intake::parsers {

struct HtmlLimits {
  std::size_t max_input_bytes = std::size_t{16} * 1024 * 1024;  // libxml2 takes an int size; larger input is cut
};
inline constexpr HtmlLimits html_limits{};

// Blocks (p, div, headings, tr, br) become line breaks, list items "- item"
// (ordered: "1. item"), links "text (url)" when the url differs from the text,
// images their alt text; script/style/head dropped; whitespace collapsed as a
// browser would; at most one blank line in a row. <blockquote>, Gmail's
// div.gmail_quote and everything from Outlook's #appendonsend/#divRplyFwdMsg
// on are prefixed with "> " so request_text can drop them.
std::string html_to_text(std::string_view html_utf8);

}  // namespace intake::parsers
