// Due times in business time, in two zones (Europe/Berlin, America/New_York):
// weekends, listed and .ics holidays, daylight saving changes, arrival out of
// hours with and without on-call cover, working days, requested times.
// Every expected time is written out by hand in UTC, with its local reading.
#include "daemon/core/business_calendar.hpp"

#include <gtest/gtest.h>

#include "daemon/core/clock.hpp"
#include "parsers/config/config.hpp"
#include "tests/daemon/fakes/fake_clock.hpp"

namespace intake::daemon {
namespace {

using namespace std::chrono_literals;
using std::chrono::sys_days;

using testing::FakeClock;  // tests/daemon/fakes/fake_clock.hpp

SysSeconds utc(int y, unsigned m, unsigned d, int h, int min, int s = 0) {
  return SysSeconds{date::sys_days{date::year{y} / date::month{m} / date::day{d}}} + std::chrono::hours{h} + std::chrono::minutes{min} +
         std::chrono::seconds{s};
}

// "2026-03-30 11:30 CEST": how the time reads on a wall clock in that zone.
std::string local(SysSeconds t, const char* zone) {
  return date::format("%Y-%m-%d %H:%M %Z", date::make_zoned(zone, t));
}

const std::string data_dir = INTAKE_TEST_DATA;

std::string config_text() {
  return R"(
[database]
url = "postgresql://x@127.0.0.1/intake"
[smtp]
host = "127.0.0.1"
from = "requests@example.test"
[[mailbox]]
name = "requests"
address = "requests@example.test"
host = "127.0.0.1"
username = "requests@example.test"
password_file = "/nonexistent"

[[calendar]]
name = "berlin"
time_zone = "Europe/Berlin"
holidays = [2026-12-24, "2026-12-31"]
holidays_file = ")" + data_dir + R"(/calendar/de-berlin.ics"
[calendar.hours]
mon = ["09:00-12:00", "13:00-17:30"]
tue = ["09:00-12:00", "13:00-17:30"]
wed = ["09:00-12:00", "13:00-17:30"]
thu = ["09:00-12:00", "13:00-17:30"]
fri = ["09:00-14:00"]

[[calendar]]
name = "new-york"
time_zone = "America/New_York"
holidays_file = ")" + data_dir + R"(/calendar/us-new-york.ics"
[calendar.hours]
mon = ["09:00-17:00"]
tue = ["09:00-17:00"]
wed = ["09:00-17:00"]
thu = ["09:00-17:00"]
fri = ["09:00-17:00"]

[[calendar]]
name = "new-york-on-call"
time_zone = "America/New_York"
[calendar.hours]
mon = ["07:00-22:00"]
tue = ["07:00-22:00"]
wed = ["07:00-22:00"]
thu = ["07:00-22:00"]
fri = ["07:00-22:00"]
sat = ["07:00-22:00"]
sun = ["07:00-22:00"]

[service_levels]
calendar = "berlin"
first_response = "4h"
resolution = "2d"
[service_levels.priority.urgent]
first_response = "1h"
resolution = "4h"
on_call = "clock"
[service_levels.category.it-us]
calendar = "new-york"
[service_levels.category.it-us.priority.urgent]
on_call = "new-york-on-call"
)";
}

class BusinessTime : public ::testing::Test {
 protected:
  void SetUp() override {
    auto load = parsers::parse_config(config_text(), "intake.toml");
    ASSERT_TRUE(load.ok()) << load.errors[0].line();
    auto built = ServicePolicy::build(load.config);
    ASSERT_TRUE(built.ok()) << built.errors[0].line();
    policy_ = std::move(built.policy);
  }

  ServiceLevel level(const char* category, const char* priority) const {
    auto l = policy_.level_for(category, priority);
    EXPECT_TRUE(l.has_value()) << category << "/" << priority;
    return l.value_or(ServiceLevel{});
  }

  DueTimes due(const char* category, const char* priority, const Clock& clock,
               std::optional<SysSeconds> requested_by = std::nullopt) const {
    std::optional<std::chrono::system_clock::time_point> wanted;
    if (requested_by) wanted = *requested_by;
    auto d = compute_due_times(level(category, priority), clock.now(), wanted);
    EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().message);
    return d.ok() ? d.value() : DueTimes{};
  }

  ServicePolicy policy_;
};

// --- hours targets ---------------------------------------------------------

TEST_F(BusinessTime, berlin_four_hours_skip_the_lunch_break) {
  FakeClock clock(utc(2026, 11, 3, 9, 0));  // Tuesday 10:00 CET
  auto d = due("general", "normal", clock);
  EXPECT_EQ(d.due_first_response, utc(2026, 11, 3, 14, 0));  // 10-12, 13-15
  EXPECT_EQ(local(d.due_first_response, "Europe/Berlin"), "2026-11-03 15:00 CET");
}

TEST_F(BusinessTime, minutes_running_out_at_closing_end_at_the_closing) {
  FakeClock clock(utc(2026, 11, 3, 12, 30));  // Tuesday 13:30 CET, 4h left until 17:30
  auto d = due("general", "normal", clock);
  EXPECT_EQ(local(d.due_first_response, "Europe/Berlin"), "2026-11-03 17:30 CET");  // not Wednesday 09:00
}

TEST_F(BusinessTime, berlin_friday_afternoon_request_is_due_after_the_weekend) {
  FakeClock clock(utc(2026, 11, 13, 12, 0));  // Friday 13:00 CET, closes at 14:00
  auto d = due("general", "normal", clock);
  EXPECT_EQ(d.due_first_response, utc(2026, 11, 16, 11, 0));  // 1h Friday + 3h Monday 09-12
  EXPECT_EQ(local(d.due_first_response, "Europe/Berlin"), "2026-11-16 12:00 CET");
}

TEST_F(BusinessTime, new_york_friday_afternoon_request_is_due_after_the_weekend) {
  FakeClock clock(utc(2026, 10, 16, 19, 0));  // Friday 15:00 EDT
  auto d = due("it-us", "normal", clock);
  EXPECT_EQ(d.due_first_response, utc(2026, 10, 19, 15, 0));  // 2h Friday + 2h Monday
  EXPECT_EQ(local(d.due_first_response, "America/New_York"), "2026-10-19 11:00 EDT");
}

TEST_F(BusinessTime, listed_and_ics_holidays_are_skipped_over_christmas_in_berlin) {
  // Wednesday 23 December 16:00; 24th listed, 25th/26th from the .ics file
  // (a yearly RRULE), 27th Sunday.
  FakeClock clock(utc(2026, 12, 23, 15, 0));
  auto d = due("general", "normal", clock);
  EXPECT_EQ(d.due_first_response, utc(2026, 12, 28, 10, 30));  // 1.5h Wednesday + 2.5h Monday
  EXPECT_EQ(local(d.due_first_response, "Europe/Berlin"), "2026-12-28 11:30 CET");
}

TEST_F(BusinessTime, ics_holiday_from_a_recurrence_rule_is_skipped_in_new_york) {
  // Wednesday 25 November 16:00 EST; Thanksgiving (RRULE BYDAY=4TH) and the
  // day after (DTEND two days on) are closed.
  FakeClock clock(utc(2026, 11, 25, 21, 0));
  auto d = due("it-us", "normal", clock);
  EXPECT_EQ(d.due_first_response, utc(2026, 11, 30, 17, 0));  // 1h Wednesday + 3h Monday
  EXPECT_EQ(local(d.due_first_response, "America/New_York"), "2026-11-30 12:00 EST");
}

TEST_F(BusinessTime, berlin_spring_forward_weekend_counts_wall_clock_hours) {
  // Friday 27 March 13:00 CET; clocks go to CEST on Sunday 29 March.
  FakeClock clock(utc(2026, 3, 27, 12, 0));
  auto d = due("general", "normal", clock);
  // 1h Friday, 3h Monday 09:00-12:00 CEST = 07:00-10:00 UTC.
  EXPECT_EQ(d.due_first_response, utc(2026, 3, 30, 10, 0));
  EXPECT_EQ(local(d.due_first_response, "Europe/Berlin"), "2026-03-30 12:00 CEST");
}

TEST_F(BusinessTime, new_york_spring_forward_weekend_counts_wall_clock_hours) {
  // Friday 6 March 15:00 EST; clocks go to EDT on Sunday 8 March.
  FakeClock clock(utc(2026, 3, 6, 20, 0));
  auto d = due("it-us", "normal", clock);
  EXPECT_EQ(d.due_first_response, utc(2026, 3, 9, 15, 0));  // Monday 11:00 EDT, not 16:00 UTC
  EXPECT_EQ(local(d.due_first_response, "America/New_York"), "2026-03-09 11:00 EDT");
}

TEST_F(BusinessTime, berlin_fall_back_weekend_counts_wall_clock_hours) {
  // Friday 23 October 13:00 CEST; clocks go back to CET on Sunday 25 October.
  FakeClock clock(utc(2026, 10, 23, 11, 0));
  auto d = due("general", "normal", clock);
  EXPECT_EQ(d.due_first_response, utc(2026, 10, 26, 11, 0));  // Monday 12:00 CET
  EXPECT_EQ(local(d.due_first_response, "Europe/Berlin"), "2026-10-26 12:00 CET");
}

TEST_F(BusinessTime, arrival_seconds_are_dropped_so_due_times_fall_on_whole_minutes) {
  FakeClock clock(utc(2026, 11, 3, 9, 0, 37));
  auto d = due("general", "normal", clock);
  EXPECT_EQ(d.due_first_response, utc(2026, 11, 3, 14, 0, 0));
}

// --- out of hours and on-call cover -------------------------------------------

TEST_F(BusinessTime, normal_request_arriving_at_night_starts_at_the_next_opening) {
  FakeClock clock(utc(2026, 11, 3, 22, 15));  // Tuesday 23:15 CET
  auto d = due("general", "normal", clock);
  EXPECT_EQ(local(d.due_first_response, "Europe/Berlin"), "2026-11-04 14:00 CET");  // 09-12 and 13-14
}

TEST_F(BusinessTime, urgent_request_out_of_hours_is_measured_in_clock_time) {
  FakeClock clock(utc(2026, 11, 3, 22, 15));  // Tuesday 23:15 CET, on_call = "clock"
  auto d = due("general", "urgent", clock);
  EXPECT_EQ(d.due_first_response, utc(2026, 11, 3, 23, 15));  // 1h later, at night
  EXPECT_EQ(d.due_resolution, utc(2026, 11, 4, 2, 15));       // 4h later
}

TEST_F(BusinessTime, urgent_clock_time_across_the_berlin_spring_forward_night) {
  // Saturday 28 March 23:30 CET; at 02:00 on Sunday the clocks jump to 03:00.
  FakeClock clock(utc(2026, 3, 28, 22, 30));
  auto d = due("general", "urgent", clock);
  EXPECT_EQ(d.due_resolution, utc(2026, 3, 29, 2, 30));  // four real hours
  EXPECT_EQ(local(d.due_resolution, "Europe/Berlin"), "2026-03-29 04:30 CEST");
}

TEST_F(BusinessTime, urgent_request_out_of_hours_waits_for_the_on_call_hours_in_new_york) {
  // Saturday 7 March 23:30 EST; on call 07:00-22:00 every day. Sunday 8
  // March starts in EST and is in EDT from 03:00, so on-call opens 11:00 UTC.
  FakeClock clock(utc(2026, 3, 8, 4, 30));
  auto d = due("it-us", "urgent", clock);
  EXPECT_EQ(d.due_first_response, utc(2026, 3, 8, 12, 0));  // 08:00 EDT
  EXPECT_EQ(local(d.due_first_response, "America/New_York"), "2026-03-08 08:00 EDT");
  EXPECT_EQ(d.due_resolution, utc(2026, 3, 8, 15, 0));  // 11:00 EDT
}

TEST_F(BusinessTime, on_call_hours_add_to_office_hours_so_a_later_arrival_is_never_due_earlier) {
  // Office closes at 17:00, on call runs to 22:00: a request at 16:30 and one
  // at 17:30 are both answered that evening, in arrival order.
  FakeClock clock(utc(2026, 10, 14, 20, 30));  // Wednesday 16:30 EDT
  auto in_hours = due("it-us", "urgent", clock);
  clock.set(utc(2026, 10, 14, 21, 30));  // 17:30 EDT
  auto after_hours = due("it-us", "urgent", clock);
  EXPECT_EQ(local(in_hours.due_first_response, "America/New_York"), "2026-10-14 17:30 EDT");
  EXPECT_EQ(local(after_hours.due_first_response, "America/New_York"), "2026-10-14 18:30 EDT");
}

TEST_F(BusinessTime, urgent_on_call_cover_ends_late_evening_and_resumes_next_morning) {
  FakeClock clock(utc(2026, 10, 15, 1, 30));  // Wednesday 21:30 EDT; on call until 22:00
  auto d = due("it-us", "urgent", clock);
  EXPECT_EQ(local(d.due_first_response, "America/New_York"), "2026-10-15 07:30 EDT");
  EXPECT_EQ(local(d.due_resolution, "America/New_York"), "2026-10-15 10:30 EDT");
}

// --- working days ----------------------------------------------------------

TEST_F(BusinessTime, on_call_cover_does_not_turn_a_weekend_into_working_days) {
  ServiceLevel l = level("general", "urgent");  // on_call = "clock"
  ASSERT_EQ(l.on_call.kind, OnCall::Kind::clock);
  l.resolution = {1, parsers::BusinessDuration::Unit::days};
  auto d = compute_due_times(l, utc(2026, 11, 7, 10, 0), std::nullopt);  // Saturday
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(local(d->due_first_response, "Europe/Berlin"), "2026-11-07 12:00 CET");  // 1h clock time
  EXPECT_EQ(local(d->due_resolution, "Europe/Berlin"), "2026-11-09 17:30 CET");      // end of Monday
}

TEST_F(BusinessTime, two_working_days_end_at_the_same_time_of_day) {
  FakeClock clock(utc(2026, 11, 2, 9, 0));  // Monday 10:00 CET
  auto d = due("general", "normal", clock);
  EXPECT_EQ(local(d.due_resolution, "Europe/Berlin"), "2026-11-04 10:00 CET");
}

TEST_F(BusinessTime, weekend_arrival_gets_two_full_working_days) {
  FakeClock clock(utc(2026, 11, 7, 10, 0));  // Saturday: the clock starts Monday 09:00
  auto d = due("general", "normal", clock);
  EXPECT_EQ(local(d.due_resolution, "Europe/Berlin"), "2026-11-10 17:30 CET");  // end of Tuesday
}

TEST_F(BusinessTime, working_day_target_held_to_a_short_friday) {
  FakeClock clock(utc(2026, 11, 4, 15, 0));  // Wednesday 16:00 CET + 2d: Friday closes at 14:00
  auto d = due("general", "normal", clock);
  EXPECT_EQ(local(d.due_resolution, "Europe/Berlin"), "2026-11-06 14:00 CET");
}

TEST_F(BusinessTime, working_days_skip_listed_and_ics_holidays) {
  FakeClock clock(utc(2026, 12, 22, 9, 0));  // Tuesday 22 December 10:00 CET
  auto d = due("general", "normal", clock);
  // Wed 23 (1), Thu 24 listed, Fri 25 .ics, weekend, Mon 28 (2).
  EXPECT_EQ(local(d.due_resolution, "Europe/Berlin"), "2026-12-28 10:00 CET");
}

TEST_F(BusinessTime, working_days_across_the_berlin_fall_back_keep_the_local_time) {
  FakeClock clock(utc(2026, 10, 23, 8, 0));  // Friday 10:00 CEST
  auto d = due("general", "normal", clock);
  EXPECT_EQ(d.due_resolution, utc(2026, 10, 27, 9, 0));  // Tuesday 10:00 CET
  EXPECT_EQ(local(d.due_resolution, "Europe/Berlin"), "2026-10-27 10:00 CET");
}

TEST_F(BusinessTime, working_days_across_the_new_york_spring_forward_keep_the_local_time) {
  FakeClock clock(utc(2026, 3, 6, 15, 0));  // Friday 10:00 EST
  auto d = due("it-us", "normal", clock);
  EXPECT_EQ(d.due_resolution, utc(2026, 3, 10, 14, 0));  // Tuesday 10:00 EDT
}

TEST_F(BusinessTime, working_days_from_a_lunch_break_end_before_the_next_days_break) {
  FakeClock clock(utc(2026, 11, 3, 11, 30));  // Tuesday 12:30 CET, in the break: starts 13:00
  auto d = due("general", "normal", clock);
  // The same business instant as Thursday 13:00 is Thursday 12:00.
  EXPECT_EQ(local(d.due_resolution, "Europe/Berlin"), "2026-11-05 12:00 CET");
}

// --- requested times -------------------------------------------------------

TEST_F(BusinessTime, requested_time_later_than_the_target_is_honoured) {
  FakeClock clock(utc(2026, 11, 2, 9, 0));  // Monday 10:00 CET, target Wednesday 10:00
  auto d = due("general", "normal", clock, utc(2026, 11, 6, 11, 0));
  EXPECT_EQ(d.requested, RequestedTime::honoured);
  EXPECT_EQ(d.due_resolution, utc(2026, 11, 6, 11, 0));
  EXPECT_EQ(d.resolution_target, utc(2026, 11, 4, 9, 0));
  EXPECT_EQ(d.due_first_response, utc(2026, 11, 2, 14, 0));  // unchanged
}

TEST_F(BusinessTime, requested_time_equal_to_the_target_is_honoured) {
  FakeClock clock(utc(2026, 11, 2, 9, 0));
  auto d = due("general", "normal", clock, utc(2026, 11, 4, 9, 0));
  EXPECT_EQ(d.requested, RequestedTime::honoured);
  EXPECT_EQ(d.due_resolution, utc(2026, 11, 4, 9, 0));
}

TEST_F(BusinessTime, requested_time_earlier_than_the_target_is_flagged_and_the_target_kept) {
  FakeClock clock(utc(2026, 11, 2, 9, 0));
  auto d = due("general", "normal", clock, utc(2026, 11, 3, 9, 0));  // tomorrow, target is Wednesday
  EXPECT_EQ(d.requested, RequestedTime::earlier_than_target);
  EXPECT_EQ(d.due_resolution, utc(2026, 11, 4, 9, 0));
}

TEST_F(BusinessTime, requested_time_before_arrival_is_flagged_as_past) {
  FakeClock clock(utc(2026, 11, 2, 9, 0));
  auto d = due("general", "normal", clock, utc(2026, 10, 30, 16, 0));
  EXPECT_EQ(d.requested, RequestedTime::before_arrival);
  EXPECT_EQ(d.due_resolution, utc(2026, 11, 4, 9, 0));
}

TEST_F(BusinessTime, no_requested_time_keeps_the_target) {
  FakeClock clock(utc(2026, 11, 2, 9, 0));
  auto d = due("general", "normal", clock);
  EXPECT_EQ(d.requested, RequestedTime::none);
  EXPECT_EQ(d.due_resolution, d.resolution_target);
}

// --- direct calls and limits -----------------------------------------------

TEST_F(BusinessTime, first_response_is_never_later_than_resolution) {
  ServiceLevel l = level("general", "normal");
  l.first_response = {2, parsers::BusinessDuration::Unit::days};
  l.resolution = {4, parsers::BusinessDuration::Unit::hours};
  auto d = compute_due_times(l, utc(2026, 11, 2, 9, 0), std::nullopt);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->due_first_response, utc(2026, 11, 2, 14, 0));
  EXPECT_EQ(d->due_resolution, utc(2026, 11, 2, 14, 0));
}

TEST_F(BusinessTime, calendar_reports_open_and_closed_instants) {
  auto berlin = policy_.calendar("berlin");
  ASSERT_TRUE(berlin);
  EXPECT_TRUE(berlin->is_open(utc(2026, 11, 3, 8, 0)));     // 09:00 CET
  EXPECT_FALSE(berlin->is_open(utc(2026, 11, 3, 7, 59)));   // 08:59
  EXPECT_FALSE(berlin->is_open(utc(2026, 11, 3, 11, 0)));   // 12:00, lunch
  EXPECT_FALSE(berlin->is_open(utc(2026, 11, 3, 16, 30)));  // 17:30, closed
  EXPECT_FALSE(berlin->is_open(utc(2026, 12, 24, 9, 0)));   // listed holiday
  EXPECT_FALSE(berlin->is_open(utc(2027, 1, 1, 9, 0)));     // .ics, yearly
  EXPECT_TRUE(berlin->is_holiday(date::local_days{date::year{2026} / 10 / 3}));
  EXPECT_FALSE(berlin->is_working_day(date::local_days{date::year{2026} / 11 / 7}));  // Saturday
}

TEST(BusinessCalendarLimits, calendar_closed_for_years_is_an_error_not_a_hang) {
  std::array<std::vector<parsers::TimeRange>, 7> hours;
  hours[1] = {{540, 1020}};  // Mondays only
  std::vector<date::local_days> holidays;
  for (date::local_days d{date::year{2026} / 1 / 5}; d < date::local_days{date::year{2032} / 1 / 1}; d += date::days{7})
    holidays.push_back(d);  // and every Monday a holiday
  auto zone = find_time_zone("Europe/Berlin");
  ASSERT_TRUE(zone.ok());
  BusinessCalendar closed("closed", **zone, hours, holidays);
  auto r = add_business_minutes(closed, OnCall{}, utc(2026, 1, 1, 0, 0), 60);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("calendar closed has not 60 business minutes within 1098 days"), std::string::npos)
      << r.error().message;
  auto days = add_working_days(closed, utc(2026, 1, 1, 0, 0), 1);
  EXPECT_FALSE(days.ok());
}

TEST(BusinessCalendarLimits, unknown_time_zone_is_an_error_value) {
  auto z = find_time_zone("Europe/Atlantis");
  ASSERT_FALSE(z.ok());
  EXPECT_NE(z.error().message.find("unknown time zone \"Europe/Atlantis\""), std::string::npos);
}

// --- building the policy from the config -----------------------------------

parsers::Config config_with(const std::string& from, const std::string& to) {
  std::string text = config_text();
  text.replace(text.find(from), from.size(), to);
  auto load = parsers::parse_config(text, "intake.toml");
  EXPECT_TRUE(load.ok()) << (load.ok() ? "" : load.errors[0].line());
  return load.config;
}

TEST(ServicePolicyBuild, unknown_time_zone_is_named_with_its_key) {
  auto built = ServicePolicy::build(config_with("\"America/New_York\"", "\"America/Gotham\""));
  ASSERT_EQ(built.errors.size(), 1u);
  EXPECT_EQ(built.errors[0].key, "calendar[1].time_zone");
  EXPECT_NE(built.errors[0].message.find("America/Gotham"), std::string::npos);
  EXPECT_FALSE(built.policy.level_for("general", "normal").has_value());
}

TEST(ServicePolicyBuild, missing_holidays_file_is_named_with_its_key) {
  auto built = ServicePolicy::build(config_with("/calendar/de-berlin.ics", "/calendar/nope.ics"));
  ASSERT_EQ(built.errors.size(), 1u);
  EXPECT_EQ(built.errors[0].key, "calendar[0].holidays_file");
  EXPECT_NE(built.errors[0].message.find("nope.ics: cannot be read"), std::string::npos) << built.errors[0].line();
}

TEST(ServicePolicyBuild, timed_event_in_holidays_file_is_named_with_its_key) {
  auto built = ServicePolicy::build(config_with("/calendar/us-new-york.ics", "/calendar/timed-event.ics"));
  ASSERT_EQ(built.errors.size(), 1u);
  EXPECT_EQ(built.errors[0].key, "calendar[1].holidays_file");
  EXPECT_NE(built.errors[0].message.find("\"Christmas party\" (UID party@intake.test) is not an all-day event"),
            std::string::npos)
      << built.errors[0].line();
}

TEST(ServicePolicyBuild, without_service_levels_nothing_is_promised) {
  parsers::Config config;
  auto built = ServicePolicy::build(config);
  EXPECT_TRUE(built.ok());
  EXPECT_FALSE(built.policy.configured());
  EXPECT_FALSE(built.policy.level_for("general", "normal").has_value());
}

}  // namespace
}  // namespace intake::daemon
