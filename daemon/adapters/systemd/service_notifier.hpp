// What intaked tells its service manager (systemd's sd_notify protocol):
// ready, reloading, stopping, a status line, and watchdog pings. Outside
// systemd (no NOTIFY_SOCKET) every call is a no-op, so tests and cron runs
// need nothing.
#pragma once

#include <chrono>
#include <string>

#include "daemon/core/logging.hpp"
#include "daemon/core/notifier.hpp"

namespace intake::daemon {

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

// The journal's writer over sd_journal_sendv, for set_journal_writer.
JournalWriter systemd_journal_writer();

}  // namespace intake::daemon
