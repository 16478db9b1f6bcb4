// The notifier port: what intaked tells its service manager (ready, reloading,
// stopping, a status line, watchdog pings). The systemd adapter implements it
// (daemon/adapters/systemd/); tests use tests/daemon/fakes/.
#pragma once

#include <chrono>
#include <string>

namespace intake::daemon {

class ServiceNotifier {
 public:
  virtual ~ServiceNotifier() = default;
  virtual void ready(const std::string& status) = 0;
  virtual void reloading() = 0;
  virtual void stopping(const std::string& status) = 0;
  virtual void status(const std::string& status) = 0;
  virtual void watchdog() = 0;
  // The interval the manager expects pings within; zero: no watchdog.
  virtual std::chrono::microseconds watchdog_interval() const = 0;
};

// sd_notify(3) from libsystemd.
}  // namespace intake::daemon
