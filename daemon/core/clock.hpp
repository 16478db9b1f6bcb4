// The clock at the edge: stages ask it for the time so tests can fake it.
#pragma once

#include <chrono>

namespace intake::daemon {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point now() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override { return std::chrono::system_clock::now(); }
};

}  // namespace intake::daemon
