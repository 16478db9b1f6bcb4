// What the stages need from PostgreSQL, the one source of truth. The pqxx
// adapter implements it; no pqxx type appears here.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "email.hpp"
#include "mail_sender.hpp"
#include "result.hpp"

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
  std::string category;
  std::string priority = "normal";
  std::string quiet_reason;  // why no acknowledgment, for the log
};

struct RequestView {
  std::int64_t id = 0;
  std::string reference;  // REQ-1042
  std::string category;
  std::string priority;
  std::string status;
};

// An acknowledgment to queue: built inside the ingest transaction, once the
// reference exists, so request and outbox row commit together.
struct QueuedMail {
  OutgoingMail mail;
  std::string message_id;  // without angle brackets
  std::string subject;
};
using AckFactory = std::function<std::optional<QueuedMail>(const RequestView&)>;
// The admin alert for a run of failed fetches, given the failure count.
using AlertFactory = std::function<std::optional<QueuedMail>(int consecutive_failures)>;

enum class IngestOutcome { created, joined, observed, duplicate };
const char* to_string(IngestOutcome outcome);

struct IngestResult {
  IngestOutcome outcome = IngestOutcome::duplicate;
  std::string reference;  // of the request created or joined
  bool ack_queued = false;
};

struct OutboxItem {
  std::int64_t id = 0;
  std::string purpose;
  std::string reference;
  OutgoingMail mail;
  int attempts = 0;
  int interrupted = 0;  // earlier sends of this row cut off by a crash
};

struct RequestRow {
  std::string reference, requester, requester_name, subject, category, priority, status, owner, created_at,
      acknowledged_at;
};

struct MailboxHealth {
  std::string mailbox;
  std::string last_success_at;  // ISO 8601 UTC, empty: never
  std::int64_t seconds_since_success = -1;  // -1: never
  int consecutive_failures = 0;
  std::string last_error;
  bool alerted = false;
};

struct HealthReport {
  std::vector<MailboxHealth> mailboxes;
  std::int64_t outbox_pending = 0, outbox_sending = 0, outbox_failed = 0, outbox_interrupted = 0;
  std::int64_t quarantine_held = 0;
  int schema_version = 0;
};

struct QuarantineRow {
  std::int64_t id = 0;
  std::string mailbox, reason, status, created_at;
  std::uint64_t uidvalidity = 0, uid = 0;
  std::int64_t raw_bytes = 0;
};

class RecordStore {
 public:
  virtual ~RecordStore() = default;
  virtual Result<MailboxState> mailbox_state(const std::string& mailbox) = 0;
  // A new UIDVALIDITY: start the folder over; Message-IDs keep it exactly once.
  virtual Status reset_mailbox(const std::string& mailbox, std::uint64_t uidvalidity) = 0;
  virtual Result<IngestResult> ingest(const InboundMessage& message, const Decision& decision, const AckFactory& make_ack) = 0;
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
  virtual Status finish_outbox(std::int64_t id, const Status& result) = 0;
  virtual Result<std::vector<RequestRow>> list_requests(const std::string& status_filter) = 0;
  virtual Result<HealthReport> health() = 0;
  virtual Result<std::vector<QuarantineRow>> list_quarantine(bool include_released) = 0;
  // The held message, ready to go through the pipeline again.
  virtual Result<InboundMessage> load_quarantined(std::int64_t id) = 0;
  virtual Status release_quarantined(std::int64_t id) = 0;
};

}  // namespace intake::daemon
