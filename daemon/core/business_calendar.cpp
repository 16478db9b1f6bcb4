#include "daemon/core/business_calendar.hpp"

#include <algorithm>
#include <stdexcept>

namespace intake::daemon {

namespace {

using std::chrono::minutes;
using std::chrono::seconds;

date::local_days local_date_of(const date::time_zone& zone, SysSeconds t) {
  return date::floor<date::days>(zone.to_local(t));
}

std::string utc_text(SysSeconds t) { return date::format("%Y-%m-%d %H:%M UTC", t); }

// Sorted, with touching or overlapping intervals joined.
std::vector<Interval> merged(std::vector<Interval> list) {
  std::sort(list.begin(), list.end(), [](const Interval& a, const Interval& b) { return a.start < b.start; });
  std::vector<Interval> out;
  for (const Interval& iv : list) {
    if (!out.empty() && iv.start <= out.back().end) out.back().end = std::max(out.back().end, iv.end);
    else out.push_back(iv);
  }
  return out;
}

// The hours a target in h/min counts in: the calendar's, plus the cover.
std::vector<Interval> covered_between(const BusinessCalendar& calendar, const OnCall& on_call, SysSeconds from,
                                      SysSeconds to) {
  if (on_call.kind == OnCall::Kind::clock) return {{from, to}};
  std::vector<Interval> list = calendar.intervals_between(from, to);
  if (on_call.kind == OnCall::Kind::calendar && on_call.calendar) {
    auto extra = on_call.calendar->intervals_between(from, to);
    list.insert(list.end(), extra.begin(), extra.end());
    return merged(std::move(list));
  }
  return list;
}

constexpr date::days search_window{7};

}  // namespace

BusinessCalendar::BusinessCalendar(std::string name, const date::time_zone& zone,
                                   std::array<std::vector<parsers::TimeRange>, 7> hours,
                                   std::vector<date::local_days> holidays)
    : name_(std::move(name)), zone_(&zone), hours_(std::move(hours)), holidays_(std::move(holidays)) {
  std::sort(holidays_.begin(), holidays_.end());
  holidays_.erase(std::unique(holidays_.begin(), holidays_.end()), holidays_.end());
}

bool BusinessCalendar::is_holiday(date::local_days day) const {
  return std::binary_search(holidays_.begin(), holidays_.end(), day);
}

bool BusinessCalendar::is_working_day(date::local_days day) const {
  return !hours_[date::weekday{day}.c_encoding()].empty() && !is_holiday(day);
}

std::vector<Interval> BusinessCalendar::intervals_on(date::local_days day) const {
  std::vector<Interval> out;
  if (is_holiday(day)) return out;
  for (const parsers::TimeRange& r : hours_[date::weekday{day}.c_encoding()]) {
    const SysSeconds start = zone_->to_sys(day + minutes{r.start_min}, date::choose::earliest);
    const SysSeconds end = zone_->to_sys(day + minutes{r.end_min}, date::choose::latest);
    if (start < end) out.push_back({start, end});
  }
  return out;
}

std::vector<Interval> BusinessCalendar::intervals_between(SysSeconds from, SysSeconds to) const {
  std::vector<Interval> out;
  if (!(from < to)) return out;
  const date::local_days last = local_date_of(*zone_, to);
  for (date::local_days d = local_date_of(*zone_, from); d <= last; d += date::days{1})
    for (Interval iv : intervals_on(d)) {
      iv.start = std::max(iv.start, from);
      iv.end = std::min(iv.end, to);
      if (iv.start < iv.end) out.push_back(iv);
    }
  return merged(std::move(out));
}

bool BusinessCalendar::is_open(SysSeconds t) const {
  for (const Interval& iv : intervals_on(local_date_of(*zone_, t)))
    if (iv.start <= t && t < iv.end) return true;
  return false;
}

Result<SysSeconds> add_business_minutes(const BusinessCalendar& calendar, const OnCall& on_call, SysSeconds from,
                                        std::int64_t business_minutes, const BusinessTimeLimits& limits) {
  seconds remaining = minutes{business_minutes};
  SysSeconds window_start = from;
  for (int searched = 0; searched < limits.max_search_days; searched += search_window.count()) {
    const SysSeconds window_end = window_start + search_window;
    for (const Interval& iv : covered_between(calendar, on_call, window_start, window_end)) {
      const seconds open = iv.end - iv.start;
      if (remaining <= open) return iv.start + remaining;
      remaining -= open;
    }
    window_start = window_end;
  }
  return fail("calendar " + calendar.name() + " has not " + std::to_string(business_minutes) +
                  " business minutes within " + std::to_string(limits.max_search_days) + " days after " +
                  utc_text(from),
              true);
}

Result<SysSeconds> add_working_days(const BusinessCalendar& calendar, SysSeconds from, int days,
                                    const BusinessTimeLimits& limits) {
  const date::time_zone& zone = calendar.zone();
  const auto no_time = [&] {
    return fail("calendar " + calendar.name() + " has not " + std::to_string(days) + " working days within " +
                    std::to_string(limits.max_search_days) + " days after " + utc_text(from),
                true);
  };
  // The clock starts at the first open instant.
  std::optional<SysSeconds> start;
  SysSeconds window_start = from;
  for (int searched = 0; !start && searched < limits.max_search_days; searched += search_window.count()) {
    auto open = calendar.intervals_between(window_start, window_start + search_window);
    if (!open.empty()) start = open.front().start;
    window_start += search_window;
  }
  if (!start) return no_time();

  const auto start_local = zone.to_local(*start);
  const date::local_days first_day = date::floor<date::days>(start_local);
  const auto time_of_day = start_local - first_day;

  date::local_days day = first_day, previous_working = first_day;
  for (int counted = 0, searched = 0; counted < days; ++searched) {
    if (searched > limits.max_search_days) return no_time();
    day += date::days{1};
    if (!calendar.is_working_day(day)) continue;
    if (++counted < days) previous_working = day;
  }

  const SysSeconds target = zone.to_sys(day + time_of_day, date::choose::earliest);
  std::optional<SysSeconds> before;
  for (const Interval& iv : calendar.intervals_on(day)) {
    if (iv.start < target && target <= iv.end) return target;
    if (iv.end <= target) before = iv.end;
  }
  if (before) return *before;
  // At or before that day's opening: the same business instant is the close of
  // the working day before, which reads as the earlier (honest) promise.
  const auto previous = calendar.intervals_on(previous_working);
  if (previous.empty()) return no_time();  // cannot happen: previous_working is a working day
  return previous.back().end;
}

Result<SysSeconds> add_target(const ServiceLevel& level, SysSeconds from, const parsers::BusinessDuration& target,
                              const BusinessTimeLimits& limits) {
  if (!level.calendar) return fail("service level without a calendar", true);
  if (target.in_days()) return add_working_days(*level.calendar, from, target.count, limits);
  return add_business_minutes(*level.calendar, level.on_call, from, target.business_minutes(), limits);
}

const char* to_string(RequestedTime requested) {
  switch (requested) {
    case RequestedTime::none: return "none";
    case RequestedTime::honoured: return "honoured";
    case RequestedTime::earlier_than_target: return "earlier_than_target";
    case RequestedTime::before_arrival: return "before_arrival";
  }
  return "none";
}

Result<DueTimes> compute_due_times(const ServiceLevel& level, std::chrono::system_clock::time_point arrival,
                                   std::optional<std::chrono::system_clock::time_point> requested_by,
                                   const BusinessTimeLimits& limits) {
  const SysSeconds from = date::floor<minutes>(arrival);
  auto first = add_target(level, from, level.first_response, limits);
  if (!first) return first.error();
  auto resolution = add_target(level, from, level.resolution, limits);
  if (!resolution) return resolution.error();

  DueTimes due;
  due.resolution_target = *resolution;
  due.due_resolution = *resolution;
  due.due_first_response = std::min(*first, *resolution);
  if (requested_by) {
    const SysSeconds wanted = date::floor<seconds>(*requested_by);
    if (wanted <= date::floor<seconds>(arrival)) {
      due.requested = RequestedTime::before_arrival;
    } else if (wanted >= *resolution) {
      due.requested = RequestedTime::honoured;
      due.due_resolution = wanted;
    } else {
      due.requested = RequestedTime::earlier_than_target;
    }
  }
  return due;
}

Result<const date::time_zone*> find_time_zone(std::string_view name) {
  if (name.empty() || name.size() > 64) return fail("not a time zone name", true);
  try {
    return date::locate_zone(name);
  } catch (const std::exception& e) {
    // locate_zone throws for an unknown name, and when the tz database
    // (/usr/share/zoneinfo, Debian tzdata) cannot be read at all.
    return fail(std::string("unknown time zone \"") + std::string(name) + "\" (" + e.what() + ")", true);
  }
}

ServicePolicyLoad ServicePolicy::build(const parsers::Config& config, const HolidayFileLimits& limits) {
  ServicePolicyLoad load;
  ServicePolicy& policy = load.policy;
  for (std::size_t i = 0; i < config.calendars.size(); ++i) {
    const parsers::CalendarConfig& c = config.calendars[i];
    const std::string prefix = "calendar[" + std::to_string(i) + "]";
    auto zone = find_time_zone(c.time_zone);
    if (!zone) {
      load.errors.push_back({prefix + ".time_zone", zone.error().message});
      continue;
    }
    std::vector<date::local_days> holidays;
    for (const auto& d : c.holidays)
      holidays.push_back(
          date::local_days{date::days{static_cast<int>(std::chrono::sys_days{d}.time_since_epoch().count())}});
    if (!c.holidays_file.empty()) {
      auto dates = read_holidays_ics(c.holidays_file, limits);
      if (!dates) {
        load.errors.push_back({prefix + ".holidays_file", dates.error().message});
        continue;
      }
      holidays.insert(holidays.end(), dates->begin(), dates->end());
    }
    policy.calendars_[c.name] = std::make_shared<const BusinessCalendar>(c.name, **zone, c.hours, std::move(holidays));
  }
  parsers::name_entries(config, load.errors);  // check-config names a calendar by its name
  if (load.errors.empty()) policy.levels_ = config.service_levels;
  return load;
}

std::shared_ptr<const BusinessCalendar> ServicePolicy::calendar(std::string_view name) const {
  auto it = calendars_.find(name);
  return it == calendars_.end() ? nullptr : it->second;
}

std::optional<ServiceLevel> ServicePolicy::level_for(std::string_view category, std::string_view priority) const {
  auto config = parsers::service_level_for(levels_, category, priority);
  if (!config) return std::nullopt;
  ServiceLevel level;
  level.calendar = calendar(config->calendar);
  if (!level.calendar) return std::nullopt;
  level.first_response = config->first_response;
  level.resolution = config->resolution;
  if (config->on_call == parsers::on_call_clock) {
    level.on_call.kind = OnCall::Kind::clock;
  } else if (!config->on_call.empty()) {
    level.on_call.kind = OnCall::Kind::calendar;
    level.on_call.calendar = calendar(config->on_call);
    if (!level.on_call.calendar) return std::nullopt;
  }
  return level;
}

}  // namespace intake::daemon
