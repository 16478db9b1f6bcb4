// Holidays from an iCalendar (.ics) file, read with libical (the one file that
// includes it). Trusts nothing in the file: its size is bounded, recurring
// events are expanded only up to a horizon and a count, and an event that is
// not an all-day holiday is an error naming it, never a guess.
#pragma once

#include <date/date.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "parsers/common/result.hpp"

namespace intake::daemon {

struct HolidayFileLimits {
  std::size_t max_bytes = std::size_t{1024} * 1024;  // a national holiday feed for decades is ~100 KB
  std::size_t max_events = 5000;
  std::size_t max_dates = 20000;  // after expanding RRULEs and multi-day events
  int last_year = 2100;           // recurring events are expanded up to this year
  int max_event_days = 366;       // one all-day event (e.g. a works shutdown) spans at most this many days
};

// Every date (local to the calendar that uses it) on which an all-day event of
// the file falls: DTSTART;VALUE=DATE up to DTEND (exclusive) or DURATION,
// RRULE and RDATE occurrences, less EXDATEs and occurrences moved by a
// RECURRENCE-ID; CANCELLED events are skipped. Sorted, without duplicates.
// An event with a time of day (DTSTART:20261224T120000) is an error: a
// part-day closure cannot be told from a meeting.
Result<std::vector<date::local_days>> parse_holidays_ics(std::string_view text, const HolidayFileLimits& limits = {});
Result<std::vector<date::local_days>> read_holidays_ics(const std::string& path, const HolidayFileLimits& limits = {});

}  // namespace intake::daemon
