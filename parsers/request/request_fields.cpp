#include "parsers/request/request_fields.hpp"

#include "parsers/request/asked_time.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <date/date.h>
#include <map>
#include <memory>
#include <span>
#include <unordered_map>

namespace intake::parsers {
namespace {

// ---------------------------------------------------------------- PCRE2 ----
// Requirement patterns come from the config and the text from anyone: PCRE2
// (a well-kept engine with match and depth limits) rather than std::regex,
// whose libstdc++ implementation recurses per character and can overflow the
// stack on long input.
struct CodeDeleter {
  void operator()(pcre2_code* c) const { pcre2_code_free(c); }
};
struct MatchDataDeleter {
  void operator()(pcre2_match_data* m) const { pcre2_match_data_free(m); }
};
struct ContextDeleter {
  void operator()(pcre2_match_context* c) const { pcre2_match_context_free(c); }
};
using Code = std::unique_ptr<pcre2_code, CodeDeleter>;

constexpr uint32_t compile_options = PCRE2_CASELESS | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_UCP;
constexpr uint32_t match_limit = 1'000'000;  // backtracking steps per match attempt
constexpr uint32_t depth_limit = 10'000;

Code compile(const std::string& pattern, std::string* error) {
  int code = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* c = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), compile_options, &code,
                                &offset, nullptr);
  if (c == nullptr && error != nullptr) {
    std::array<PCRE2_UCHAR, 256> buffer{};
    pcre2_get_error_message(code, buffer.data(), buffer.size());
    *error = std::string(reinterpret_cast<const char*>(buffer.data())) + " at offset " + std::to_string(offset);
  }
  return Code(c);
}

// Compiled once per pattern and thread; the config's patterns are few.
const pcre2_code* cached(const std::string& pattern) {
  static thread_local std::unordered_map<std::string, Code> cache;
  auto it = cache.find(pattern);
  if (it != cache.end()) return it->second.get();
  if (cache.size() > 512) cache.clear();
  return cache.emplace(pattern, compile(pattern, nullptr)).first->second.get();
}

struct Match {
  std::size_t begin = 0, end = 0;
  std::vector<std::string> groups;  // group 1..n; empty string where unset
};

// The first match at or after `from`.
std::optional<Match> search(const pcre2_code* code, std::string_view text, std::size_t from = 0) {
  if (code == nullptr || from > text.size()) return std::nullopt;
  static thread_local std::unique_ptr<pcre2_match_context, ContextDeleter> context = [] {
    std::unique_ptr<pcre2_match_context, ContextDeleter> c(pcre2_match_context_create(nullptr));
    pcre2_set_match_limit(c.get(), match_limit);
    pcre2_set_depth_limit(c.get(), depth_limit);
    return c;
  }();
  std::unique_ptr<pcre2_match_data, MatchDataDeleter> data(pcre2_match_data_create_from_pattern(code, nullptr));
  const int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), from, 0, data.get(), context.get());
  if (rc <= 0) return std::nullopt;  // no match, or over a limit: not found
  const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(data.get());
  Match m;
  m.begin = ov[0];
  m.end = ov[1];
  for (std::size_t g = 1; g < static_cast<std::size_t>(rc); ++g) {
    if (ov[2 * g] == PCRE2_UNSET) m.groups.emplace_back();
    else m.groups.emplace_back(text.substr(ov[2 * g], ov[2 * g + 1] - ov[2 * g]));
  }
  uint32_t count = 0;
  pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &count);
  while (m.groups.size() < count) m.groups.emplace_back();
  return m;
}

bool matches(const std::string& pattern, std::string_view text) { return search(cached(pattern), text).has_value(); }

std::string_view bounded(std::string_view text) { return text.substr(0, std::min(text.size(), max_scanned_text_bytes)); }

// ------------------------------------------------------------ words --------
bool is_word_byte(unsigned char c) { return std::isalnum(c) != 0 || c >= 0x80; }

// `phrase` (lower case) in `text_lower` at word boundaries.
std::size_t find_word(std::string_view text_lower, std::string_view phrase, std::size_t from = 0) {
  if (phrase.empty()) return std::string_view::npos;
  for (std::size_t at = text_lower.find(phrase, from); at != std::string_view::npos; at = text_lower.find(phrase, at + 1)) {
    const bool left = at == 0 || !is_word_byte(static_cast<unsigned char>(text_lower[at - 1]));
    const std::size_t end = at + phrase.size();
    const bool right = end >= text_lower.size() || !is_word_byte(static_cast<unsigned char>(text_lower[end]));
    if (left && right) return at;
  }
  return std::string_view::npos;
}

// The subject without leading "Re:", "Fwd:", "AW:" and the like.
std::string_view strip_reply_prefixes(std::string_view subject) {
  while (true) {
    const auto b = subject.find_first_not_of(" \t");
    if (b == std::string_view::npos) return {};
    subject.remove_prefix(b);
    bool stripped = false;
    for (std::string_view p : {"re:", "fwd:", "fw:", "aw:", "wg:", "tr:", "sv:", "vs:"}) {
      if (subject.size() >= p.size() && ascii_lower(subject.substr(0, p.size())) == p) {
        subject.remove_prefix(p.size());
        stripped = true;
        break;
      }
    }
    if (!stripped) return subject;
  }
}

// "[IT] laptop" or "IT: laptop" -> "it"; empty when the subject has no tag.
std::string subject_tag(std::string_view subject) {
  subject = strip_reply_prefixes(subject);
  if (!subject.empty() && subject[0] == '[') {
    const auto close = subject.find(']');
    if (close != std::string_view::npos && close > 1 && close <= 31) return ascii_lower(trimmed(subject.substr(1, close - 1)));
    return {};
  }
  const auto colon = subject.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 30) return {};
  const std::string_view word = subject.substr(0, colon);
  if (word.find_first_of(" \t") != std::string_view::npos) return {};
  return ascii_lower(word);
}

bool equals_any(const std::string& lower_value, const std::vector<std::string>& list) {
  return std::any_of(list.begin(), list.end(), [&](const std::string& x) { return ascii_lower(x) == lower_value; });
}

const CategoryConfig* category_for_tag(const Config& config, const std::string& tag) {
  if (tag.empty()) return nullptr;
  for (const auto& c : config.categories)
    if (ascii_lower(c.name) == tag || equals_any(tag, c.tags)) return &c;
  return nullptr;
}

// ---------------------------------------------------------- routing --------
// Each way of routing, in route_request's order; nullopt when it decides nothing.

// A copy to the shared address with a plus tag naming a category (requests+it@).
std::optional<Routing> route_by_plus_address(const std::vector<const Address*>& recipients, const MailboxConfig& mailbox,
                                             const Config& config) {
  const std::string shared = address_without_plus(mailbox.address);
  for (const Address* a : recipients) {
    if (address_without_plus(a->address) != shared) continue;
    if (const CategoryConfig* c = category_for_tag(config, plus_tag(a->address)))
      return Routing{c->name, "plus address " + ascii_lower(a->address)};
  }
  return std::nullopt;
}

std::optional<Routing> route_by_subject_tag(const Email& email, const Config& config) {
  const std::string tag = subject_tag(email.subject);
  if (tag.empty()) return std::nullopt;
  if (const CategoryConfig* c = category_for_tag(config, tag)) return Routing{c->name, "subject tag " + tag};
  return std::nullopt;
}

// A recipient that is a category's own address.
std::optional<Routing> route_by_address(const std::vector<const Address*>& recipients, const Config& config) {
  for (const Address* a : recipients) {
    const std::string addr = address_without_plus(a->address);
    for (const auto& c : config.categories)
      for (const auto& ca : c.addresses)
        if (address_without_plus(ca) == addr) return Routing{c.name, "address " + addr};
  }
  return std::nullopt;
}

// Keywords: the category with the most distinct keywords found wins; the
// first in the config on a tie.
std::optional<Routing> route_by_keywords(const Email& email, const Config& config) {
  const std::string text = ascii_lower(email.subject) + "\n" + ascii_lower(bounded(email.request_text));
  const CategoryConfig* best = nullptr;
  std::size_t best_hits = 0;
  std::string best_word;
  for (const auto& c : config.categories) {
    std::size_t hits = 0;
    std::string first;
    for (const auto& k : c.keywords) {
      if (find_word(text, ascii_lower(k)) == std::string::npos) continue;
      if (hits++ == 0) first = k;
    }
    if (hits > best_hits) {
      best = &c;
      best_hits = hits;
      best_word = first;
    }
  }
  if (best != nullptr) return Routing{best->name, "keyword " + best_word};
  return std::nullopt;
}

std::optional<Routing> route_by_department(const Config& config, const Employee* requester) {
  if (requester == nullptr || requester->department.empty()) return std::nullopt;
  const std::string dept = ascii_lower(requester->department);
  for (const auto& c : config.categories)
    if (equals_any(dept, c.departments)) return Routing{c.name, "department " + requester->department};
  return std::nullopt;
}

// ------------------------------------------------------------ times --------
using date::days;
using date::sys_days;
using date::year_month_day;

sys_days to_days(const LocalTime& t) { return sys_days(date::year{t.year} / date::month{t.month} / date::day{t.day}); }

LocalTime at_time(sys_days d, int hour, int minute) {
  const year_month_day ymd(d);
  return LocalTime{static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), hour,
                   minute};
}

unsigned weekday_of(sys_days d) { return date::weekday(d).c_encoding(); }  // 0 = Sunday
int minutes_of(const LocalTime& t) { return t.hour * 60 + t.minute; }

// A minute of the day as a time of day: 24:00 (a range ending at midnight)
// reads 23:59, so the result stays a time on that day.
LocalTime at_minute(sys_days d, int minute) {
  minute = std::clamp(minute, 0, 23 * 60 + 59);
  return at_time(d, minute / 60, minute % 60);
}

// Where the morning ends and the afternoon starts, for "tomorrow morning",
// "first afternoon".
constexpr int noon_minute = 12 * 60;
constexpr int afternoon_minute = 13 * 60;
// How far ahead "first thing" looks for an opening before it gives up (a week
// with no open day) and takes the day asked for at 09:00.
constexpr int max_days_to_opening = 14;

const std::map<std::string, unsigned> month_numbers = {
    {"jan", 1}, {"january", 1}, {"feb", 2}, {"february", 2}, {"mar", 3}, {"march", 3}, {"apr", 4}, {"april", 4},
    {"may", 5}, {"jun", 6}, {"june", 6}, {"jul", 7}, {"july", 7}, {"aug", 8}, {"august", 8}, {"sep", 9}, {"sept", 9},
    {"september", 9}, {"oct", 10}, {"october", 10}, {"nov", 11}, {"november", 11}, {"dec", 12}, {"december", 12}};
const std::map<std::string, unsigned> weekday_numbers = {
    {"sunday", 0}, {"monday", 1}, {"tuesday", 2}, {"wednesday", 3}, {"thursday", 4}, {"friday", 5}, {"saturday", 6},
    {"sun", 0}, {"mon", 1}, {"tue", 2}, {"tues", 2}, {"wed", 3}, {"thu", 4}, {"thur", 4}, {"thurs", 4}, {"fri", 5}, {"sat", 6}};

constexpr const char* months_alt =
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|"
    "dec(?:ember)?";
// The same without a bare "may" (as in "may 2 of us come"), for month-first dates.
constexpr const char* months_alt_no_may =
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|"
    "dec(?:ember)?";
constexpr const char* weekdays_alt =
    "monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thu(?:rs?)?|fri|sat|sun";
// A clock time: "3pm", "3 pm", "15:00", "10:30am", "noon".
constexpr const char* clock_re = "(noon|midday|\\d{1,2}(?::\\d{2})?\\s*(?:am|pm|a\\.m\\.|p\\.m\\.)|\\d{1,2}:\\d{2})";

// "3pm" -> 15:00; nullopt when it is not a time of day.
std::optional<std::pair<int, int>> parse_clock(std::string s) {
  s = ascii_lower(s);
  if (s == "noon" || s == "midday") return std::pair{12, 0};
  int hour = 0, minute = 0;
  std::size_t i = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && i < 2) hour = hour * 10 + (s[i++] - '0');
  if (i < s.size() && s[i] == ':') {
    ++i;
    for (int k = 0; k < 2 && i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++k) minute = minute * 10 + (s[i++] - '0');
  }
  const std::string rest = trimmed(s.substr(i));
  const bool pm = !rest.empty() && rest[0] == 'p';
  const bool am = !rest.empty() && rest[0] == 'a';
  if (am || pm) {
    if (hour < 1 || hour > 12) return std::nullopt;
    if (pm && hour != 12) hour += 12;
    if (am && hour == 12) hour = 0;
  }
  if (hour > 23 || minute > 59) return std::nullopt;
  return std::pair{hour, minute};
}

struct Candidate {
  std::size_t begin = 0, end = 0;
  LocalTime by;
};

// A clock time right after a date phrase ("Friday at 3pm", "4 December, 10:00").
std::optional<std::pair<int, int>> trailing_clock(std::string_view lower, std::size_t at, std::size_t* end) {
  static const std::string pattern = std::string("\\G(?:\\s*,)?\\s*(?:at|by|before|until|till|,)?\\s*") + clock_re;
  auto m = search(cached(pattern), lower, at);
  if (!m || m->begin != at) return std::nullopt;
  auto clock = parse_clock(m->groups[0]);
  if (clock) *end = m->end;
  return clock;
}

// The time phrases of one text, each family read by its own member; every
// phrase found is a candidate, and find_requested_time picks among them.
class TimeFinder {
 public:
  TimeFinder(std::string_view text, const LocalTime& now, const WorkingWeek& week)
      : lower_(ascii_lower(text)), now_(now), today_(to_days(now)), week_(week) {}

  const std::string& lower() const { return lower_; }

  std::vector<Candidate> find() {
    iso_dates();
    day_month_dates();
    weekdays();
    end_of_week();
    today_words();
    tomorrow();
    first_thing();
    first_morning_or_afternoon();
    in_the_morning();
    clock_alone();
    return std::move(found_);
  }

 private:
  // Calls `each` on every match of `pattern` in the text, left to right.
  template <typename Each>
  void each_match(const std::string& pattern, const Each& each) {
    const pcre2_code* code = cached(pattern);
    for (std::size_t from = 0; from <= lower_.size();) {
      auto m = search(code, lower_, from);
      if (!m) break;
      each(*m);
      from = m->end > m->begin ? m->end : m->end + 1;
    }
  }

  void add(std::size_t begin, std::size_t end, LocalTime by) { found_.push_back({begin, end, by}); }

  // ---- the working day
  const WorkingDay& day(sys_days d) const { return week_.days[weekday_of(d)]; }
  // Where a day ends: the desk's last closing, or day_end_minute when closed.
  LocalTime end_of(sys_days d) const {
    return at_minute(d, day(d).is_open() ? day(d).close_minute : week_.day_end_minute);
  }
  // The end of that day's morning: noon, or the close when that comes first.
  LocalTime morning_of(sys_days d) const {
    return at_minute(d, day(d).is_open() ? std::min(noon_minute, day(d).close_minute) : noon_minute);
  }
  bool has_afternoon(sys_days d) const { return day(d).is_open() && day(d).close_minute > afternoon_minute; }
  int afternoon_start(sys_days d) const { return std::max(afternoon_minute, day(d).open_minute); }
  // The desk's first opening on `d` or the next open day; at `from_minute` or
  // later on `d` itself.
  LocalTime opening_from(sys_days d, int from_minute = 0) const {
    for (int n = 0; n < max_days_to_opening; ++n, d += days{1}, from_minute = 0)
      if (day(d).is_open() && day(d).open_minute >= from_minute) return at_minute(d, day(d).open_minute);
    return at_time(d - days{max_days_to_opening}, 9, 0);
  }
  // The next afternoon's start, on `d` or after (skipping days that close by 13:00).
  LocalTime afternoon_from(sys_days d, int from_minute = 0) const {
    for (int n = 0; n < max_days_to_opening; ++n, d += days{1}, from_minute = 0)
      if (has_afternoon(d) && afternoon_start(d) >= from_minute) return at_minute(d, afternoon_start(d));
    return at_time(d - days{max_days_to_opening}, 13, 0);
  }
  // The next day (today or later) whose morning (or afternoon) is still ahead:
  // the desk opens that day and has not opened yet (not yet reached 13:00).
  sys_days next_morning_day() const {
    sys_days d = today_;
    if (day(d).is_open() && minutes_of(now_) < day(d).open_minute) return d;
    for (int n = 0; n < max_days_to_opening; ++n)
      if (day(d += days{1}).is_open()) return d;
    return today_ + days{1};
  }
  sys_days next_afternoon_day() const {
    sys_days d = today_;
    if (has_afternoon(d) && minutes_of(now_) < afternoon_start(d)) return d;
    for (int n = 0; n < max_days_to_opening; ++n)
      if (has_afternoon(d += days{1})) return d;
    return today_ + days{1};
  }

  // A date, then an optional clock time after it; the day's end otherwise.
  void add_day(const Match& m, sys_days d) {
    std::size_t end = m.end;
    const auto clock = trailing_clock(lower_, m.end, &end);
    add(m.begin, end, clock ? at_time(d, clock->first, clock->second) : end_of(d));
  }

  // ISO dates: 2026-12-04.
  void iso_dates() {
    each_match("\\b(20\\d\\d)-(\\d\\d)-(\\d\\d)\\b", [&](const Match& m) {
      const year_month_day ymd{date::year{std::stoi(m.groups[0])}, date::month{static_cast<unsigned>(std::stoi(m.groups[1]))},
                               date::day{static_cast<unsigned>(std::stoi(m.groups[2]))}};
      // A day before today is about the past (a quoted Date: header, "since
      // 2024-05-01"), not a time wanted.
      if (ymd.ok() && sys_days(ymd) >= today_) add_day(m, sys_days(ymd));
    });
  }

  // "4 December", "4th of December 2026", "December 4th", "Dec 4, 2026".
  void add_day_month(unsigned day_number, unsigned month, const std::string& year_text, const Match& m) {
    int year = year_text.empty() ? now_.year : std::stoi(year_text);
    year_month_day ymd{date::year{year}, date::month{month}, date::day{day_number}};
    if (!ymd.ok()) return;
    if (year_text.empty() && sys_days(ymd) < today_)
      ymd = year_month_day{date::year{year + 1}, date::month{month}, date::day{day_number}};
    if (ymd.ok() && sys_days(ymd) >= today_) add_day(m, sys_days(ymd));  // a past year's: about the past
  }
  void day_month_dates() {
    each_match(std::string("\\b(\\d{1,2})(?:st|nd|rd|th)?(?:\\s+of)?\\s+(") + months_alt + ")\\b(?:,?\\s+(20\\d\\d)\\b)?",
               [&](const Match& m) {
                 add_day_month(static_cast<unsigned>(std::stoi(m.groups[0])), month_numbers.at(m.groups[1]), m.groups[2], m);
               });
    each_match(std::string("\\b(") + months_alt_no_may + ")\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?\\b(?:,?\\s+(20\\d\\d)\\b)?",
               [&](const Match& m) {
                 add_day_month(static_cast<unsigned>(std::stoi(m.groups[1])), month_numbers.at(m.groups[0]), m.groups[2], m);
               });
  }

  // The day a weekday's name means: today's own name means today while
  // `until_minute` has not passed (and never after "next"), else next week's.
  sys_days named_weekday(const std::string& name, bool next, int until_minute) const {
    const unsigned want = weekday_numbers.at(name);
    sys_days d = today_;
    while (weekday_of(d) != want || (d == today_ && (next || minutes_of(now_) >= until_minute))) d += days{1};
    return d;
  }

  // Weekdays: "by Friday", "on Thursday", "next Monday". Today's name means
  // today while the working day lasts, else the same day next week.
  void weekdays() {
    each_match(std::string("\\b(?:by|before|until|till|on|this|next|for|due)\\s+(") + weekdays_alt + ")\\b", [&](const Match& m) {
      const bool next = m.begin + 4 <= lower_.size() && lower_.compare(m.begin, 4, "next") == 0;
      const int today_end = minutes_of(end_of(today_));
      add_day(m, named_weekday(m.groups[0], next, today_end));
    });
  }

  // "end of the week": Friday, at its end.
  void end_of_week() {
    each_match("\\b(?:by\\s+)?(?:the\\s+)?end\\s+of\\s+(?:the|this)\\s+week\\b", [&](const Match& m) {
      sys_days d = today_;
      while (weekday_of(d) != 5) d += days{1};
      add(m.begin, m.end, end_of(d));
    });
  }

  // Today and the end of the day: when the desk closes today ("EOD
  // tomorrow": tomorrow's close).
  void today_words() {
    each_match("\\b(?:today|tonight|(?:eod|cob|end\\s+of\\s+(?:the\\s+)?(?:business\\s+)?day|close\\s+of\\s+business)"
               "(\\s+tomorrow)?)\\b",
               [&](const Match& m) {
                 const sys_days d = m.groups[0].empty() ? today_ : today_ + days{1};
                 std::size_t end = m.end;
                 const auto clock = trailing_clock(lower_, m.end, &end);
                 add(m.begin, end, clock ? at_time(d, clock->first, clock->second) : end_of(d));
               });
  }

  // Tomorrow, with a part of the day ("tomorrow morning", "tomorrow in the
  // afternoon"), "first thing" after it, or a time.
  void tomorrow() {
    each_match("\\btomorrow(?:\\s+(?:in\\s+the\\s+)?(morning|afternoon|evening|eod|end\\s+of\\s+(?:the\\s+)?day))?"
               "(\\s+first\\s+thing)?\\b",
               [&](const Match& m) {
                 const sys_days d = today_ + days{1};
                 const std::string& part = m.groups[0];
                 if (!m.groups[1].empty())
                   return add(m.begin, m.end, part == "afternoon" ? afternoon_from(d) : opening_from(d));
                 if (part == "morning") return add(m.begin, m.end, morning_of(d));
                 if (!part.empty()) return add(m.begin, m.end, end_of(d));
                 add_day(m, d);
               });
  }

  // "First thing" is when the desk opens: "first thing tomorrow (morning)",
  // "first thing (on) Monday", "first thing in the morning", or alone (the
  // next opening to come). "... afternoon": 13:00, or the opening when later.
  // A day the desk is closed moves to its next opening (from a Friday, "first
  // thing tomorrow" is Monday's opening).
  void first_thing() {
    each_match(std::string("\\bfirst\\s+thing\\b(?:\\s+(?:on\\s+)?(tomorrow|") + weekdays_alt +
                   ")\\b)?(?:\\s+(?:in\\s+the\\s+)?(morning|afternoon)\\b)?",
               [&](const Match& m) {
                 // "the first thing I noticed" is no time.
                 static const std::string the = "the ";
                 if (m.begin >= the.size() && lower_.compare(m.begin - the.size(), the.size(), the) == 0) return;
                 const bool afternoon = m.groups[1] == "afternoon";
                 const std::string& named = m.groups[0];
                 if (named.empty()) {
                   // The next one still to come: later today, else from tomorrow.
                   const int now_minute = minutes_of(now_) + 1;
                   return add(m.begin, m.end, afternoon ? afternoon_from(today_, now_minute) : opening_from(today_, now_minute));
                 }
                 sys_days d = today_ + days{1};
                 if (named != "tomorrow") d = named_weekday(named, false, day(today_).open_minute);
                 add(m.begin, m.end, afternoon ? afternoon_from(d) : opening_from(d));
               });
  }

  // The dispatcher's words: the first morning (by its end, 12:00) or
  // afternoon (by the close) still to come on a day the desk opens.
  void first_morning_or_afternoon() {
    each_match("\\bfirst\\s+(morning|afternoon)\\b", [&](const Match& m) {
      if (m.groups[0] == "morning") return add(m.begin, m.end, morning_of(next_morning_day()));
      add(m.begin, m.end, end_of(next_afternoon_day()));
    });
  }

  // "in the morning" alone: the next morning still to come, by 12:00 ("first
  // thing in the morning" and "tomorrow in the morning" are read above).
  void in_the_morning() {
    each_match("\\bin\\s+the\\s+morning\\b", [&](const Match& m) { add(m.begin, m.end, morning_of(next_morning_day())); });
  }

  // A clock time alone: "before 3pm", "by 15:00" (today, or tomorrow once it has passed).
  void clock_alone() {
    each_match(std::string("\\b(?:by|before|until|till|no\\s+later\\s+than)\\s+") + clock_re, [&](const Match& m) {
      const auto clock = parse_clock(m.groups[0]);
      if (!clock) return;
      const bool passed = clock->first * 60 + clock->second <= minutes_of(now_);
      add(m.begin, m.end, at_time(passed ? today_ + days{1} : today_, clock->first, clock->second));
    });
  }

  const std::string lower_;
  const LocalTime now_;
  const sys_days today_;
  const WorkingWeek& week_;
  std::vector<Candidate> found_;
};

}  // namespace

// ------------------------------------------------------------ public -------
std::string plus_tag(std::string_view address) {
  const std::string a = ascii_lower(trimmed(address));
  const auto at = a.rfind('@');
  const auto plus = a.find('+');
  if (at == std::string::npos || plus == std::string::npos || plus > at) return {};
  return a.substr(plus + 1, at - plus - 1);
}

std::string pattern_error(const std::string& pattern) {
  std::string error;
  if (!compile(pattern, &error)) return error.empty() ? "does not compile" : error;
  return {};
}

Routing route_request(const Email& email, const MailboxConfig& mailbox, const Config& config, const Employee* requester) {
  std::vector<const Address*> recipients;
  for (const auto& a : email.to) recipients.push_back(&a);
  for (const auto& a : email.cc) recipients.push_back(&a);

  if (auto r = route_by_plus_address(recipients, mailbox, config)) return *r;
  if (auto r = route_by_subject_tag(email, config)) return *r;
  if (auto r = route_by_address(recipients, config)) return *r;
  if (auto r = route_by_keywords(email, config)) return *r;
  if (auto r = route_by_department(config, requester)) return *r;
  return {mailbox.default_category, "mailbox " + mailbox.name};
}

PriorityChoice choose_priority(const Email& email, const CategoryConfig* category, const RequestRules& rules) {
  const std::string text = ascii_lower(email.subject) + "\n" + ascii_lower(bounded(email.request_text));
  for (const auto& w : rules.urgent_words)
    if (find_word(text, ascii_lower(w)) != std::string::npos) return {"urgent", "word \"" + w + "\""};
  for (const auto& w : rules.high_words)
    if (find_word(text, ascii_lower(w)) != std::string::npos) return {"high", "word \"" + w + "\""};
  const std::string xp = trimmed(email.x_priority);
  if (!xp.empty() && (xp[0] == '1' || xp[0] == '2')) return {"high", "X-Priority " + xp.substr(0, 1)};
  const std::string importance = ascii_lower(trimmed(email.importance));
  if (importance == "high") return {"high", "Importance high"};
  if (!xp.empty() && (xp[0] == '4' || xp[0] == '5')) return {"low", "X-Priority " + xp.substr(0, 1)};
  if (importance == "low") return {"low", "Importance low"};
  if (category != nullptr) return {category->default_priority, "default of " + category->name};
  return {"normal", "default"};
}

WorkingWeek WorkingWeek::office_hours(int day_end_hour) {
  WorkingWeek week;
  week.day_end_minute = std::clamp(day_end_hour, 1, 24) * 60;
  // A day that ends by 09:00 (day_end_hour is 1 to 23) opens an hour before.
  const WorkingDay weekday{std::min(9 * 60, week.day_end_minute - 60), week.day_end_minute};
  for (unsigned d = 1; d <= 5; ++d) week.days[d] = weekday;
  return week;
}

std::optional<RequestedTime> find_requested_time(std::string_view text_in, const LocalTime& now, const WorkingWeek& week) {
  const std::string_view text = bounded(text_in);
  TimeFinder finder(text, now, week);
  std::vector<Candidate> found = finder.find();
  // The first phrase in the text that is asked for; of those starting at one
  // place, the longest.
  std::sort(found.begin(), found.end(), [](const Candidate& a, const Candidate& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
  });
  const std::size_t checked = std::min(found.size(), max_checked_time_phrases);
  for (const Candidate& c : std::span(found).first(checked)) {
    if (!asks_for_time(text, finder.lower(), c.begin, c.end)) continue;
    std::string phrase = trimmed(text.substr(c.begin, c.end - c.begin));
    for (char& ch : phrase)
      if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
    return RequestedTime{c.by, phrase};
  }
  return std::nullopt;
}

std::optional<RequestedTime> find_requested_time(std::string_view text, const LocalTime& now, int day_end_hour) {
  return find_requested_time(text, now, WorkingWeek::office_hours(day_end_hour));
}

std::vector<std::string> missing_facts(std::string_view subject, std::string_view text, const CategoryConfig& category) {
  const std::string both = std::string(subject) + "\n" + std::string(bounded(text));
  std::vector<std::string> missing;
  for (const auto& r : category.needs)
    if (!matches(r.pattern, both)) missing.push_back(r.name);
  return missing;
}

std::vector<std::string> facts_found(std::string_view text, const CategoryConfig& category,
                                     const std::vector<std::string>& names) {
  std::vector<std::string> found;
  for (const auto& r : category.needs)
    if (std::find(names.begin(), names.end(), r.name) != names.end() && matches(r.pattern, bounded(text)))
      found.push_back(r.name);
  return found;
}

bool is_plain_thanks(std::string_view request_text, const RequestRules& rules) {
  if (request_text.size() > 300 || request_text.find('?') != std::string_view::npos) return false;
  std::string text = ascii_lower(request_text);
  // Thanks phrases out first, longest first ("thank you" before "thanks").
  std::vector<std::string> phrases;
  for (const auto& w : rules.thanks_words) phrases.push_back(ascii_lower(w));
  std::sort(phrases.begin(), phrases.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  bool thanked = false;
  for (const auto& p : phrases) {
    for (std::size_t at = find_word(text, p); at != std::string::npos; at = find_word(text, p, at)) {
      text.replace(at, p.size(), " ");
      thanked = true;
    }
  }
  if (!thanked) return false;
  // What is left may be greetings, fillers and a name; anything more is a message.
  static const std::vector<std::string> fillers = {
      "hi", "hello", "hey", "dear", "so", "very", "much", "a", "lot", "again", "for", "the", "your", "you", "all",
      "and", "it", "that", "this", "help", "quick", "fix", "reply", "oh", "ok", "okay", "best", "regards", "kind",
      "br", "team", "guys", "everyone", "folks", "really", "just", "now", "done", "works", "worked", "fixed"};
  std::size_t others = 0;
  std::string word;
  auto flush = [&]() {
    if (!word.empty() && std::find(fillers.begin(), fillers.end(), word) == fillers.end()) ++others;
    word.clear();
  };
  for (char c : text) {
    if (is_word_byte(static_cast<unsigned char>(c)) || c == '\'') word += c;
    else flush();
  }
  flush();
  return others <= 2;  // room for a first name and a last name
}

std::vector<StaffCommand> parse_staff_commands(std::string_view request_text) {
  std::vector<StaffCommand> out;
  std::size_t pos = 0;
  while (pos < request_text.size() && out.size() < 20) {
    const auto eol = request_text.find('\n', pos);
    const std::string line = trimmed(request_text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos));
    pos = eol == std::string_view::npos ? request_text.size() : eol + 1;
    if (line.empty()) {
      if (out.empty()) continue;  // blank lines before the first command
      break;
    }
    if (line.size() < 2 || line[0] != '#' || !std::isalpha(static_cast<unsigned char>(line[1]))) break;
    std::size_t v = 1;
    while (v < line.size() && std::isalpha(static_cast<unsigned char>(line[v]))) ++v;
    out.push_back({ascii_lower(line.substr(1, v - 1)), trimmed(line.substr(v)), line});
  }
  return out;
}

std::string text_after_commands(std::string_view request_text) {
  const auto commands = parse_staff_commands(request_text);
  if (commands.empty()) return trimmed(request_text);
  const auto at = request_text.find(commands.back().line);
  if (at == std::string_view::npos) return trimmed(request_text);
  return trimmed(request_text.substr(at + commands.back().line.size()));
}

}  // namespace intake::parsers
