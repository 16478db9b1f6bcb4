// What the stages need from PostgreSQL, the one source of truth. The pqxx
// adapter implements it; no pqxx type appears here.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "parsers/common/email.hpp"
#include "daemon/core/mail_sender.hpp"
#include "daemon/core/request_status.hpp"
#include "parsers/common/result.hpp"
#include "daemon/summarize/summary.hpp"

namespace intake::daemon {

struct MailboxState {
  std::uint64_t uidvalidity = 0;
  std::uint64_t last_uid = 0;
};

struct InboundMessage {
  std::string mailbox;
  std::uint64_t uidvalidity = 0;
  std::uint64_t uid = 0;
  std::string raw;
  std::string content_sha256;  // hex
  parsers::Email email;
};

// What the classifier decided before the store looks for a thread.
struct Decision {
  bool make_request = true;  // false: observe only (Cc-only mail, bounces)
  bool acknowledge = true;   // false: record quietly (auto-replies, bulk, loops)
  bool own_mail = false;     // intake's own mail come back: observed, never joined to a thread
  std::string category;
  std::string priority = "normal";
  std::string quiet_reason;     // why no acknowledgment, for the log
  std::string routing_reason;   // why this category ("subject tag it")
  std::string priority_reason;  // why this priority ("word \"urgent\"")
  std::optional<std::chrono::sys_seconds> requested_by;  // from the text, in the requester's zone
  std::string requested_by_phrase;
  std::vector<std::string> missing;  // facts the category needs that the text lacks
  std::string requester_department;
  std::string time_zone = "UTC";  // the requester's
  std::optional<std::chrono::sys_seconds> due_first_response, due_resolution;
  bool requested_earlier = false;  // the requested time is before what the service level promises
};

// A request as the stages see it when they decide what to do with it.
struct RequestView {
  std::int64_t id = 0;
  std::string reference;  // REQ-1042
  std::string category;
  std::string priority;
  RequestStatus status = RequestStatus::new_;
  std::string requester_address;
  std::string requester_name;
  std::string owner;
  std::string subject;
  std::string request_message_id;  // the Message-ID of the mail that made it (threading)
  std::string time_zone = "UTC";
  std::vector<std::string> missing;
  std::optional<std::chrono::sys_seconds> requested_by;
  std::optional<std::chrono::sys_seconds> due_first_response, due_resolution;
  bool requested_earlier = false;  // only while the request is being made
};

// An acknowledgment to queue: built inside the ingest transaction, once the
// reference exists, so request and outbox row commit together.
struct QueuedMail {
  OutgoingMail mail;
  std::string message_id;  // without angle brackets
  std::string subject;
};
using AckFactory = std::function<std::optional<QueuedMail>(const RequestView&)>;

// What a reply in a request's thread (or an admin's command) changes, decided
// by the cycle from the request's state; the store applies it in the same
// transaction as the message, recording every change as an event.
struct ReplyPlan {
  struct Event {
    std::string type, detail;
  };
  std::string role = "reply";  // messages.role: reply, thanks, auto_reply, staff_command, staff_response, ...
  std::vector<Event> events;
  std::optional<RequestStatus> new_status;  // none: unchanged; applied only where request_status allows the move
  std::optional<std::vector<std::string>> missing;  // the facts still missing, when that changed
  std::string owner;     // empty: unchanged
  std::string priority;  // empty: unchanged
  bool first_response = false;  // a staff response: sets first_response_at once
  bool thanks = false;          // counts for the summaries
  bool reopened = false;
  std::vector<std::pair<std::string, QueuedMail>> mails;  // purpose, mail: to queue in the same transaction
};
using ReplyPlanner = std::function<ReplyPlan(const RequestView&)>;
// kind: "first_response" or "resolution"; overdue: past it, else due soon.
using DueAlertFactory =
    std::function<std::optional<QueuedMail>(const RequestView&, const std::string& kind, bool overdue)>;
// The admin alert for a run of failed fetches, given the failure count.
using AlertFactory = std::function<std::optional<QueuedMail>(int consecutive_failures)>;

enum class IngestOutcome { created, joined, observed, duplicate };
const char* to_string(IngestOutcome outcome);

struct IngestResult {
  IngestOutcome outcome = IngestOutcome::duplicate;
  std::string reference;  // of the request created or joined
  bool ack_queued = false;
  std::string reply_role;  // joined: how the reply was taken (reply, thanks, staff_command, ...)
  bool flood_limited = false;  // no acknowledgment: the recipient had too many already
};

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

// One fetched message as a chunk stores it (RecordStore::store_group): an
// ingest when `decision` is set, else a quarantine with its reason.
struct GroupItem {
  const InboundMessage* message = nullptr;
  const Decision* decision = nullptr;
  AckFactory make_ack;
  ReplyPlanner plan_reply;
  std::string reason;
  std::int64_t size_bytes = -1;
  std::optional<QueuedMail> notice;
};
struct GroupResult {
  IngestResult ingest;
  std::int64_t quarantine_id = 0;
};

class RecordStore {
 public:
  virtual ~RecordStore() = default;
  virtual Result<MailboxState> mailbox_state(const std::string& mailbox) = 0;
  // A new UIDVALIDITY: start the folder over; Message-IDs keep it exactly once.
  virtual Status reset_mailbox(const std::string& mailbox, std::uint64_t uidvalidity) = 0;
  // One transaction: the message, then either the request it makes (with its
  // acknowledgment from `make_ack`) or the thread it joins (with what
  // `plan_reply` decides for that request).
  virtual Result<IngestResult> ingest(const InboundMessage& message, const Decision& decision, const AckFactory& make_ack,
                                      const ReplyPlanner& plan_reply) = 0;
  // Group commit: the items in order, as `ingest` and `quarantine` would
  // store them, in one transaction: all of them or, on an error, none.
  // Stores without it (supports_groups false) take one item at a time.
  virtual bool supports_groups() const { return false; }
  virtual Result<std::vector<GroupResult>> store_group(const std::vector<GroupItem>& items) {
    (void)items;
    return fail("this store takes one message at a time", true);
  }
  // A failure to store `message` that was not a lost connection, counted in
  // the database per (mailbox, UIDVALIDITY, UID): the count so far, this one
  // included (store/outcome.hpp decides what it comes to).
  virtual Result<int> count_store_failure(const InboundMessage& message, const std::string& error) = 0;
  // Held with its reason (size_bytes: as the server reported it, -1 unknown);
  // `notice`, when given, is queued to the sender in the same transaction.
  virtual Result<std::int64_t> quarantine(const InboundMessage& message, const std::string& reason, std::int64_t size_bytes,
                                          const std::optional<QueuedMail>& notice) = 0;
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
  // An admin's change (intakectl requests set), applied like a reply's plan;
  // a permanent error says why it was refused.
  virtual Status change_request(const std::string& reference, const std::string& by, const ReplyPlanner& plan) = 0;
  virtual Result<HealthReport> health() = 0;
  virtual Result<std::vector<QuarantineRow>> list_quarantine(bool include_released) = 0;
  // The held message, ready to go through the pipeline again.
  virtual Result<InboundMessage> load_quarantined(std::int64_t id) = 0;
  virtual Status release_quarantined(std::int64_t id) = 0;
};

}  // namespace intake::daemon
