#include "parsers/request/rating.hpp"

#include <array>
#include <utility>

#include "parsers/common/strings.hpp"

namespace intake::parsers {
namespace {

constexpr std::size_t max_comment_bytes = 1000;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim_view(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Separators between a score and its comment: "-", ":", ".", ",", "!", ")",
// and the dashes mail clients substitute for "-".
std::string_view skip_separators(std::string_view s) {
  for (;;) {
    s = trim_view(s);
    if (!s.empty() && std::string_view("-:.,!)=").find(s.front()) != std::string_view::npos) {
      s.remove_prefix(1);
    } else if (s.rfind("\xE2\x80\x93", 0) == 0 || s.rfind("\xE2\x80\x94", 0) == 0) {  // en and em dash
      s.remove_prefix(3);
    } else {
      return s;
    }
  }
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && ascii_lower(s.substr(0, prefix.size())) == prefix;
}

// What follows a digit that makes it a score: the end, a separator, "/5",
// "out of 5", "star(s)". Returns the rest after it, or nullopt.
std::optional<std::string_view> after_score(std::string_view rest) {
  const std::string_view t = trim_view(rest);
  if (t.empty()) return t;
  for (std::string_view scale : {"/5", "/ 5", "out of 5", "of 5", "stars", "star"})
    if (starts_with_ci(t, scale)) return skip_separators(t.substr(scale.size()));
  // "5." and "5)" end a line; before more text they number a list ("1. the
  // VPN still fails") or a version ("5.3"), and are no score.
  if ((t.front() == '.' || t.front() == ')') && !trim_view(t.substr(1)).empty()) return std::nullopt;
  const std::string_view s = skip_separators(t);
  if (s.size() < t.size()) return s;
  return std::nullopt;
}

std::optional<Rating> numeric_rating(std::string_view line) {
  if (line.empty() || line.front() < '1' || line.front() > '5') return std::nullopt;
  auto rest = after_score(line.substr(1));
  if (!rest) return std::nullopt;
  return Rating{line.front() - '0', std::string(*rest)};
}

// Words people answer "how did we do?" with, and the score each stands for.
// "ok" and "fine" are left out: "OK, but it fails again" reopens.
constexpr std::array<std::pair<std::string_view, int>, 10> rating_words = {{{"excellent", 5},
                                                                            {"great", 5},
                                                                            {"perfect", 5},
                                                                            {"awesome", 5},
                                                                            {"good", 4},
                                                                            {"average", 3},
                                                                            {"poor", 2},
                                                                            {"bad", 2},
                                                                            {"terrible", 1},
                                                                            {"awful", 1}}};

std::optional<Rating> word_rating(std::string_view line) {
  std::size_t n = 0;
  while (n < line.size() && ((line[n] >= 'a' && line[n] <= 'z') || (line[n] >= 'A' && line[n] <= 'Z'))) ++n;
  const std::string word = ascii_lower(line.substr(0, n));
  for (const auto& [w, score] : rating_words) {
    if (word != w) continue;
    const std::string_view rest = line.substr(n);
    const std::string_view comment = skip_separators(rest);
    // "Good morning, ..." is a greeting: the word must end the line or be
    // followed by punctuation.
    if (!trim_view(rest).empty() && comment.size() == trim_view(rest).size()) return std::nullopt;
    return Rating{score, std::string(comment)};
  }
  return std::nullopt;
}

// "rating 5", "Rating: 4", "rating=2" anywhere in the subject.
std::optional<int> subject_score(std::string_view subject) {
  const std::string s = ascii_lower(subject);
  for (std::size_t at = s.find("rating"); at != std::string::npos; at = s.find("rating", at + 1)) {
    std::string_view rest = std::string_view(s).substr(at + 6);
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == ':' || rest.front() == '=')) rest.remove_prefix(1);
    if (!rest.empty() && rest.front() >= '1' && rest.front() <= '5' && (rest.size() == 1 || !(rest[1] >= '0' && rest[1] <= '9')))
      return rest.front() - '0';
  }
  return std::nullopt;
}

// The comment: the first line's rest, then the lines after it, on one line,
// cut to a bound at a character boundary.
std::string comment_of(std::string_view first_rest, std::string_view later) {
  std::string out(trim_view(first_rest));
  later = trim_view(later);
  if (!out.empty() && !later.empty()) out += ' ';
  for (char c : later) {
    if (out.size() > max_comment_bytes) break;
    const bool blank = c == '\r' || c == '\n' || c == '\t';
    if (blank && (out.empty() || out.back() == ' ')) continue;
    out += blank ? ' ' : c;
  }
  if (out.size() > max_comment_bytes) {
    std::size_t cut = max_comment_bytes;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
  }
  return std::string(trim_view(out));
}

}  // namespace

std::optional<Rating> find_rating(std::string_view subject, std::string_view text) {
  text = trim_view(text);
  const std::size_t eol = text.find('\n');
  const std::string_view first = trim_view(text.substr(0, eol));
  const std::string_view later = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
  auto rating = numeric_rating(first);
  if (!rating) rating = word_rating(first);
  if (rating) {
    rating->comment = comment_of(rating->comment, later);
    return rating;
  }
  if (auto score = subject_score(subject)) return Rating{*score, comment_of({}, text)};
  return std::nullopt;
}

}  // namespace intake::parsers
