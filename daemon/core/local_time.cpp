#include "daemon/core/local_time.hpp"

#include <date/tz.h>

#include "daemon/core/business_calendar.hpp"

namespace intake::daemon {
namespace {

const date::time_zone* zone_or_utc(const std::string& zone) {
  if (auto z = find_time_zone(zone)) return *z;
  return date::locate_zone("UTC");
}

}  // namespace

std::string time_zone_error(const std::string& zone) {
  auto z = find_time_zone(zone);
  return z ? std::string() : z.error().message;
}

parsers::LocalTime to_local(sys_seconds t, const std::string& zone) {
  const auto local = zone_or_utc(zone)->to_local(t);
  const auto day = date::floor<date::days>(local);
  const date::year_month_day ymd(day);
  const date::hh_mm_ss hms(local - day);
  return {static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
          static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count())};
}

sys_seconds from_local(const parsers::LocalTime& t, const std::string& zone) {
  const date::local_days day{date::year{t.year} / date::month{t.month} / date::day{t.day}};
  const date::local_seconds local = day + std::chrono::hours{t.hour} + std::chrono::minutes{t.minute};
  const date::time_zone* z = zone_or_utc(zone);
  const auto info = z->get_info(local);
  if (info.result == date::local_info::nonexistent) return info.second.begin;  // skipped by the change: the change itself
  return z->to_sys(local, date::choose::earliest);
}

}  // namespace intake::daemon
