// The ports of intaked's loop towards its edges: what wakes it between
// cycles (an IMAP IDLE on the shared mailboxes) and the endpoint that shows
// its figures. daemon/adapters/imap (IdleWatch) and daemon/adapters/metrics
// (MetricsServer) implement them; app/ hands the service the factories.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "parsers/common/result.hpp"
#include "parsers/config/config.hpp"

namespace intake::daemon {

class MailWaiter {
 public:
  virtual ~MailWaiter() = default;
  // Starts (again) listening for new mail after a cycle.
  virtual void arm() = 0;
  // Until `until`, new mail, or `interrupted()`; true when mail arrived.
  virtual bool wait(std::chrono::steady_clock::time_point until, const std::function<bool()>& interrupted) = 0;
  // Some mailbox is listening right now.
  virtual bool any_idling() const = 0;
};

// Serves from a thread of its own until destroyed.
class MetricsEndpoint {
 public:
  virtual ~MetricsEndpoint() = default;
};

struct ServiceEdges {
  // The IDLE connections for a config (daemon.idle on).
  std::function<std::unique_ptr<MailWaiter>(const parsers::Config& config, std::function<void()> heartbeat)> make_waiter;
  // The metrics endpoint on host:port, answering with `text()`.
  std::function<Result<std::unique_ptr<MetricsEndpoint>>(const std::string& host, int port, std::function<std::string()> text)>
      start_metrics;
};

}  // namespace intake::daemon
