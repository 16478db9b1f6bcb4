// What intaked tells its service manager (systemd's sd_notify protocol):
// ready, reloading, stopping, a status line, and watchdog pings. Outside
// systemd (no NOTIFY_SOCKET) every call is a no-op, so tests and cron runs
// need nothing.
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
class SystemdNotifier final : public ServiceNotifier {
 public:
  SystemdNotifier();
  void ready(const std::string& status) override;
  void reloading() override;
  void stopping(const std::string& status) override;
  void status(const std::string& status) override;
  void watchdog() override;
  std::chrono::microseconds watchdog_interval() const override { return watchdog_; }

 private:
  std::chrono::microseconds watchdog_{0};
};

}  // namespace intake::daemon
