// Hand-written: RFC 3676 is small and no Debian library here decodes it.
#include "parsers/text/flowed.hpp"

#include <cstddef>

namespace intake::parsers {
namespace {

constexpr std::string_view signature_separator = "-- ";

struct FlowedLine {
  std::size_t depth = 0;
  std::string_view content;
};

FlowedLine split_quote(std::string_view line) {
  FlowedLine result;
  while (result.depth < line.size() && line[result.depth] == '>') ++result.depth;
  result.content = line.substr(result.depth);
  if (!result.content.empty() && result.content.front() == ' ') result.content.remove_prefix(1);  // stuffing
  return result;
}

}  // namespace

std::string decode_flowed(std::string_view text, bool delsp) {
  std::string out;
  out.reserve(text.size());
  std::string paragraph;
  std::size_t paragraph_depth = 0;
  bool open = false;  // a flowed paragraph is waiting for its next line

  const auto emit = [&](std::size_t depth, std::string_view content) {
    if (depth > 0) {
      out.append(depth, '>');
      if (!content.empty()) out += ' ';
    }
    out.append(content);
    out += '\n';
  };

  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

    const FlowedLine fl = split_quote(line);
    const bool is_signature = fl.content == signature_separator;
    // RFC 3676 4.5: a depth change ends the paragraph; the signature separator
    // is never part of one.
    if (open && (fl.depth != paragraph_depth || is_signature)) {
      emit(paragraph_depth, paragraph);
      paragraph.clear();
      open = false;
    }
    const bool soft = !is_signature && !fl.content.empty() && fl.content.back() == ' ';
    std::string_view content = fl.content;
    if (soft && delsp) content.remove_suffix(1);
    paragraph.append(content);
    paragraph_depth = fl.depth;
    if (soft) {
      open = true;
      continue;
    }
    emit(paragraph_depth, paragraph);
    paragraph.clear();
    open = false;
  }
  if (open) emit(paragraph_depth, paragraph);
  // The input's own final line break (or its absence) is kept.
  if (!out.empty() && (text.empty() || text.back() != '\n')) out.pop_back();
  return out;
}

}  // namespace intake::parsers
