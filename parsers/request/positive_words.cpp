#include "parsers/request/positive_words.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "parsers/request/request_fields.hpp"

namespace intake::parsers {
namespace {

// Bytes of UTF-8 text are word bytes too, so "café" is one word.
bool word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c >= 0x80;
}

// The text as matched: bounded, typographic apostrophes as ', every run of
// white space one space. Both cases kept (first names are matched as written).
std::string normalize(std::string_view text) {
  text = text.substr(0, std::min(text.size(), max_scanned_text_bytes));
  std::string out;
  out.reserve(text.size());
  bool space = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == 0xE2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(text[i + 2]) == 0x98 || static_cast<unsigned char>(text[i + 2]) == 0x99)) {
      out += '\'';  // U+2018, U+2019
      i += 2;
      space = false;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      if (!space) out += ' ';
      space = true;
      continue;
    }
    out += static_cast<char>(c);
    space = false;
  }
  return out;
}

// `phrase` (already lower case, spaces single) as a whole word at or after `from`.
std::size_t find_phrase(std::string_view text, std::string_view phrase, std::size_t from = 0) {
  if (phrase.empty()) return std::string_view::npos;
  // A phrase that itself starts or ends with a non-word byte ("+1") needs no
  // boundary on that side.
  const bool edge_start = word_byte(static_cast<unsigned char>(phrase.front()));
  const bool edge_end = word_byte(static_cast<unsigned char>(phrase.back()));
  for (std::size_t at = text.find(phrase, from); at != std::string_view::npos; at = text.find(phrase, at + 1)) {
    const bool start_ok = !edge_start || at == 0 || !word_byte(static_cast<unsigned char>(text[at - 1]));
    const std::size_t end = at + phrase.size();
    const bool end_ok = !edge_end || end >= text.size() || !word_byte(static_cast<unsigned char>(text[end]));
    if (start_ok && end_ok) return at;
  }
  return std::string_view::npos;
}

// The word just before `at` (lower case), skipping spaces and commas.
std::string_view word_before(std::string_view lower, std::size_t at) {
  std::size_t end = at;
  while (end > 0 && (lower[end - 1] == ' ' || lower[end - 1] == ',')) --end;
  std::size_t start = end;
  while (start > 0 && (word_byte(static_cast<unsigned char>(lower[start - 1])) || lower[start - 1] == '\'')) --start;
  return lower.substr(start, end - start);
}

bool negated(std::string_view lower, std::size_t at) {
  static const std::set<std::string_view> negations = {"not", "no", "never", "don't", "dont", "doesn't", "didn't",
                                                       "hardly", "cannot", "can't", "isn't", "wasn't", "without"};
  return negations.count(word_before(lower, at)) > 0;
}

// Any entry of `list` said (not negated) in `lower`; appends the entries found to `found`.
bool says_any(std::string_view lower, const std::vector<std::string>& list, std::vector<std::string>* found) {
  bool any = false;
  for (const auto& entry : list) {
    const std::string phrase = ascii_lower(normalize(entry));
    for (std::size_t at = find_phrase(lower, phrase); at != std::string_view::npos; at = find_phrase(lower, phrase, at + 1)) {
      if (negated(lower, at)) continue;
      any = true;
      if (found) found->push_back(entry);
      break;
    }
  }
  return any;
}

// Sentences: ended by a line break, '!' or '?', or '.' before white space or
// the end (so "chris.doe@example.test" stays whole).
std::vector<std::pair<std::size_t, std::size_t>> sentences(std::string_view text) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    const bool end = i == text.size() || text[i] == '\n' || text[i] == '!' || text[i] == '?' ||
                     (text[i] == '.' && (i + 1 == text.size() || text[i + 1] == ' ' || text[i + 1] == '\n'));
    if (!end) continue;
    if (i > start) out.emplace_back(start, i - start);
    start = i + 1;
  }
  return out;
}

std::string first_name(const std::string& name) {
  const auto space = name.find(' ');
  return space == std::string::npos ? std::string() : name.substr(0, space);
}

// How many employees go by each first name.
std::map<std::string, int> count_first_names(const std::vector<Employee>& directory) {
  std::map<std::string, int> first_names;
  for (const auto& e : directory) {
    const std::string f = first_name(e.name);
    if (!f.empty()) ++first_names[f];
  }
  return first_names;
}

// Whether a sentence (`low` lower case, `orig` as written) names `e` by
// address, full name, or a first name of at least 3 letters nobody else has.
bool names_employee(std::string_view low, std::string_view orig, const Employee& e,
                    const std::map<std::string, int>& first_names) {
  if (find_phrase(low, ascii_lower(e.address)) != std::string_view::npos) return true;
  if (!e.name.empty() && find_phrase(low, ascii_lower(normalize(e.name))) != std::string_view::npos) return true;
  const std::string f = first_name(e.name);
  if (f.size() < 3) return false;
  const auto shared = first_names.find(f);
  return shared != first_names.end() && shared->second == 1 && find_phrase(orig, f) != std::string_view::npos;
}

}  // namespace

Tone read_tone(std::string_view text, const TallyConfig& words) {
  const std::string lower = ascii_lower(normalize(text));
  Tone t;
  t.agrees = says_any(lower, words.agree_words, &t.words);
  t.thanks = says_any(lower, words.thanks_words, &t.words);
  t.praises = says_any(lower, words.praise_words, &t.words);
  return t;
}

std::vector<std::string> find_kudos(std::string_view text, const TallyConfig& words, const std::vector<Employee>& directory,
                                    std::string_view sender_address) {
  const std::string original = normalize(text);
  const std::string lower = ascii_lower(original);
  const std::string sender = address_without_plus(sender_address);
  // First names shared by two employees identify nobody.
  const std::map<std::string, int> first_names = count_first_names(directory);
  std::vector<bool> credited(directory.size(), false);
  std::size_t looked_at = 0;
  for (const auto& [start, size] : sentences(original)) {
    const std::string_view low = std::string_view(lower).substr(start, size);
    const std::string_view orig = std::string_view(original).substr(start, size);
    if (!says_any(low, words.thanks_words, nullptr) && !says_any(low, words.praise_words, nullptr)) continue;
    if (++looked_at > 100) break;  // a hostile text of nothing but thanks stays cheap
    for (std::size_t i = 0; i < directory.size(); ++i) {
      const Employee& e = directory[i];
      if (credited[i] || e.address.empty() || address_without_plus(e.address) == sender) continue;
      credited[i] = names_employee(low, orig, e, first_names);
    }
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < directory.size(); ++i)
    if (credited[i]) out.push_back(address_without_plus(directory[i].address));
  return out;
}

}  // namespace intake::parsers
