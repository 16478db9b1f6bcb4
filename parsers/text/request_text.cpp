// Hand-written: quote and signature stripping is heuristic and no Debian
// library here does it (talon and email_reply_parser are not C++ nor packaged).
#include "parsers/text/request_text.hpp"
#include "parsers/common/strings.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <vector>

namespace intake::parsers {
namespace {

// Attribution lines longer than this are paragraphs that happen to start
// with "On", not attributions.
constexpr std::size_t max_attribution_bytes = 300;
// How far an Outlook header block may spread below its From: line, and how
// far above a header block a forward marker may sit.
constexpr std::size_t outlook_block_lines = 5;
constexpr std::size_t forward_marker_lookback = 3;
constexpr std::size_t min_rule_underscores = 10;
constexpr std::size_t max_footer_bytes = 80;

struct Attribution {
  std::string_view prefix;  // lower case, how the line starts
  std::string_view verb;    // lower case, somewhere in it
};
constexpr std::array<Attribution, 10> attributions{{
    {"on ", "wrote"},
    {"am ", "schrieb"},
    {"le ", "a écrit"},
    {"el ", "escribió"},
    {"il ", "ha scritto"},
    {"op ", "schreef"},
    {"em ", "escreveu"},
    {"den ", "skrev"},
    {"w dniu ", "napisał"},
    {"on ", "sent"},  // "On <date>, <name> sent:" (some webmails)
}};

constexpr std::array<std::string_view, 6> original_message_phrases{
    "original message", "ursprüngliche nachricht", "message d'origine",
    "mensaje original", "messaggio originale",     "oorspronkelijk bericht"};

constexpr std::array<std::string_view, 8> from_labels{"from:", "de:", "von:", "van:", "da:", "från:", "od:", "de :"};
constexpr std::array<std::string_view, 10> sent_labels{"sent:",      "envoyé :",  "envoyé:", "gesendet:", "date:",
                                                       "verzonden:", "inviato:", "enviado:", "datum:",    "skickat:"};
constexpr std::array<std::string_view, 16> to_subject_labels{
    "to:",      "à :",     "à:",         "an:",       "aan:",    "a:",        "para:", "till:",
    "subject:", "objet :", "objet:",     "betreff:", "onderwerp:", "oggetto:", "asunto:", "cc:"};

constexpr std::array<std::string_view, 9> mobile_footers{
    "sent from my iphone",  "sent from my ipad",        "sent from my android", "sent from my samsung",
    "get outlook for ios",  "get outlook for android",  "sent from mail for windows",
    "sent from my mobile",  "sent from yahoo mail"};

constexpr std::array<std::string_view, 3> forward_markers{"begin forwarded message", "forwarded message",
                                                          "message transféré"};

bool is_blank_char(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank_char(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank_char(s.back())) s.remove_suffix(1);
  return s;
}

bool starts_with_any(std::string_view s, auto const& prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(), [&](std::string_view p) { return s.starts_with(p); });
}

bool contains_any(std::string_view s, auto const& needles) {
  return std::any_of(needles.begin(), needles.end(), [&](std::string_view n) { return s.find(n) != std::string_view::npos; });
}

struct Line {
  std::string_view text;  // without the line break, trailing blanks kept
  std::string lower;      // trimmed, lower case, leading '*' (bold) removed
  bool blank = false;
  bool quoted = false;
};

bool is_attribution(std::string_view lower) {
  if (lower.size() > max_attribution_bytes || lower.empty() || lower.back() != ':') return false;
  return std::any_of(attributions.begin(), attributions.end(), [&](const Attribution& a) {
    return lower.starts_with(a.prefix) && lower.find(a.verb) != std::string_view::npos;
  });
}

bool is_signature_separator(std::string_view text) {
  std::string_view t = text;
  if (!t.empty() && t.back() == '\r') t.remove_suffix(1);
  return t == "-- " || t == "--";
}

bool is_footer(const Line& line) {
  return line.lower.size() <= max_footer_bytes && starts_with_any(line.lower, mobile_footers);
}

bool is_original_message(const Line& line) {
  return line.lower.starts_with("-----") && contains_any(line.lower, original_message_phrases);
}

bool is_underscore_rule(const Line& line) {
  return line.lower.size() >= min_rule_underscores && line.lower.find_first_not_of('_') == std::string::npos;
}

class Lines {
 public:
  explicit Lines(std::string_view text) {
    std::size_t pos = 0;
    while (pos <= text.size()) {
      std::size_t end = text.find('\n', pos);
      if (end == std::string_view::npos) end = text.size();
      Line line;
      line.text = text.substr(pos, end - pos);
      if (!line.text.empty() && line.text.back() == '\r') line.text.remove_suffix(1);
      std::string_view t = trim(line.text);
      line.blank = t.empty();
      line.quoted = !t.empty() && t.front() == '>';
      while (!t.empty() && t.front() == '*') t.remove_prefix(1);
      line.lower = ascii_lower(t);
      lines_.push_back(std::move(line));
      if (end == text.size()) break;
      pos = end + 1;
    }
  }
  std::size_t size() const { return lines_.size(); }
  const Line& operator[](std::size_t i) const { return lines_[i]; }

  // Index of the next non-blank line at or after i, or size().
  std::size_t next_non_blank(std::size_t i) const {
    while (i < lines_.size() && lines_[i].blank) ++i;
    return i;
  }

  bool after_forward_marker(std::size_t i) const {
    std::size_t seen = 0;
    while (i > 0 && seen < forward_marker_lookback) {
      --i;
      if (lines_[i].blank) continue;
      ++seen;
      if (contains_any(lines_[i].lower, forward_markers)) return true;
    }
    return false;
  }

  bool is_outlook_block(std::size_t i) const {
    if (!starts_with_any(lines_[i].lower, from_labels)) return false;
    bool sent = false;
    bool to_or_subject = false;
    for (std::size_t k = i + 1; k < lines_.size() && k <= i + outlook_block_lines; ++k) {
      if (starts_with_any(lines_[k].lower, sent_labels)) sent = true;
      if (starts_with_any(lines_[k].lower, to_subject_labels)) to_or_subject = true;
    }
    return sent && to_or_subject && !after_forward_marker(i);
  }

  bool is_rule_before_from(std::size_t i) const {
    if (!is_underscore_rule(lines_[i])) return false;
    const std::size_t next = next_non_blank(i + 1);
    return next < lines_.size() && starts_with_any(lines_[next].lower, from_labels) && !after_forward_marker(i);
  }

  // Lines taken by an attribution starting at i: 1, 2 when wrapped, or 0.
  std::size_t attribution_length(std::size_t i) const {
    const Line& line = lines_[i];
    if (line.blank || line.quoted) return 0;
    if (is_attribution(line.lower)) return 1;
    if (i + 1 < lines_.size() && !lines_[i + 1].quoted &&
        std::any_of(attributions.begin(), attributions.end(),
                    [&](const Attribution& a) { return line.lower.starts_with(a.prefix); }) &&
        is_attribution(line.lower + " " + lines_[i + 1].lower)) {
      return 2;
    }
    return 0;
  }

 private:
  std::vector<Line> lines_;
};

std::string join(const Lines& lines, std::size_t end, const std::vector<bool>& dropped) {
  std::string out;
  bool previous_blank = true;
  for (std::size_t i = 0; i < end; ++i) {
    if (dropped[i] || lines[i].quoted) continue;
    const bool blank = lines[i].blank;
    if (blank && previous_blank) continue;  // quotes removed in the middle leave no double gaps
    std::string_view t = lines[i].text;
    while (!t.empty() && is_blank_char(t.back())) t.remove_suffix(1);
    out.append(t);
    out += '\n';
    previous_blank = blank;
  }
  while (!out.empty() && (out.back() == '\n' || is_blank_char(out.back()))) out.pop_back();
  return out;
}

std::string trimmed_whole(std::string_view text) {
  std::size_t first = 0;
  while (first < text.size() && (is_blank_char(text[first]) || text[first] == '\n')) ++first;
  std::size_t last = text.size();
  while (last > first && (is_blank_char(text[last - 1]) || text[last - 1] == '\n')) --last;
  return std::string(text.substr(first, last - first));
}

}  // namespace

std::string extract_request_text(std::string_view body_text) {
  const Lines lines(body_text);
  const std::size_t n = lines.size();

  // interleaved_from[i]: from line i on, a quoted line is followed by the
  // sender's own text, so the quote is being answered point by point and an
  // attribution above it must not cut the answers away. Computed backwards
  // once, so the scan below stays linear.
  std::vector<bool> interleaved_from(n + 1, false);
  bool own_text_after = false;
  for (std::size_t i = n; i-- > 0;) {
    const Line& line = lines[i];
    interleaved_from[i] = interleaved_from[i + 1] || (line.quoted && own_text_after);
    if (!line.blank && !line.quoted && !is_footer(line) && lines.attribution_length(i) == 0) own_text_after = true;
  }

  std::vector<bool> dropped(n, false);
  std::size_t end = n;
  for (std::size_t i = 0; i < n; ++i) {
    const Line& line = lines[i];
    if (line.quoted || line.blank) continue;
    if (is_signature_separator(line.text) || is_footer(line) || is_original_message(line) ||
        lines.is_outlook_block(i) || lines.is_rule_before_from(i)) {
      end = i;
      break;
    }
    if (const std::size_t length = lines.attribution_length(i); length > 0) {
      if (interleaved_from[i + length]) {
        for (std::size_t k = i; k < i + length; ++k) dropped[k] = true;
        i += length - 1;
        continue;
      }
      end = i;
      break;
    }
  }
  std::string result = join(lines, end, dropped);
  if (result.empty()) return trimmed_whole(body_text);
  return result;
}

}  // namespace intake::parsers
