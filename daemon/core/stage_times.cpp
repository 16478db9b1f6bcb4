#include "daemon/core/stage_times.hpp"

#include <cstdio>

namespace intake::daemon {

std::string StageTimes::line() const {
  static const char* names[] = {"fetch", "parse", "classify", "store", "move", "send"};
  std::string out;
  for (std::size_t i = 0; i < wall_ms.size(); ++i) {
    char buf[96];
    (void)std::snprintf(buf, sizeof buf, "%s%s %.1f/%.1f ms", out.empty() ? "" : ", ", names[i], wall_ms[i], cpu_ms[i]);  // a log line: cut short at worst
    out += buf;
  }
  return out;
}

}  // namespace intake::daemon
