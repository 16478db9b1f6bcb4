// Civil time in a requester's IANA time zone (howardhinnant date/tz, reading
// the system's tzdata): what "tomorrow morning" means where they sit, and
// how a due time reads to them. Zone names come from the config.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "parsers/request/request_fields.hpp"
#include "parsers/common/result.hpp"

namespace intake::daemon {

using std::chrono::sys_seconds;

// Empty when the zone exists in tzdata; else why not.
std::string time_zone_error(const std::string& zone);
// The civil time in `zone` (UTC when the zone is unknown).
parsers::LocalTime to_local(sys_seconds t, const std::string& zone);
// The instant a civil time in `zone` names; a time skipped by a DST change
// moves to the change, a repeated one takes the earlier.
sys_seconds from_local(const parsers::LocalTime& t, const std::string& zone);

}  // namespace intake::daemon
