// The clock port (daemon/core/clock.hpp) at a time the test sets.
#pragma once

#include <chrono>

#include "daemon/core/clock.hpp"

namespace intake::testing {

class FakeClock final : public daemon::Clock {
 public:
  explicit FakeClock(std::chrono::sys_seconds t) : now_(t) {}
  std::chrono::system_clock::time_point now() const override { return now_; }
  void set(std::chrono::sys_seconds t) { now_ = t; }

 private:
  std::chrono::system_clock::time_point now_;
};

}  // namespace intake::testing
