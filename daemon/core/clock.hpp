// Time and randomness at the edge: stages ask these ports for the time of
// day, for intervals and for random bits, so tests can fake all three
// (tests/daemon/fakes/). The measuring instrument StageTimer (stage_times.hpp)
// reads the monotonic and CPU clocks itself: it decides nothing.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace intake::daemon {

class Clock {
 public:
  virtual ~Clock() = default;
  // The time of day (due times, periods, Date headers).
  virtual std::chrono::system_clock::time_point now() const = 0;
  // For intervals and deadlines (pauses, watchdog pings, flush limits): never
  // jumps with the time of day.
  virtual std::chrono::steady_clock::time_point monotonic() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override { return std::chrono::system_clock::now(); }
  std::chrono::steady_clock::time_point monotonic() const override { return std::chrono::steady_clock::now(); }
};

// Random bits for the parts of intake's Message-IDs that make them unique.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual std::uint64_t next() = 0;
};

// A Mersenne Twister seeded once from std::random_device (not for secrets:
// Message-IDs need to be unique, not unguessable).
class SystemRandom final : public RandomSource {
 public:
  SystemRandom() : engine_(std::random_device{}()) {}
  std::uint64_t next() override { return engine_(); }

 private:
  std::mt19937_64 engine_;
};

}  // namespace intake::daemon
