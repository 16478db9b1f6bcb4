#include "daemon/core/plain_time.hpp"

#include <array>

#include "daemon/core/business_calendar.hpp"

namespace intake::daemon {

namespace {

// Spelled out here rather than by strftime's %A/%B, which follow the process
// locale; acknowledgments must read the same whatever the service's locale.
constexpr std::array<const char*, 7> weekday_names = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                      "Thursday", "Friday", "Saturday"};
constexpr std::array<const char*, 12> month_names = {"January", "February", "March",     "April",   "May",      "June",
                                                     "July",    "August",   "September", "October", "November", "December"};

std::string two_digits(long long v) { return (v < 10 ? "0" : "") + std::to_string(v); }

}  // namespace

std::string format_plain_time(std::chrono::sys_seconds t, const date::time_zone& zone, std::chrono::sys_seconds now) {
  const auto local = zone.to_local(t);
  const date::local_days day = date::floor<date::days>(local);
  const date::year_month_day ymd{day};
  const date::hh_mm_ss<std::chrono::seconds> time{local - day};
  const date::year_month_day now_ymd{date::floor<date::days>(zone.to_local(now))};

  std::string out = weekday_names[date::weekday{day}.c_encoding()];
  out += " " + std::to_string(static_cast<unsigned>(ymd.day())) + " " +
         month_names[static_cast<unsigned>(ymd.month()) - 1];
  if (ymd.year() != now_ymd.year()) out += " " + std::to_string(static_cast<int>(ymd.year()));
  out += ", " + two_digits(time.hours().count()) + ":" + two_digits(time.minutes().count());
  return out;
}

Result<std::string> format_plain_time(std::chrono::sys_seconds t, std::string_view zone_name,
                                      std::chrono::sys_seconds now) {
  auto zone = find_time_zone(zone_name);
  if (!zone) return zone.error();
  return format_plain_time(t, **zone, now);
}

std::string zone_label(std::string_view zone_name) {
  if (zone_name == "UTC" || zone_name == "Etc/UTC" || zone_name == "Etc/UCT" || zone_name == "Etc/Zulu" ||
      zone_name == "Zulu" || zone_name == "GMT" || zone_name == "Etc/GMT")
    return "UTC";
  const auto slash = zone_name.rfind('/');
  std::string city(slash == std::string_view::npos ? zone_name : zone_name.substr(slash + 1));
  for (char& c : city)
    if (c == '_') c = ' ';
  return city + " time";
}

Result<std::string> format_plain_time_for(std::chrono::sys_seconds t, std::string_view zone_name,
                                          std::string_view desk_zone, std::chrono::sys_seconds now) {
  auto text = format_plain_time(t, zone_name, now);
  if (!text) return text;
  if (zone_name == desk_zone) return text;
  return text.value() + " " + zone_label(zone_name);
}

}  // namespace intake::daemon
