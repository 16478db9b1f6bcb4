// The figures intaked exposes to Prometheus, kept in memory by the service
// loop and rendered in the text exposition format (version 0.0.4). Mailbox
// names come from the config and are escaped as label values; nothing here
// touches the database or the network.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace intake::daemon {

class Metrics {
 public:
  explicit Metrics(std::string version) : version_(std::move(version)) {}
  // One mailbox's pass in a cycle: messages fetched, whether it succeeded, and
  // when (Unix seconds), which becomes the last successful fetch time.
  void add_fetch(const std::string& mailbox, std::size_t fetched, bool ok, double now_unix_s);
  void add_cycle(std::size_t requests_created, std::size_t mails_sent, std::size_t mails_failed, double duration_s);
  // From the database after a cycle: pending plus sending rows; held messages.
  void set_backlog(std::int64_t outbox_depth, std::int64_t quarantine_held);
  void add_reload(bool accepted);
  std::string render() const;

 private:
  struct Mailbox {
    std::uint64_t fetched = 0, fetch_errors = 0;
    double last_success_unix_s = 0;  // 0: never since start
  };
  mutable std::mutex mutex_;
  std::string version_;
  std::map<std::string, Mailbox> mailboxes_;
  std::uint64_t cycles_ = 0, requests_created_ = 0, mails_sent_ = 0, mails_failed_ = 0;
  std::uint64_t reloads_ok_ = 0, reloads_refused_ = 0;
  double last_cycle_s_ = 0, cycle_seconds_sum_ = 0;
  std::int64_t outbox_depth_ = -1, quarantine_held_ = -1;  // -1: not read yet
};

// A Prometheus label value: backslash, double quote and newline escaped.
std::string prometheus_label_value(const std::string& value);

}  // namespace intake::daemon
