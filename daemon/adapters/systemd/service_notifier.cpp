#include "daemon/adapters/systemd/service_notifier.hpp"

#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

#include <cstdint>

namespace intake::daemon {

namespace {
// A STATUS= line is one line: newlines would end it early.
std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}
}  // namespace

JournalWriter systemd_journal_writer() {
  return [](const iovec* fields, int count) { return sd_journal_sendv(fields, count); };
}

SystemdNotifier::SystemdNotifier() {
  std::uint64_t usec = 0;
  // unset_environment = 0: the variables stay for sd_notify's later calls.
  if (sd_watchdog_enabled(0, &usec) > 0) watchdog_ = std::chrono::microseconds(static_cast<std::int64_t>(usec));
}

void SystemdNotifier::ready(const std::string& status) {
  (void)sd_notify(0, ("READY=1\nSTATUS=" + one_line(status)).c_str());
}

void SystemdNotifier::reloading() { (void)sd_notify(0, "RELOADING=1\nSTATUS=reloading the configuration"); }

void SystemdNotifier::stopping(const std::string& status) {
  (void)sd_notify(0, ("STOPPING=1\nSTATUS=" + one_line(status)).c_str());
}

void SystemdNotifier::status(const std::string& status) { (void)sd_notify(0, ("STATUS=" + one_line(status)).c_str()); }

void SystemdNotifier::watchdog() {
  if (watchdog_.count() > 0) (void)sd_notify(0, "WATCHDOG=1");
}

}  // namespace intake::daemon
