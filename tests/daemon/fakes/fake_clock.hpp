// The clock port (daemon/core/clock.hpp) at a time the test sets.
#pragma once

#include <chrono>

#include "daemon/core/clock.hpp"

namespace intake::testing {

class FakeClock final : public daemon::Clock {
 public:
  explicit FakeClock(std::chrono::sys_seconds t) : now_(t) {}
  std::chrono::system_clock::time_point now() const override { return now_; }
  std::chrono::steady_clock::time_point monotonic() const override {
    return std::chrono::steady_clock::time_point{} + (now_ - start_);
  }
  void set(std::chrono::sys_seconds t) { now_ = t; }

 private:
  std::chrono::system_clock::time_point now_;
  std::chrono::system_clock::time_point start_ = now_;
};

// The random port as a counter: Message-IDs the same in every run.
class FakeRandom final : public daemon::RandomSource {
 public:
  std::uint64_t next() override { return ++value_; }

 private:
  std::uint64_t value_ = 0;
};

}  // namespace intake::testing
