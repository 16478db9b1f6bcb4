// Due times in plain words for the people who asked, in their time zone:
// "Thursday 26 November, 12:00". Trusts nothing about the zone name it is
// given (a name the tz database does not know is an error value).
#pragma once

#include <date/tz.h>

#include <chrono>
#include <string>
#include <string_view>

#include "parsers/common/result.hpp"

namespace intake::daemon {

// "Thursday 26 November, 12:00" (24-hour clock, English names), with the year
// when it is not the year `now` is in, in that zone: "Monday 4 January 2027,
// 09:00". Never "today" or "tomorrow": an acknowledgment is read later than
// it is written (the next morning, forwarded, quoted in a reply), and then a
// relative word is wrong while a weekday with its date stays true.
std::string format_plain_time(std::chrono::sys_seconds t, const date::time_zone& zone, std::chrono::sys_seconds now);
// What a reader calls a zone: "America/New_York" -> "New York time",
// "America/Argentina/Buenos_Aires" -> "Buenos Aires time", "UTC" and
// "Etc/UTC" -> "UTC".
std::string zone_label(std::string_view zone_name);
// The same, followed by the zone's label when `zone_name` is not
// `desk_zone` ("Friday 4 December, 04:48 New York time"): a time shown to a
// person is in their zone, and named when it is not the desk's.
Result<std::string> format_plain_time_for(std::chrono::sys_seconds t, std::string_view zone_name,
                                          std::string_view desk_zone, std::chrono::sys_seconds now);
// The same by zone name, e.g. "America/New_York".
Result<std::string> format_plain_time(std::chrono::sys_seconds t, std::string_view zone_name,
                                      std::chrono::sys_seconds now);

}  // namespace intake::daemon
