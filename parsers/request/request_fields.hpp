// What a request email asks for, read from its text: the team it goes to, its
// priority, the time the requester wants it by, the facts its team needs that
// are missing, whether a reply is only a thank-you, and staff #commands.
// Pure functions over untrusted text and the config: no clock (the caller
// passes "now" as local civil time), no time zones, no database.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parsers/common/strings.hpp"  // ascii_lower, address_without_plus
#include "parsers/config/config.hpp"
#include "parsers/common/email.hpp"

namespace intake::parsers {

// Text longer than this is looked at only up to here (request text is short;
// a hostile 10 MB body must not make matching slow).
inline constexpr std::size_t max_scanned_text_bytes = std::size_t{64} * 1024;

// At most this many time phrases (in text order) are asked whether the
// requester asks for them: a request whose first 32 phrases are all mentions
// asks for no time, and a hostile text full of "today" stays cheap.
inline constexpr std::size_t max_checked_time_phrases = 32;

struct Routing {
  std::string category;
  std::string reason;  // for the log and the request's history: "subject tag [IT]"
};

// Plus tag of the shared address (requests+it@), subject tag ([IT], "HR:"),
// a category's own address, keywords in subject or request text, the
// requester's department, then the mailbox's default_category.
Routing route_request(const Email& email, const MailboxConfig& mailbox, const Config& config, const Employee* requester);

struct PriorityChoice {
  std::string priority;  // low, normal, high, urgent
  std::string reason;
};
// Words first (urgent words, then high words, in subject or request text),
// then X-Priority / Importance, then the category's default.
PriorityChoice choose_priority(const Email& email, const CategoryConfig* category, const RequestRules& rules);

// A calendar date and time as the requester's clock shows it.
struct LocalTime {
  int year = 1970;
  unsigned month = 1, day = 1;
  int hour = 0, minute = 0;
  bool operator==(const LocalTime&) const = default;
};

struct RequestedTime {
  LocalTime by;
  std::string phrase;  // the words it was read from, as written
};

// The desk's working day on one weekday, as the requester's clock shows it:
// its first opening and its last closing, in minutes after local midnight
// (a lunch break in between does not matter to "first thing" or "EOD").
struct WorkingDay {
  int open_minute = 0;
  int close_minute = 0;  // at most 1440 ("24:00")
  bool is_open() const { return open_minute < close_minute; }
};

// The week requested times are read against: the team's calendar where it has
// one (the daemon builds it; parsers/ knows no calendars), else office_hours.
// Holidays are not in it: the due times, computed with the calendar itself,
// take care of those.
struct WorkingWeek {
  std::array<WorkingDay, 7> days{};  // by weekday, [0] = Sunday (c_encoding)
  // Where "today" or "by Saturday" ends on a day the desk is closed.
  int day_end_minute = 17 * 60;
  // Monday to Friday 09:00 (or earlier, when the day ends by then) to
  // day_end_hour, weekends closed: the week when no calendar applies.
  static WorkingWeek office_hours(int day_end_hour);
};

// Times the requester asks for ("can you fix it by Friday?", "I need the
// laptop tomorrow", "first thing tomorrow"), never times they only mention
// ("I'm at the airport tomorrow morning", "it broke on Monday"): see
// asked_time.hpp for the rules. The phrases: "today", "EOD", "by Friday", "end
// of the week" (the day's close), "tomorrow" (its close), "tomorrow morning" /
// "in the morning" (12:00 of that morning), "first thing tomorrow", "first
// thing (on) Monday", "first thing in the morning" (the desk's first opening
// on or after that day), "first morning" (12:00 of the next morning to come),
// "first afternoon" (the close of the next afternoon to come), "before 3pm",
// explicit dates ("by 4 December", "2026-12-04", "December 4th at 10:00").
// Phrases about the past are ignored. The first asked phrase in the text wins.
std::optional<RequestedTime> find_requested_time(std::string_view text, const LocalTime& now, const WorkingWeek& week);
// The same against office_hours(day_end_hour).
std::optional<RequestedTime> find_requested_time(std::string_view text, const LocalTime& now, int day_end_hour = 17);

// The names of the category's required facts found in neither the subject
// nor the text. A pattern that fails to run counts as not found.
std::vector<std::string> missing_facts(std::string_view subject, std::string_view text, const CategoryConfig& category);
// Which of `names` (still missing) `text` now supplies.
std::vector<std::string> facts_found(std::string_view text, const CategoryConfig& category,
                                     const std::vector<std::string>& names);

// A short reply that only thanks ("thanks!", "great, thank you"): nothing
// else asked, so it must not reopen a request.
bool is_plain_thanks(std::string_view request_text, const RequestRules& rules);

struct StaffCommand {
  std::string verb;      // status, assign, priority, note
  std::string argument;  // the rest of the line, trimmed
  std::string line;      // as written
};
// The leading "#verb argument" lines of a staff reply; stops at the first
// line that is not one. Unknown verbs are returned too (the caller says no).
std::vector<StaffCommand> parse_staff_commands(std::string_view request_text);
// The text after the leading command lines (what a staff reply says to the requester).
std::string text_after_commands(std::string_view request_text);

// The tag of requests+it@example.test ("it"), empty when none.
std::string plus_tag(std::string_view address);

// Checks a requirement pattern (PCRE2); empty when it compiles.
std::string pattern_error(const std::string& pattern);

}  // namespace intake::parsers
