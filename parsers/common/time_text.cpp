#include "parsers/common/time_text.hpp"

#include <ctime>

namespace intake::parsers {

std::string iso_utc(std::chrono::sys_seconds t) {
  const std::time_t tt = t.time_since_epoch().count();
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf, n);
}

std::string iso_utc(const std::optional<std::chrono::sys_seconds>& t) { return t ? iso_utc(*t) : std::string(); }

}  // namespace intake::parsers
