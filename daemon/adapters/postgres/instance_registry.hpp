// This intaked among the others that share one PostgreSQL: its row in
// `instances` (a heartbeat), and the leases on mailboxes it fetches (one
// fetcher per mailbox at a time), taken over from a holder that died, lost
// its database connection or stopped. Only the database's clock decides
// expiry, so the hosts' clocks need not agree; a lease this instance cannot
// renew it gives up locally before it expires in the database. Failures are
// values and logged here, on both sides of a failover.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "parsers/common/result.hpp"

namespace intake::daemon {

struct PqxxConnection;  // a pqxx::connection (pqxx_guard.hpp), kept out of this header

struct InstanceIdentity {
  std::string node;  // daemon.node_name or the host name
  int pid = 0;
  std::int64_t process_start = 0;  // /proc/self/stat starttime
  std::string version;
  std::string id() const;  // node:pid:process_start
};
// This process, on `node` (empty: the host name).
InstanceIdentity this_process(const std::string& node, const std::string& version);
// The process `pid` on this machine is running and started at `process_start`.
bool process_alive(int pid, std::int64_t process_start);

// The lease timing for daemon.failover_s = F: a lease lasts 3F/4 from its last
// renewal, the holder renews it every F/4, and the others try to take it every
// F/4; so a holder that dies is replaced within F.
struct LeaseTiming {
  std::chrono::milliseconds ttl, renew_every;
  static LeaseTiming for_failover(int failover_s);
};

// How a lease came to this instance. A hand-over (its holder released it:
// the previous `intaked --once`, a restart, a reload that dropped the mailbox)
// is planned and logged as info; only a takeover from a holder that is alive
// but late, stopped without releasing it, unknown or gone is a warning.
enum class LeaseGain { fresh, handed_over, taken_over };
bool lease_gain_warns(LeaseGain how);

class InstanceRegistry {
 public:
  InstanceRegistry(std::string conninfo, InstanceIdentity me, int failover_s);
  ~InstanceRegistry();
  InstanceRegistry(const InstanceRegistry&) = delete;
  InstanceRegistry& operator=(const InstanceRegistry&) = delete;

  const std::string& id() const { return id_; }
  // The longest a transaction of this instance may sit idle before the server
  // ends it (and with it the locks that would hold up a takeover).
  std::chrono::milliseconds transaction_idle_limit() const;
  // The leases this instance should hold: the fetched mailboxes, the tallies.
  void want(std::set<std::string> leases);
  // Heartbeat, renewals and attempts on the wanted leases not held, at most
  // every renew_every (more often costs only a clock read): called at every
  // IMAP or SMTP step and while the service loop waits.
  void beat();
  // Before working on `lease`: held by this instance, taken now if free.
  bool hold(const std::string& lease);
  // Between rounds: held and renewed in time, by local reckoning.
  bool holds(const std::string& lease) const;
  // A lease was gained since the last call (the service loop then starts a
  // cycle at once instead of waiting out its pause).
  bool take_gained();
  // Who holds `lease` when it is not this instance ("" when no one is known).
  std::string holder_of(const std::string& lease) const;
  // Releases every lease and marks this instance stopped, with the reason.
  void stop(const std::string& reason);

 private:
  struct Held {
    std::chrono::steady_clock::time_point valid_until;
  };
  template <typename F>
  auto guarded(const char* what, F&& f) -> decltype(f());
  Status ensure_registered();
  void renew();
  // After a renewal that found `holders` (lease -> holder, "" for none): the
  // leases renewed stay valid a ttl from `asked_at`, the others are given up.
  void apply_renewal(const std::map<std::string, std::string>& holders, std::chrono::steady_clock::time_point asked_at);
  bool try_take(const std::string& lease);
  void give_up(const std::string& lease, const std::string& why);

  std::string conninfo_;
  InstanceIdentity me_;
  std::string id_;
  int failover_s_;
  LeaseTiming timing_;
  std::unique_ptr<PqxxConnection> conn_;
  bool registered_ = false;
  std::set<std::string> wanted_;
  std::map<std::string, Held> held_;
  std::map<std::string, std::string> others_;  // lease -> holder, as last seen
  std::chrono::steady_clock::time_point last_beat_{};
  std::string last_error_;  // logged once until it changes
  bool gained_ = false;
};

}  // namespace intake::daemon
