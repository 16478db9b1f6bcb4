#include "daemon/adapters/postgres/instance_registry.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "daemon/core/admin_store.hpp"
#include "daemon/core/logging.hpp"
#include "daemon/adapters/postgres/pqxx_guard.hpp"

namespace intake::daemon {

namespace {

using steady = std::chrono::steady_clock;

// Field 22 of /proc/PID/stat (starttime, in clock ticks since boot); 0 when
// the process does not exist. The command name (field 2) may hold spaces
// and parentheses, so the fields are counted from the last ')'.
std::int64_t process_start_of(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!in || !std::getline(in, line)) return 0;
  const auto close = line.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(line.substr(close + 1));
  std::string field;
  // After ')' come field 3 (state) onwards: starttime is the 20th of those.
  for (int i = 3; i <= 22; ++i)
    if (!(rest >> field)) return 0;
  try {
    return std::stoll(field);
  } catch (const std::exception&) {
    return 0;
  }
}

// Deletes `holder`'s leases (every one, or only `lease`) and records each
// release with its reason; returns the leases released.
std::vector<std::string> release_leases(pqxx::work& tx, const std::string& holder, const std::string& lease,
                                        const std::string& reason) {
  std::vector<std::string> released;
  for (const auto& row : tx.exec_params(
           "DELETE FROM mailbox_leases WHERE holder = $1 AND ($2 = '' OR mailbox = $2) RETURNING mailbox", holder, lease)) {
    released.emplace_back(row[0].c_str());
    tx.exec_params("INSERT INTO lease_events (mailbox, from_holder, to_holder, reason) VALUES ($1, $2, NULL, $3)",
                   released.back(), holder, "released: " + reason);
  }
  return released;
}

double seconds_of(std::chrono::milliseconds ms) { return static_cast<double>(ms.count()) / 1000.0; }

// What one attempt on a lease came to, decided inside its transaction.
struct Taken {
  bool held = false;
  bool renewed = false;  // it was this instance's already
  LeaseGain how = LeaseGain::fresh;
  std::string from, reason, holder;  // holder: who keeps it when not taken
};

// The lease's row, locked, with what is known of its holder; empty when no
// row exists. The lease row first, locked, on its own: joined in the same
// statement, a row another taker changed meanwhile would be re-checked
// against the old holder's instance row (PostgreSQL's EvalPlanQual) and look
// orphaned.
pqxx::result locked_lease(pqxx::work& tx, const std::string& lease) {
  auto locked = tx.exec_params(
      "SELECT holder, expires_at <= now(), to_char(extract(epoch FROM now() - expires_at), 'FM999999990.0')"
      " FROM mailbox_leases WHERE mailbox = $1 FOR UPDATE", lease);
  if (locked.empty()) return {};
  return tx.exec_params(
      "SELECT $1::text, $2::boolean, i.id IS NULL, i.stopped_at IS NOT NULL, coalesce(i.stop_reason, ''),"
      " coalesce(i.node, ''), coalesce(i.pid, 0), coalesce(i.process_start, 0), $3::text,"
      " coalesce(to_char(extract(epoch FROM now() - i.heartbeat_at), 'FM999999990.0'), '?')"
      " FROM (SELECT 1) one LEFT JOIN instances i ON i.id = $1",
      std::string(locked[0][0].c_str()), locked[0][1].as<bool>(), std::string(locked[0][2].c_str()));
}

// A lease no row holds: `id` inserts one, unless another instance just did.
Taken take_free(pqxx::work& tx, const std::string& lease, const std::string& id, double ttl_s) {
  Taken t;
  auto ins = tx.exec_params(
      "INSERT INTO mailbox_leases (mailbox, holder, acquired_at, renewed_at, expires_at)"
      " VALUES ($1, $2, now(), now(), now() + make_interval(secs => $3)) ON CONFLICT (mailbox) DO NOTHING RETURNING 1",
      lease, id, ttl_s);
  if (ins.empty()) return t;  // another instance took it a moment ago
  auto last = tx.exec_params(
      "SELECT coalesce(from_holder, ''), reason FROM lease_events WHERE mailbox = $1 AND to_holder IS NULL"
      " ORDER BY id DESC LIMIT 1", lease);
  if (!last.empty()) {
    t.from = last[0][0].c_str();
    t.how = LeaseGain::handed_over;
    t.reason = std::string("its holder had released it (") + last[0][1].c_str() + ")";
  } else {
    t.reason = "no instance held it before";
  }
  t.held = true;
  return t;
}

// Why a lease held by another instance (a row of locked_lease) is taken over.
std::string takeover_reason(const pqxx::row& row, bool unknown, bool stopped, bool gone_here) {
  if (stopped) return std::string("its holder stopped (") + row[4].c_str() + ")";
  if (unknown) return "its holder is not a known instance";
  if (gone_here) return "its holder's process " + std::to_string(row[6].as<int>()) + " on this node is gone";
  return std::string("its lease expired ") + row[8].c_str() + " s ago, last heartbeat " + row[9].c_str() + " s ago";
}

// A lease with a holder (a row of locked_lease): renewed when that is `id`,
// taken over when the holder expired, stopped, is unknown or is a dead
// process on this `node`; otherwise left to it.
Taken take_held(pqxx::work& tx, const pqxx::row& row, const std::string& lease, const std::string& id,
                const std::string& node, double ttl_s) {
  Taken t;
  const std::string holder = row[0].c_str();
  if (holder == id) {
    tx.exec_params("UPDATE mailbox_leases SET renewed_at = now(), expires_at = now() + make_interval(secs => $2)"
                   " WHERE mailbox = $1", lease, ttl_s);
    t.held = t.renewed = true;
    return t;
  }
  const bool expired = row[1].as<bool>(), unknown = row[2].as<bool>(), stopped = row[3].as<bool>();
  const bool gone_here = !unknown && !stopped && std::string(row[5].c_str()) == node &&
                         !process_alive(row[6].as<int>(), row[7].as<std::int64_t>());
  if (!expired && !unknown && !stopped && !gone_here) {
    t.holder = holder;
    return t;
  }
  t.reason = takeover_reason(row, unknown, stopped, gone_here);
  if (gone_here)
    tx.exec_params("UPDATE instances SET stopped_at = now(), stop_reason = $2 WHERE id = $1", holder,
                   std::string(found_dead_stop_reason) + " (seen by " + id + ")");
  tx.exec_params("UPDATE mailbox_leases SET holder = $2, acquired_at = now(), renewed_at = now(),"
                 " expires_at = now() + make_interval(secs => $3) WHERE mailbox = $1",
                 lease, id, ttl_s);
  t.from = holder;
  t.how = LeaseGain::taken_over;
  t.held = true;
  return t;
}

}  // namespace

bool lease_gain_warns(LeaseGain how) { return how == LeaseGain::taken_over; }

std::string InstanceIdentity::id() const { return node + ":" + std::to_string(pid) + ":" + std::to_string(process_start); }

InstanceIdentity this_process(const std::string& node, const std::string& version) {
  InstanceIdentity me;
  me.node = node;
  if (me.node.empty()) {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0) me.node = host;
    if (me.node.empty()) me.node = "localhost";
  }
  me.pid = static_cast<int>(::getpid());
  me.process_start = process_start_of(me.pid);
  me.version = version;
  return me;
}

bool process_alive(int pid, std::int64_t process_start) {
  return pid > 0 && process_start_of(pid) == process_start;
}

LeaseTiming LeaseTiming::for_failover(int failover_s) {
  const std::chrono::milliseconds f{std::int64_t{failover_s} * 1000};
  return {f * 3 / 4, f / 4};
}

InstanceRegistry::InstanceRegistry(std::string conninfo, InstanceIdentity me, int failover_s)
    : conninfo_(std::move(conninfo)),
      me_(std::move(me)),
      id_(me_.id()),
      failover_s_(failover_s),
      timing_(LeaseTiming::for_failover(failover_s)) {}

InstanceRegistry::~InstanceRegistry() = default;

std::chrono::milliseconds InstanceRegistry::transaction_idle_limit() const {
  // A quarter of failover_s: with the lease's 3/4 the takeover stays within it.
  return std::max(std::chrono::milliseconds(1000), timing_.renew_every);
}

template <typename F>
auto InstanceRegistry::guarded(const char* what, F&& f) -> decltype(f()) {
  return pqxx_guard::guarded(conn_, conninfo_, what, [&]() -> decltype(f()) {
    if (!conn_->limited) {
      conn_->conn.set_variable("idle_in_transaction_session_timeout", std::to_string(transaction_idle_limit().count()));
      conn_->limited = true;
    }
    return f();
  });
}

Status InstanceRegistry::ensure_registered() {
  if (registered_) return Ok{};
  auto r = guarded("instance registration", [&]() -> Result<std::vector<std::string>> {
    pqxx::work tx(conn_->conn);
    tx.exec_params(
        "INSERT INTO instances (id, node, pid, process_start, version, failover_s) VALUES ($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT (id) DO UPDATE SET heartbeat_at = now(), stopped_at = NULL, stop_reason = NULL, version = $5,"
        " failover_s = $6",
        id_, me_.node, me_.pid, me_.process_start, me_.version, failover_s_);
    // Instances of this node whose process is gone (killed, crashed) need not
    // wait out their leases: this node can see that they are dead.
    std::vector<std::string> gone;
    auto same_node = tx.exec_params(
        "SELECT id, pid, process_start FROM instances WHERE node = $1 AND id <> $2 AND stopped_at IS NULL", me_.node, id_);
    for (const auto& row : same_node) {
      if (process_alive(row[1].as<int>(), row[2].as<std::int64_t>())) continue;
      gone.emplace_back(row[0].c_str());
      tx.exec_params("UPDATE instances SET stopped_at = now(), stop_reason = $2 WHERE id = $1", gone.back(),
                     std::string(found_dead_stop_reason) + " (seen by " + id_ + " starting on the same node)");
    }
    tx.exec("DELETE FROM instances WHERE coalesce(stopped_at, heartbeat_at) < now() - interval '7 days'");
    tx.commit();
    return gone;
  });
  if (!r) return r.error();
  registered_ = true;
  auto log = stage_logger("service");
  log->info("instance {} (intaked {}) registered; failover within {} s", id_, me_.version, failover_s_);
  for (const auto& g : *r) log->warn("instance {}: its process is gone; its leases are free to take", g);
  return Ok{};
}

void InstanceRegistry::want(std::set<std::string> leases) {
  std::vector<std::string> release;
  for (const auto& [lease, held] : held_)
    if (!leases.count(lease)) release.push_back(lease);
  wanted_ = std::move(leases);
  for (const auto& lease : release) {
    auto r = guarded("lease release", [&]() -> Status {
      pqxx::work tx(conn_->conn);
      release_leases(tx, id_, lease, "no longer in the configuration");
      tx.commit();
      return Ok{};
    });
    held_.erase(lease);
    if (r) stage_logger("service")->info("lease {}: released, no longer in the configuration", lease);
  }
}

bool InstanceRegistry::holds(const std::string& lease) const {
  auto it = held_.find(lease);
  return it != held_.end() && steady::now() < it->second.valid_until;
}

bool InstanceRegistry::hold(const std::string& lease) {
  wanted_.insert(lease);
  if (holds(lease)) return true;
  if (held_.count(lease)) {
    // Run out locally (this process was paused, or the database slow): ask
    // the database, which also says who took it over if anyone did.
    if (ensure_registered()) renew();
    if (holds(lease)) return true;
    give_up(lease, "it could not be renewed in time" + (last_error_.empty() ? std::string() : ": " + last_error_));
  }
  if (!ensure_registered()) return false;
  return try_take(lease);
}

bool InstanceRegistry::take_gained() {
  const bool gained = gained_;
  gained_ = false;
  return gained;
}

std::string InstanceRegistry::holder_of(const std::string& lease) const {
  auto it = others_.find(lease);
  return it == others_.end() ? std::string() : it->second;
}

void InstanceRegistry::give_up(const std::string& lease, const std::string& why) {
  if (!held_.erase(lease)) return;
  stage_logger("service")->warn("lease {}: lost, {}; this instance stops working on it until it can take it again", lease,
                                why);
}

bool InstanceRegistry::try_take(const std::string& lease) {
  const auto asked_at = steady::now();
  auto r = guarded("lease", [&]() -> Result<Taken> {
    pqxx::work tx(conn_->conn);
    const double ttl_s = seconds_of(timing_.ttl);
    const pqxx::result cur = locked_lease(tx, lease);
    Taken t = cur.empty() ? take_free(tx, lease, id_, ttl_s) : take_held(tx, cur[0], lease, id_, me_.node, ttl_s);
    if (t.held && !t.renewed)
      tx.exec_params("INSERT INTO lease_events (mailbox, from_holder, to_holder, reason) VALUES ($1, NULLIF($2, ''), $3, $4)",
                     lease, t.from, id_, t.reason);
    tx.commit();
    return t;
  });
  auto log = stage_logger("service");
  if (!r) {
    if (r.error().message != last_error_) log->error("lease {}: cannot ask the database: {}", lease, r.error().message);
    last_error_ = r.error().message;
    return false;
  }
  last_error_.clear();
  if (!r->held) {
    if (others_[lease] != r->holder && !r->holder.empty())
      log->info("lease {}: held by {}; this instance stands by for it", lease, r->holder);
    if (!r->holder.empty()) others_[lease] = r->holder;
    return false;
  }
  held_[lease] = Held{asked_at + timing_.ttl};
  others_.erase(lease);
  if (!r->renewed) {
    gained_ = true;
    if (lease_gain_warns(r->how)) log->warn("lease {}: taken over from {} by {}: {}", lease, r->from, id_, r->reason);
    else if (r->how == LeaseGain::handed_over)
      log->info("lease {}: handed over from {} to {}: {}", lease, r->from, id_, r->reason);
    else log->info("lease {}: taken by {}: {}", lease, id_, r->reason);
  }
  return true;
}

void InstanceRegistry::renew() {
  const auto asked_at = steady::now();
  auto r = guarded("lease renewal", [&]() -> Result<std::map<std::string, std::string>> {
    pqxx::work tx(conn_->conn);
    auto me = tx.exec_params("UPDATE instances SET heartbeat_at = now() WHERE id = $1 RETURNING 1", id_);
    if (me.empty()) {  // the row is gone (the database was reset or restored): register again
      tx.commit();
      registered_ = false;
      return fail("this instance is no longer registered");
    }
    // Each lease this instance believes it holds: renewed, or who has it now.
    std::map<std::string, std::string> found;
    auto mine = tx.exec_params("UPDATE mailbox_leases SET renewed_at = now(), expires_at = now() + make_interval(secs => $2)"
                               " WHERE holder = $1 RETURNING mailbox", id_, seconds_of(timing_.ttl));
    for (const auto& row : mine) found[row[0].c_str()] = id_;
    for (const auto& [lease, held] : held_) {
      if (found.count(lease)) continue;
      auto now_held = tx.exec_params("SELECT holder FROM mailbox_leases WHERE mailbox = $1", lease);
      found[lease] = now_held.empty() ? std::string() : std::string(now_held[0][0].c_str());
    }
    tx.commit();
    return found;
  });
  if (!r) {
    if (r.error().message != last_error_)
      stage_logger("service")->error("instance {}: heartbeat and lease renewal failed: {}", id_, r.error().message);
    last_error_ = r.error().message;
    return;  // the leases run out locally (beat) unless a renewal gets through in time
  }
  last_error_.clear();
  apply_renewal(*r, asked_at);
}

void InstanceRegistry::apply_renewal(const std::map<std::string, std::string>& holders, steady::time_point asked_at) {
  std::vector<std::string> lost;
  for (auto& [lease, held] : held_) {
    auto it = holders.find(lease);
    if (it != holders.end() && it->second == id_) {
      held.valid_until = asked_at + timing_.ttl;
    } else {
      lost.push_back(lease);
      others_[lease] = it == holders.end() ? std::string() : it->second;
    }
  }
  for (const auto& lease : lost)
    give_up(lease, others_[lease].empty() ? std::string("no instance holds it any more")
                                          : "taken over by " + others_[lease] +
                                                " while this instance could not renew it (paused, or cut off from the database)");
}

void InstanceRegistry::beat() {
  const auto now = steady::now();
  if (last_beat_ == steady::time_point{} || now - last_beat_ >= timing_.renew_every) {
    last_beat_ = now;
    // Renewal first: after a long pause it tells who took a lease over.
    if (ensure_registered()) {
      renew();
      for (const auto& lease : wanted_)
        if (!held_.count(lease)) try_take(lease);
    }
  }
  std::vector<std::string> expired;
  for (const auto& [lease, held] : held_)
    if (steady::now() >= held.valid_until) expired.push_back(lease);
  for (const auto& lease : expired)
    give_up(lease, "it could not be renewed in time" + (last_error_.empty() ? std::string() : ": " + last_error_));
}

void InstanceRegistry::stop(const std::string& reason) {
  if (!registered_) return;
  auto r = guarded("instance stop", [&]() -> Result<std::vector<std::string>> {
    pqxx::work tx(conn_->conn);
    std::vector<std::string> released = release_leases(tx, id_, "", reason);
    tx.exec_params("UPDATE instances SET stopped_at = now(), stop_reason = $2 WHERE id = $1", id_, reason);
    tx.commit();
    return released;
  });
  auto log = stage_logger("service");
  if (!r) {
    log->error("instance {}: could not release its leases ({}); others take them once they expire", id_,
               r.error().message);
    return;
  }
  for (const auto& lease : *r) log->info("lease {}: released by {} ({})", lease, id_, reason);
  held_.clear();
  registered_ = false;
}

}  // namespace intake::daemon
