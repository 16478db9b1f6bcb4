// The .ics holiday reader: the fixture files in tests/data/calendar, expanded
// by hand into the dates each must give, and the files it must refuse.
#include "parsers/calendar/holiday_file.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

namespace intake::daemon {
namespace {

const std::string data_dir = std::string(INTAKE_TEST_DATA) + "/calendar/";

date::local_days day(int y, unsigned m, unsigned d) { return date::local_days{date::year{y} / date::month{m} / date::day{d}}; }

std::vector<date::local_days> before(const std::vector<date::local_days>& dates, date::local_days end) {
  std::vector<date::local_days> out;
  for (auto d : dates)
    if (d < end) out.push_back(d);
  return out;
}

TEST(HolidayFile, berlin_file_gives_dates_from_single_multi_day_and_yearly_events) {
  auto dates = read_holidays_ics(data_dir + "de-berlin.ics");
  ASSERT_TRUE(dates.ok()) << dates.error().message;
  EXPECT_EQ(before(*dates, day(2028, 1, 1)),
            (std::vector<date::local_days>{day(2026, 1, 1), day(2026, 4, 3), day(2026, 4, 6), day(2026, 10, 3),
                                           day(2026, 12, 25), day(2026, 12, 26), day(2027, 1, 1), day(2027, 10, 3),
                                           day(2027, 12, 25), day(2027, 12, 26)}));
  // Neujahr has no end: expanded every year up to the horizon, 2026..2100.
  EXPECT_EQ(dates->back(), day(2100, 1, 1));
  EXPECT_EQ(dates->size(), 10u + 73u);
}

TEST(HolidayFile, new_york_file_honours_byday_rules_exdate_recurrence_id_and_cancelled) {
  auto dates = read_holidays_ics(data_dir + "us-new-york.ics");
  ASSERT_TRUE(dates.ok()) << dates.error().message;
  EXPECT_EQ(*dates, (std::vector<date::local_days>{
                        day(2026, 1, 1),
                        day(2026, 1, 19),                     // third Monday of January
                        day(2026, 7, 3),                      // picnic on 12 June was cancelled
                        day(2026, 11, 26), day(2026, 11, 27),  // fourth Thursday and the day after
                        day(2026, 12, 24), day(2026, 12, 25),
                        day(2027, 1, 18),    // 2027's third Monday (COUNT=2)
                        day(2028, 11, 27)}));  // 2027 excluded by EXDATE; 2028 moved by RECURRENCE-ID
}

TEST(HolidayFile, timed_event_is_refused_and_named) {
  auto dates = read_holidays_ics(data_dir + "timed-event.ics");
  ASSERT_FALSE(dates.ok());
  EXPECT_NE(dates.error().message.find("timed-event.ics: \"Christmas party\" (UID party@intake.test) is not an "
                                       "all-day event"),
            std::string::npos)
      << dates.error().message;
}

TEST(HolidayFile, unbounded_daily_rule_stops_at_the_date_limit) {
  auto dates = read_holidays_ics(data_dir + "unbounded-daily.ics");
  ASSERT_FALSE(dates.ok());
  EXPECT_NE(dates.error().message.find("more than 20000 holiday dates"), std::string::npos) << dates.error().message;
}

TEST(HolidayFile, text_that_is_not_icalendar_is_refused) {
  auto dates = read_holidays_ics(data_dir + "not-a-calendar.ics");
  ASSERT_FALSE(dates.ok());
  EXPECT_NE(dates.error().message.find("not-a-calendar.ics: not "), std::string::npos) << dates.error().message;
}

TEST(HolidayFile, missing_file_is_named) {
  auto dates = read_holidays_ics(data_dir + "absent.ics");
  ASSERT_FALSE(dates.ok());
  EXPECT_EQ(dates.error().message, data_dir + "absent.ics: cannot be read");
}

TEST(HolidayFile, oversized_file_is_refused_before_parsing) {
  HolidayFileLimits limits;
  limits.max_bytes = 100;
  auto dates = read_holidays_ics(data_dir + "de-berlin.ics", limits);
  ASSERT_FALSE(dates.ok());
  EXPECT_NE(dates.error().message.find("larger than 100 bytes"), std::string::npos) << dates.error().message;
}

TEST(HolidayFile, event_without_dtstart_is_refused) {
  auto dates = parse_holidays_ics("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a\r\n"
                                  "SUMMARY:Nothing\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
  ASSERT_FALSE(dates.ok());
  EXPECT_EQ(dates.error().message, "\"Nothing\" (UID a) has no DTSTART");
}

TEST(HolidayFile, overlong_event_is_refused) {
  auto dates = parse_holidays_ics("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:b\r\n"
                                  "DTSTART;VALUE=DATE:20260101\r\nDTEND;VALUE=DATE:20280101\r\n"
                                  "SUMMARY:Sabbatical\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
  ASSERT_FALSE(dates.ok());
  EXPECT_EQ(dates.error().message, "\"Sabbatical\" (UID b) lasts 730 days (1 to 366 allowed)");
}

TEST(HolidayFile, nul_bytes_are_refused) {
  auto dates = parse_holidays_ics(std::string("BEGIN:VCALENDAR\r\n\0\r\nEND:VCALENDAR\r\n", 33));
  ASSERT_FALSE(dates.ok());
  EXPECT_NE(dates.error().message.find("NUL"), std::string::npos);
}

std::string one_rule(const std::string& rrule) {
  return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:20260101\r\n"
         "RRULE:" + rrule + "\r\nSUMMARY:s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
}

TEST(HolidayFile, hostile_recurrence_rules_end_in_an_error_or_a_bounded_list) {
  // Never matching: libical refuses to build the iterator.
  auto never = parse_holidays_ics(one_rule("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"));
  ASSERT_FALSE(never.ok());
  EXPECT_EQ(never.error().message, "\"s\" (UID a) has an RRULE libical cannot expand");
  // Every second of an all-day event: the same date over and over, cut at the limit.
  auto secondly = parse_holidays_ics(one_rule("FREQ=SECONDLY"));
  ASSERT_FALSE(secondly.ok());
  EXPECT_EQ(secondly.error().message, "more than 20000 holiday dates");
  // Malformed rules: libical marks the line, the file is refused with its words.
  for (const char* bad : {"FREQ=YEARLY;INTERVAL=0", "FREQ=WEEKLY;BYDAY=XX", "GARBAGE"}) {
    auto r = parse_holidays_ics(one_rule(bad));
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find("not valid iCalendar: Can't parse as RECUR value"), std::string::npos)
        << r.error().message;
  }
  // The 31st of every month that has one, 2026 to 2100: 7 a year.
  auto monthly = parse_holidays_ics(one_rule("FREQ=MONTHLY;BYMONTHDAY=31"));
  ASSERT_TRUE(monthly.ok()) << monthly.error().message;
  EXPECT_EQ(monthly->size(), 75u * 7u + 1u);  // and DTSTART itself, the first occurrence (RFC 5545 3.8.5.3)
}

TEST(HolidayFile, file_cut_at_any_line_gives_an_error_or_a_subset_of_its_dates) {
  std::ifstream in(data_dir + "us-new-york.ics", std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto full = parse_holidays_ics(text);
  ASSERT_TRUE(full.ok());
  const std::set<date::local_days> all(full->begin(), full->end());
  std::size_t cuts = 0;
  for (std::size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at + 1), ++cuts) {
    auto part = parse_holidays_ics(std::string_view(text).substr(0, at + 1));
    if (!part.ok()) continue;
    for (auto d : *part) EXPECT_EQ(all.count(d), 1u) << "cut after byte " << at;
  }
  EXPECT_GT(cuts, 50u);
}

}  // namespace
}  // namespace intake::daemon
