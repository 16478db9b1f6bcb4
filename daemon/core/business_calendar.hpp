// Business time: named calendars (an IANA time zone, working hours per
// weekday, holidays) and the due times of a request's service-level targets.
// Pure: no clock (arrival and requested times are passed in), no I/O but the
// holidays files read once by ServicePolicy::build. Trusts the config only
// after parse_config checked it; every search is bounded in days.
#pragma once

#include <date/tz.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parsers/config/config.hpp"
#include "parsers/calendar/holiday_file.hpp"
#include "parsers/common/result.hpp"

namespace intake::daemon {

using SysSeconds = std::chrono::sys_seconds;

// [start, end) in UTC.
struct Interval {
  SysSeconds start;
  SysSeconds end;
  bool operator==(const Interval&) const = default;
};

struct BusinessTimeLimits {
  // How far a search for open hours may run before it gives up (a calendar
  // whose every working day is a holiday for years is a mistake, not a wait).
  int max_search_days = 3 * 366;
};

// One named calendar. Working hours are wall-clock times in its zone, so they
// follow daylight saving time: "09:00-17:00" is 09:00 to 17:00 local on the
// day clocks change too (7 or 9 hours only when a range spans the change).
class BusinessCalendar {
 public:
  // hours indexed by weekday::c_encoding() (0 = Sunday); holidays in any order.
  BusinessCalendar(std::string name, const date::time_zone& zone, std::array<std::vector<parsers::TimeRange>, 7> hours,
                   std::vector<date::local_days> holidays);

  const std::string& name() const { return name_; }
  const date::time_zone& zone() const { return *zone_; }
  bool is_holiday(date::local_days day) const;
  // Not a holiday and with working hours on its weekday.
  bool is_working_day(date::local_days day) const;
  // The working intervals of one local date, in order; empty on holidays.
  // A local time that does not exist (skipped by DST) starts or ends a range
  // at the change; an ambiguous one (repeated) starts at its first and ends
  // at its second occurrence, so a range covers every instant it names.
  std::vector<Interval> intervals_on(date::local_days day) const;
  // The open time within [from, to): clipped, sorted, touching ranges merged.
  std::vector<Interval> intervals_between(SysSeconds from, SysSeconds to) const;
  bool is_open(SysSeconds t) const;

 private:
  std::string name_;
  const date::time_zone* zone_;
  std::array<std::vector<parsers::TimeRange>, 7> hours_;
  std::vector<date::local_days> holidays_;  // sorted, unique
};

// Extra hours in which targets in h/min keep running (on-call cover): none,
// every hour ("clock"), or the hours of another calendar. The cover is added
// to the calendar's own hours, so a request arriving later never gets an
// earlier due time, in hours or out of them.
struct OnCall {
  enum class Kind { none, clock, calendar };
  Kind kind = Kind::none;
  std::shared_ptr<const BusinessCalendar> calendar;  // Kind::calendar
};

// The targets of one (category, priority), resolved.
struct ServiceLevel {
  std::shared_ptr<const BusinessCalendar> calendar;
  OnCall on_call;
  parsers::BusinessDuration first_response;
  parsers::BusinessDuration resolution;
};

// `from` plus business minutes: time counts only while the calendar (or the
// on-call cover) is open. Ends at the end of a range when the minutes run out
// there (17:30, not the next morning's opening).
Result<SysSeconds> add_business_minutes(const BusinessCalendar& calendar, const OnCall& on_call, SysSeconds from,
                                        std::int64_t minutes, const BusinessTimeLimits& limits = {});

// `from` plus N working days of the calendar (on-call cover does not change
// what a working day is). The clock starts at the first open instant at or
// after `from`; the due time is the same local time of day N working days
// later, held to that day's open hours: after its closing it is the closing,
// in a break the end of the range before, and at or before its opening the
// close of the working day before it (opening at 09:00 Monday + 2d is Tuesday
// 17:30: two full working days).
Result<SysSeconds> add_working_days(const BusinessCalendar& calendar, SysSeconds from, int days,
                                    const BusinessTimeLimits& limits = {});

// Either of the two, by the target's unit.
Result<SysSeconds> add_target(const ServiceLevel& level, SysSeconds from, const parsers::BusinessDuration& target,
                              const BusinessTimeLimits& limits = {});

enum class RequestedTime {
  none,            // the request named no time
  honoured,        // at or after the resolution target: due_resolution is the requested time
  earlier_than_target,  // before what the team can promise: the target stays, the acknowledgment says so
  before_arrival,  // already past when the request arrived (a misread date, or "yesterday"): the target stays
};
const char* to_string(RequestedTime requested);

struct DueTimes {
  SysSeconds due_first_response;
  SysSeconds due_resolution;     // the requested time when honoured, else resolution_target
  SysSeconds resolution_target;  // what the resolution target alone gives
  RequestedTime requested = RequestedTime::none;
};

// Due times for a request arriving at `arrival` (counted from the start of its
// minute, so due times fall on whole minutes). The first response is never
// later than the resolution (resolving it answers it).
Result<DueTimes> compute_due_times(const ServiceLevel& level, std::chrono::system_clock::time_point arrival,
                                   std::optional<std::chrono::system_clock::time_point> requested_by,
                                   const BusinessTimeLimits& limits = {});

struct ServicePolicyLoad;

// Every calendar of the config with its zone from the tz database and its
// holidays file read, and the service levels that point at them.
class ServicePolicy {
 public:
  // Problems (unknown zone, unreadable or invalid holidays file) are config
  // errors naming the key, e.g. "calendar[0].time_zone: ...".
  static ServicePolicyLoad build(const parsers::Config& config, const HolidayFileLimits& limits = {});

  // false: no [service_levels] in the config, no timeframe is promised.
  bool configured() const { return levels_.configured; }
  // nullopt when not configured (or when build reported errors).
  std::optional<ServiceLevel> level_for(std::string_view category, std::string_view priority) const;
  std::shared_ptr<const BusinessCalendar> calendar(std::string_view name) const;

 private:
  parsers::ServiceLevelsConfig levels_;
  std::map<std::string, std::shared_ptr<const BusinessCalendar>, std::less<>> calendars_;
};

struct ServicePolicyLoad {
  ServicePolicy policy;
  std::vector<parsers::ConfigError> errors;
  bool ok() const { return errors.empty(); }
};

// The tz database's zone of that name; an error value when there is none.
Result<const date::time_zone*> find_time_zone(std::string_view name);

}  // namespace intake::daemon
