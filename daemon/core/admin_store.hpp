// Port: what sysadmins ask of the database through intakectl: health
// (mailboxes, outbox, instances and leases) and the quarantine.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "daemon/core/request_values.hpp"
#include "parsers/common/result.hpp"

namespace intake::daemon {

struct MailboxHealth {
  std::string mailbox;
  std::string last_success_at;  // ISO 8601 UTC, empty: never
  std::int64_t seconds_since_success = -1;  // -1: never
  int consecutive_failures = 0;
  std::string last_error;
  bool alerted = false;
};

// How a stop reason starts when another instance found the process dead
// (killed, crashed) rather than the instance stopping itself.
inline constexpr const char* found_dead_stop_reason = "process gone";

// An intaked instance sharing the database (intakectl status).
struct InstanceRow {
  std::string id, node, version, started_at, heartbeat_at, stopped_at, stop_reason;
  int pid = 0;
  std::int64_t seconds_since_heartbeat = 0;
  std::int64_t seconds_since_stop = -1;  // -1: not stopped
  std::string state;               // running, lost (no heartbeat within its failover_s), stopped
  std::vector<std::string> holds;  // leases: mailbox names, "(tallies)"
};

struct LeaseEvent {
  std::string lease, at, from, to, reason;  // from/to empty: none (first holder, released)
};

struct HealthReport {
  std::vector<MailboxHealth> mailboxes;
  std::int64_t outbox_pending = 0, outbox_sending = 0, outbox_failed = 0, outbox_interrupted = 0;
  std::int64_t quarantine_held = 0;
  std::int64_t quiet_by_flood_24h = 0;  // requests recorded without acknowledgment by the flood caps, last 24 h
  int schema_version = 0;
  std::vector<InstanceRow> instances;
  std::vector<LeaseEvent> lease_events;  // the latest first
};

struct QuarantineRow {
  std::int64_t id = 0;
  std::string mailbox, reason, status, created_at;
  std::uint64_t uidvalidity = 0, uid = 0;
  std::int64_t raw_bytes = 0;
};

class AdminStore {
 public:
  virtual ~AdminStore() = default;
  virtual Result<HealthReport> health() = 0;
  virtual Result<std::vector<QuarantineRow>> list_quarantine(bool include_released) = 0;
  // The held message, ready to go through the pipeline again.
  virtual Result<InboundMessage> load_quarantined(std::int64_t id) = 0;
  virtual Status release_quarantined(std::int64_t id) = 0;
};

}  // namespace intake::daemon
