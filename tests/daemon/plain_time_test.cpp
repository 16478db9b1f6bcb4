// Plain-words due times in the requester's zone.
#include "daemon/core/plain_time.hpp"

#include <gtest/gtest.h>

namespace intake::daemon {
namespace {

using std::chrono::sys_seconds;

sys_seconds utc(int y, unsigned m, unsigned d, int h, int min) {
  return sys_seconds{date::sys_days{date::year{y} / date::month{m} / date::day{d}}} + std::chrono::hours{h} + std::chrono::minutes{min};
}

const sys_seconds now = utc(2026, 11, 24, 9, 0);

TEST(PlainTime, due_time_reads_as_weekday_day_month_and_time_in_berlin) {
  EXPECT_EQ(format_plain_time(utc(2026, 11, 26, 11, 0), "Europe/Berlin", now).value(), "Thursday 26 November, 12:00");
}

TEST(PlainTime, same_instant_reads_in_new_york_time_for_a_new_york_requester) {
  EXPECT_EQ(format_plain_time(utc(2026, 11, 26, 11, 0), "America/New_York", now).value(), "Thursday 26 November, 06:00");
}

TEST(PlainTime, zone_decides_the_date_near_midnight) {
  const auto t = utc(2026, 11, 27, 3, 30);
  EXPECT_EQ(format_plain_time(t, "Europe/Berlin", now).value(), "Friday 27 November, 04:30");
  EXPECT_EQ(format_plain_time(t, "America/New_York", now).value(), "Thursday 26 November, 22:30");
}

TEST(PlainTime, daylight_saving_time_is_applied) {
  // 10:00 UTC is 12:00 in Berlin in summer (CEST), 11:00 in winter (CET).
  EXPECT_EQ(format_plain_time(utc(2026, 3, 30, 10, 0), "Europe/Berlin", now).value(), "Monday 30 March, 12:00");
  EXPECT_EQ(format_plain_time(utc(2026, 3, 27, 10, 0), "Europe/Berlin", now).value(), "Friday 27 March, 11:00");
}

TEST(PlainTime, another_year_is_spelled_out) {
  const auto late_december = utc(2026, 12, 30, 9, 0);
  EXPECT_EQ(format_plain_time(utc(2027, 1, 4, 8, 0), "Europe/Berlin", late_december).value(),
            "Monday 4 January 2027, 09:00");
  // The year is the reader's: 31 December 23:30 in New York is already 2027 in UTC.
  EXPECT_EQ(format_plain_time(utc(2027, 1, 1, 4, 30), "America/New_York", late_december).value(),
            "Thursday 31 December, 23:30");
}

TEST(PlainTime, today_and_tomorrow_are_never_used) {
  EXPECT_EQ(format_plain_time(utc(2026, 11, 24, 14, 0), "Europe/Berlin", now).value(), "Tuesday 24 November, 15:00");
  EXPECT_EQ(format_plain_time(utc(2026, 11, 25, 8, 0), "Europe/Berlin", now).value(), "Wednesday 25 November, 09:00");
}

TEST(PlainTime, a_requester_in_another_zone_reads_the_zone_named) {
  EXPECT_EQ(format_plain_time_for(utc(2026, 12, 4, 9, 48), "America/New_York", "Europe/Berlin", now).value(),
            "Friday 4 December, 04:48 New York time");
  EXPECT_EQ(format_plain_time_for(utc(2026, 12, 4, 9, 48), "UTC", "Europe/Berlin", now).value(),
            "Friday 4 December, 09:48 UTC");
  EXPECT_EQ(zone_label("America/Argentina/Buenos_Aires"), "Buenos Aires time");
}

TEST(PlainTime, a_requester_in_the_desks_zone_reads_no_zone) {
  EXPECT_EQ(format_plain_time_for(utc(2026, 12, 4, 9, 48), "Europe/Berlin", "Europe/Berlin", now).value(),
            "Friday 4 December, 10:48");
}

TEST(PlainTime, unknown_zone_is_an_error_value) {
  auto r = format_plain_time(now, "Mars/Olympus_Mons", now);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("unknown time zone \"Mars/Olympus_Mons\""), std::string::npos);
  EXPECT_FALSE(format_plain_time(now, std::string(200, 'A'), now).ok());
}

}  // namespace
}  // namespace intake::daemon
