// What the stages need from PostgreSQL, the one source of truth. The pqxx
// adapter implements it; no pqxx type appears here.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "daemon/core/intake_store.hpp"
#include "daemon/core/request_values.hpp"
#include "parsers/common/email.hpp"
#include "daemon/core/mail_sender.hpp"
#include "daemon/core/request_status.hpp"
#include "parsers/common/result.hpp"
#include "daemon/summarize/summary.hpp"

namespace intake::daemon {

// kind: "first_response" or "resolution"; overdue: past it, else due soon.
using DueAlertFactory =
    std::function<std::optional<QueuedMail>(const RequestView&, const std::string& kind, bool overdue)>;
// The admin alert for a run of failed fetches, given the failure count.
using AlertFactory = std::function<std::optional<QueuedMail>(int consecutive_failures)>;

struct OutboxItem {
  std::int64_t id = 0;
  std::string purpose;
  std::string reference;
  OutgoingMail mail;
  int attempts = 0;
  int interrupted = 0;  // earlier sends of this row cut off by a crash
};

struct EventRow {
  std::string type, at, by, detail;  // at: ISO 8601 UTC
};

// A request for intakectl: times as ISO 8601 UTC, empty when unset.
struct RequestDetail {
  std::string reference, requester, requester_name, requester_department, subject, category, priority, status, owner;
  std::string requested_by, requested_by_phrase, due_first_response, due_resolution;
  std::string created_at, acknowledged_at, first_response_at, resolved_at;
  std::vector<std::string> missing;
  int thanks = 0, reopened = 0;
  std::vector<EventRow> events;  // only from find_request
};

struct MailboxHealth {
  std::string mailbox;
  std::string last_success_at;  // ISO 8601 UTC, empty: never
  std::int64_t seconds_since_success = -1;  // -1: never
  int consecutive_failures = 0;
  std::string last_error;
  bool alerted = false;
};

// An intaked instance sharing the database (intakectl status).
struct InstanceRow {
  std::string id, node, version, started_at, heartbeat_at, stopped_at, stop_reason;
  int pid = 0;
  std::int64_t seconds_since_heartbeat = 0;
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

class RecordStore : public IntakeStore {
 public:
  // Health of a mailbox's fetching. On the failure that makes `alert_after`
  // in a row, the alert from `make_alert` is queued in the same transaction,
  // once per run of failures (a success ends the run).
  virtual Status record_fetch(const std::string& mailbox, bool ok, const std::string& error, int alert_after,
                              const AlertFactory& make_alert) = 0;
  // Up to `limit` due rows, marked 'sending' (committed) before they are sent.
  virtual Result<std::vector<OutboxItem>> claim_outbox(int limit, int resend_interrupted_after_s) = 0;
  // Due-soon and overdue alerts: for each open request whose first-response
  // or resolution due time is within `soon_s` or past, not yet alerted for
  // that kind, queues what `make_alert` returns and records it, once.
  // Returns how many were queued.
  virtual Result<int> queue_due_alerts(int soon_s, const DueAlertFactory& make_alert) = 0;
  // Requests a summary of [period_start, period_end) with the period before it
  // may need: made before the end, and made, still open or resolved since
  // `previous_start`.
  virtual Result<std::vector<SummaryRequest>> summary_requests(std::chrono::sys_seconds previous_start,
                                                               std::chrono::sys_seconds period_end) = 0;
  virtual Result<bool> summary_already_sent(const std::string& subscription, const std::string& period_key) = 0;
  // Records the period as sent and queues the mail in one transaction; false
  // when another instance (or an earlier run) recorded it first.
  virtual Result<bool> queue_summary(const std::string& subscription, const std::string& period_key,
                                     std::chrono::sys_seconds scheduled, bool late, const QueuedMail& mail) = 0;
  // A summary asked for by hand (intakectl summary send): queued, not recorded.
  virtual Status queue_mail_now(const std::string& purpose, const QueuedMail& mail) = 0;
  // The request for previews (intakectl render); a permanent error when unknown.
  virtual Result<RequestView> request_view(const std::string& reference) = 0;
  virtual Status finish_outbox(std::int64_t id, const Status& result) = 0;
  // Filters: empty matches all.
  virtual Result<std::vector<RequestDetail>> list_requests(const std::string& status, const std::string& category) = 0;
  // With its events; a permanent error when there is no such request.
  virtual Result<RequestDetail> find_request(const std::string& reference) = 0;
  virtual Result<HealthReport> health() = 0;
  virtual Result<std::vector<QuarantineRow>> list_quarantine(bool include_released) = 0;
  // The held message, ready to go through the pipeline again.
  virtual Result<InboundMessage> load_quarantined(std::int64_t id) = 0;
  virtual Status release_quarantined(std::int64_t id) = 0;
};

}  // namespace intake::daemon
