// The long-running intaked: cycles every poll interval with backoff, tells
// systemd where it stands (READY after the first IMAP login, STATUS, WATCHDOG),
// reloads on SIGHUP (a config that does not check out is refused and the
// running one kept), and stops on SIGTERM between messages, flushing the
// outbox for a bounded time. Between cycles it holds an IMAP IDLE on the
// shared mailboxes (idle_watch.hpp) and cycles early when mail arrives.
// Signals only set flags; this loop acts on them.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "daemon/app/app.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/core/logging.hpp"
#include "daemon/service/metrics.hpp"
#include "daemon/core/notifier.hpp"
#include "daemon/core/wake_ups.hpp"

namespace intake::daemon {

// Set from signal handlers: lock-free atomics, nothing else.
struct ServiceSignals {
  std::atomic<bool> stop{false};
  std::atomic<bool> reload{false};
};
static_assert(std::atomic<bool>::is_always_lock_free);

// SIGTERM and SIGINT set stop, SIGHUP sets reload; SIGPIPE is ignored.
void install_signal_handlers(ServiceSignals& signals);

struct ServiceSettings {
  std::string config_path;
  bool once = false;                   // one cycle, then exit (1 when it had failures)
  // A stop or reload waits for at most this many messages; each round costs a
  // STATUS, a SEARCH and a commit of the fetch health, so not one per message.
  std::size_t messages_per_round = 20;
};

class Service {
 public:
  Service(ServiceSettings settings, Runtime runtime, ServiceEdges edges, ServiceNotifier& notifier, const Clock& clock,
          ServiceSignals& signals);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;
  // Until SIGTERM (exit 0) or, with once, one cycle.
  int run();

 private:
  void heartbeat();
  void logged_in();
  void standing_by();
  void after_cycle(const CycleTotals& totals, double seconds, long long next_pause_s);
  bool reload();  // true: the new config is in force
  void after_reload(const std::string& status);
  void start_metrics();
  void warn_about_watchdog() const;
  // Sleeps until the deadline, a stop or a reload, pinging the watchdog;
  // with `watch`, also until new mail is announced on an IDLE connection.
  void pause(std::chrono::steady_clock::time_point until, bool watch);
  // Seconds until the next cycle: the poll interval, doubled with each
  // failed cycle in a row up to max_backoff_s.
  long long pause_after(int failed_cycles) const;
  // Pauses until `next_cycle`, taking in reloads; true when a stop came.
  bool stopped_while_waiting(std::chrono::steady_clock::time_point next_cycle, bool watch);
  // The IDLE connections for the config in force (none with daemon.idle off).
  void start_idle();
  int shut_down();

  ServiceSettings settings_;
  std::unique_ptr<Runtime> runtime_;
  ServiceEdges edges_;  // IDLE and the metrics endpoint, built by app/
  std::unique_ptr<InstanceRegistry> registry_;  // this instance among the others on the database
  ServiceNotifier& notifier_;
  const Clock& clock_;
  ServiceSignals& signals_;
  Metrics metrics_;
  std::unique_ptr<MetricsEndpoint> metrics_server_;
  std::unique_ptr<MailWaiter> idle_;
  std::string metrics_listen_;  // what metrics_server_ listens on
  bool ready_ = false;
  std::string last_status_;
  std::chrono::steady_clock::time_point last_ping_{};
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace intake::daemon
