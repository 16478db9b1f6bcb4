#include "parsers/request/asked_time.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <initializer_list>
#include <vector>

namespace intake::parsers {
namespace {

struct Span {
  std::size_t begin = 0, end = 0;
};

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }
bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// Rule 1. text[i] ends a sentence.
bool ends_sentence(std::string_view text, std::size_t i) {
  const char c = text[i];
  if (c == '!' || c == '?') return true;
  if (c == '.') return i + 1 == text.size() || is_blank(text[i + 1]) || text[i + 1] == '\n';
  if (c != '\n') return false;
  // A wrapped line goes on in lower case; a blank line, a capital or a bullet
  // starts something new. The look-ahead is bounded (a run of spaces is cheap).
  std::size_t j = i + 1;
  for (int k = 0; j < text.size() && k < 8 && is_blank(text[j]); ++j, ++k) {
  }
  if (j >= text.size()) return true;
  const auto n = static_cast<unsigned char>(text[j]);
  return n == '\n' || std::isupper(n) != 0 || n == '-' || n == '*' || n == '>' || n == 0xE2;  // 0xE2: "•", "–"
}

// text[i] ends a clause: a sentence's end, or , ; : ( ) and a spaced dash, but
// not the colon of "15:30".
bool ends_clause(std::string_view text, std::size_t i) {
  const char c = text[i];
  if (c == ',' || c == ';' || c == '(' || c == ')') return true;
  if (c == ':') return !(i > 0 && i + 1 < text.size() && is_digit(text[i - 1]) && is_digit(text[i + 1]));
  if (c == '-') return i > 0 && i + 1 < text.size() && is_blank(text[i - 1]) && is_blank(text[i + 1]);
  if (static_cast<unsigned char>(c) == 0xE2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80) {
    const auto d = static_cast<unsigned char>(text[i + 2]);
    if (d == 0x93 || d == 0x94) return true;  // – —
  }
  return ends_sentence(text, i);
}

// The span around [begin, end) up to the nearest `ends` on either side (the
// closing character included), within `limit` and max_sentence_reach_bytes.
template <typename Ends>
Span around(std::string_view text, Span limit, std::size_t begin, std::size_t end, const Ends& ends) {
  const std::size_t lo = std::max(limit.begin, begin > max_sentence_reach_bytes ? begin - max_sentence_reach_bytes : 0);
  const std::size_t hi = std::min(limit.end, end + max_sentence_reach_bytes);
  std::size_t b = begin;
  while (b > lo && !ends(text, b - 1)) --b;
  // A phrase may end a sentence itself ("by 3 p.m.").
  if (end > begin && ends(text, end - 1)) return {b, end};
  std::size_t e = end;
  while (e < hi && !ends(text, e)) ++e;
  return {b, e < hi ? e + 1 : e};
}

// -------------------------------------------------------------- words ----
bool is_word_byte(unsigned char c) { return std::isalnum(c) != 0 || c == '\'' || c >= 0x80; }

// `word` (lower case) with a typographic apostrophe (U+2019) read as '.
bool word_is(std::string_view word, std::string_view want) {
  std::size_t i = 0, j = 0;
  while (i < word.size() && j < want.size()) {
    if (want[j] == '\'' && word.compare(i, 3, "\xE2\x80\x99") == 0) {
      i += 3;
      ++j;
      continue;
    }
    if (word[i] != want[j]) return false;
    ++i;
    ++j;
  }
  return i == word.size() && j == want.size();
}

using List = std::initializer_list<std::string_view>;

bool in(std::string_view word, List list) {
  return std::any_of(list.begin(), list.end(), [&](std::string_view w) { return word_is(word, w); });
}

// The words of one sentence, with where each starts and ends.
class Words {
 public:
  Words(std::string_view lower, Span span) : lower_(lower) {
    for (std::size_t i = span.begin; i < span.end;) {
      if (!is_word_byte(static_cast<unsigned char>(lower[i]))) {
        ++i;
        continue;
      }
      const std::size_t b = i;
      while (i < span.end && is_word_byte(static_cast<unsigned char>(lower[i]))) ++i;
      spans_.push_back({b, i});
    }
  }
  std::size_t size() const { return spans_.size(); }
  std::string_view operator[](std::size_t i) const {
    return i < spans_.size() ? lower_.substr(spans_[i].begin, spans_[i].end - spans_[i].begin) : std::string_view{};
  }
  // The first word starting at or after `at`.
  std::size_t first_at(std::size_t at) const {
    return static_cast<std::size_t>(std::find_if(spans_.begin(), spans_.end(), [&](const Span& s) { return s.begin >= at; }) -
                                    spans_.begin());
  }
  bool is(std::size_t i, std::string_view want) const { return i < spans_.size() && word_is((*this)[i], want); }
  bool is_any(std::size_t i, List list) const { return i < spans_.size() && in((*this)[i], list); }

 private:
  std::string_view lower_;
  std::vector<Span> spans_;
};

// ------------------------------------------------------------- markers ---
// Rule 2. Each returns how many words the marker at `i` takes, 0 for none.

std::size_t past_at(const Words& w, std::size_t i) {
  return w.is_any(i, {"yesterday", "last", "ago", "was", "were", "wasn't", "weren't", "had", "hadn't", "did", "didn't",
                      "happened", "broke", "stopped", "started", "crashed", "failed", "since", "earlier", "sent", "went",
                      "came", "wrote"})
             ? 1
             : 0;
}

// Where someone is or will be: "I'm at", "we are out", "I'll be back",
// "is closed". Up to three words may stand between ("I'm not going to be in").
std::size_t being_somewhere_at(const Words& w, std::size_t i) {
  std::size_t next = 0;
  if (w.is_any(i, {"i'm", "im", "we're", "is", "are", "isn't", "aren't"})) next = i + 1;
  else if ((w.is_any(i, {"i", "we"}) && w.is(i + 1, "am")) ||
           (w.is_any(i, {"i'll", "we'll", "it'll", "will", "won't"}) && w.is(i + 1, "be")))
    next = i + 2;
  else if (w.is_any(i, {"i", "we"}) && w.is(i + 1, "will") && w.is(i + 2, "be")) next = i + 3;
  if (next == 0) return 0;
  for (std::size_t k = next; k < next + 4 && k < w.size(); ++k) {
    if (w.is_any(k, {"at", "in", "on", "out", "away", "off", "travelling", "traveling", "back", "flying", "visiting",
                     "abroad", "unavailable", "available", "home", "leaving", "offline", "gone", "there", "here",
                     "closed", "working", "driving", "commuting", "ooo"}))
      return k + 1 - i;
    if (!w.is_any(k, {"not", "still", "only", "also", "currently", "probably", "going", "to", "be", "mostly", "all",
                      "both", "then"}))
      return 0;
  }
  return 0;
}

std::size_t plans_at(const Words& w, std::size_t i) {
  if (const std::size_t n = being_somewhere_at(w, i)) return n;
  if (w.is(i, "on") && w.is_any(i + 1, {"leave", "holiday", "holidays", "vacation"})) return 2;
  if (w.is_any(i, {"annual", "sick", "parental", "maternity", "paternity"}) && w.is(i + 1, "leave")) return 2;
  if (w.is(i, "out") && w.is(i + 1, "of") && w.is(i + 2, "office")) return 3;
  if (w.is(i, "out") && w.is(i + 1, "of") && w.is(i + 2, "the") && w.is(i + 3, "office")) return 4;
  if (w.is(i, "ooo")) return 1;
  if (w.is_any(i, {"day", "days", "time"}) && w.is(i + 1, "off")) return 2;
  if (w.is_any(i, {"i", "we"}) && w.is_any(i + 1, {"leave", "fly", "travel", "return", "arrive", "depart", "go"})) return 2;
  if (w.is_any(i, {"i", "we"}) && w.is(i + 1, "have") && w.is_any(i + 2, {"a", "an", "my", "our"})) return 3;
  if (w.is_any(i, {"i've", "we've"}) && w.is_any(i + 1, {"a", "an", "got"})) return 2;
  if (w.is_any(i, {"my", "our"}) &&
      w.is_any(i + 1, {"flight", "train", "meeting", "demo", "appointment", "trip", "holiday", "holidays", "vacation",
                       "leave", "shift", "presentation", "call", "interview", "surgery"}))
    return 2;
  return 0;
}

// A range's start close before the phrase: "from 21 to 23 December", "between
// the 3rd and 4 December" (a period, not a time by which).
std::size_t range_at(const Words& w, std::size_t i, std::size_t first) {
  return first > i && first - i <= 4 && w.is_any(i, {"from", "between"}) ? 1 : 0;
}

// --------------------------------------------------------------- asking ---
// Rule 3. How many words the asking phrase at `i` takes, 0 for none.
std::size_t asks_at(const Words& w, std::size_t i) {
  if (w.is_any(i, {"need", "needs", "needed", "want", "wants", "please", "pls", "plz", "kindly", "deadline", "due",
                   "asap", "require", "required", "requires", "must", "urgent", "urgently", "latest"}))
    return 1;
  List modal = {"can", "could", "would", "will", "can't", "couldn't", "won't", "wouldn't"};
  List someone = {"you", "u", "someone", "somebody", "anyone", "anybody", "ya"};
  if (w.is_any(i, modal) && (w.is_any(i + 1, someone) || w.is_any(i + 1, {"i", "we", "it", "this", "that"}))) return 2;
  if (w.is_any(i, someone) && w.is_any(i + 1, modal)) return 2;  // "if you could"
  if (w.is_any(i, {"i'd", "we'd", "id"}) && w.is_any(i + 1, {"like", "appreciate"})) return 2;
  if (w.is_any(i, {"would", "should"}) && w.is_any(i + 1, {"like", "appreciate"})) return 2;
  if (w.is_any(i, {"would", "will"}) && w.is(i + 1, "be") &&
      w.is_any(i + 2, {"great", "good", "nice", "ideal", "perfect", "fine", "ok", "okay", "helpful", "appreciated", "best",
                       "lovely", "brilliant"}))
    return 3;
  if (w.is_any(i, {"is", "are"}) && w.is_any(i + 1, {"fine", "ok", "okay", "perfect", "great"})) return 2;
  if (w.is_any(i, {"have", "has", "needs"}) && w.is(i + 1, "to")) return 2;
  return 0;
}

// Rule 3, the sentence's first word: a verb of command.
bool commands_at(const Words& w, std::size_t i) {
  return w.is_any(i, {"fix", "send", "set", "install", "reset", "check", "look", "call", "order", "book", "deliver", "ship",
                      "create", "add", "remove", "update", "give", "grant", "make", "prepare", "let", "get", "arrange",
                      "change", "replace", "repair", "restore", "unlock", "enable", "disable", "configure", "schedule",
                      "move", "cancel", "approve", "renew", "extend", "keep", "finish", "complete", "do", "bring",
                      "provide", "sort", "return", "reply", "respond", "confirm", "process", "pay", "share", "upload",
                      "print", "email", "ping", "contact", "ensure", "reserve", "activate", "deactivate", "delete"});
}

// Rule 4: words that leave a sentence "the phrase alone".
bool is_filler(std::string_view word) {
  return in(word, {"please", "pls", "plz", "thanks", "thank", "you", "ty", "thx", "cheers", "by", "before", "until", "till",
                   "on", "at", "the", "latest", "ideally", "preferably", "if", "possible", "is", "would", "be", "fine",
                   "ok", "okay", "great", "good", "perfect", "asap", "or", "and", "hi", "hello", "hey", "then", "so",
                   "maybe", "works", "for", "me", "us", "it", "that", "this"});
}

// The phrase in its sentence and clause, as word indexes.
struct PhraseWords {
  const Words& w;
  Span sentence, clause;
  std::size_t first, after;      // the phrase's first word, the first word after it
  std::size_t c_first, c_after;  // the clause's
};

// Headed by an asking preposition, inside the phrase ("by Friday") or just
// before it ("by 4 December").
bool headed_by_asking(const PhraseWords& p) {
  const Words& w = p.w;
  const std::size_t first = p.first;
  if (w.is_any(first, {"by", "before", "due", "deadline"}) ||
      (w.is(first, "no") && w.is(first + 1, "later") && w.is(first + 2, "than")))
    return true;
  if (first > p.c_first && w.is_any(first - 1, {"by", "before", "due", "deadline"})) return true;
  return first >= p.c_first + 3 && w.is(first - 3, "no") && w.is(first - 2, "later") && w.is(first - 1, "than");
}

bool asked_between(const Words& w, std::size_t from, std::size_t to) {
  for (std::size_t k = from; k < to; ++k)
    if (asks_at(w, k) != 0) return true;
  return false;
}

enum class Marks { none, in_sentence, refuse };
// Rule 2, within the clause: a past or plans marker not separated from the
// phrase by asking words refuses it; `in_sentence` when the sentence has such
// words at all (rule 4).
Marks plans_and_past(const PhraseWords& p, bool headed) {
  const Words& w = p.w;
  Marks marks = Marks::none;
  for (std::size_t i = 0; i < w.size(); ++i) {
    if (i >= p.first && i < p.after) continue;
    // "Back on Monday." opening a clause, as auto-replies write it; "get back
    // to me tomorrow" asks.
    const std::size_t back = i == p.c_first && w.is(i, "back") ? 1 : 0;
    const std::size_t n = std::max({past_at(w, i), plans_at(w, i), range_at(w, i, p.first), back});
    if (n == 0) continue;
    marks = Marks::in_sentence;
    if (i < p.c_first || i >= p.c_after || headed) continue;
    if (i < p.first && !asked_between(w, std::min(i + n, p.first), p.first)) return Marks::refuse;
    if (i >= p.after && !asked_between(w, p.after, i)) return Marks::refuse;
  }
  return marks;
}

// Rule 3: a question, an asking head, "first thing", asking words or a command.
bool sentence_asks(std::string_view text, const PhraseWords& p, bool headed) {
  const Words& w = p.w;
  if (p.sentence.end > 0 && text[p.sentence.end - 1] == '?') return true;
  if (headed || (w.is(p.first, "first") && w.is(p.first + 1, "thing"))) return true;
  for (std::size_t i = 0; i < w.size(); ++i)
    if (asks_at(w, i) != 0) return true;
  return commands_at(w, 0) || commands_at(w, p.c_first);
}

// Rule 4: the sentence is the phrase and fillers, after a greeting clause
// ("Hi Bob, tomorrow morning works for me."); "On Monday, Alice wrote" is not.
bool only_fillers(std::string_view text, const PhraseWords& p) {
  const Words& w = p.w;
  std::size_t from = 0;
  if (w.is_any(0, {"hi", "hello", "hey", "dear", "morning"}) && p.c_first > 0) {
    std::size_t greeting_end = p.sentence.begin;
    while (greeting_end < p.clause.begin && !ends_clause(text, greeting_end)) ++greeting_end;
    from = w.first_at(greeting_end);
  }
  for (std::size_t i = from; i < w.size(); ++i)
    if ((i < p.first || i >= p.after) && !is_filler(w[i])) return false;
  return true;
}

}  // namespace

bool asks_for_time(std::string_view text, std::string_view lower, std::size_t begin, std::size_t end) {
  if (begin >= end || end > text.size() || lower.size() != text.size()) return false;
  const Span sentence = around(text, {0, text.size()}, begin, end, ends_sentence);
  const Span clause = around(text, sentence, begin, end, ends_clause);
  const Words w(lower, sentence);
  const PhraseWords p{w, sentence, clause, w.first_at(begin), w.first_at(end), w.first_at(clause.begin), w.first_at(clause.end)};
  const bool headed = headed_by_asking(p);
  const Marks marks = plans_and_past(p, headed);
  if (marks == Marks::refuse) return false;
  if (sentence_asks(text, p, headed)) return true;
  if (marks == Marks::in_sentence) return false;
  return only_fillers(text, p);
}

}  // namespace intake::parsers
