// Port: what the store stage (stage 4) needs from the database, and the plans
// it hands over. Decide, then execute: the stage reads what one chunk of
// messages needs (IngestSnapshot, one read transaction), decides an
// IngestPlan per message in pure code (store/ingest_planner.hpp), with the
// mails rendered there too, and the adapter only writes the plans, all of a
// chunk in one transaction. No template, MIME or JSON code runs while that
// transaction is open; the adapter refuses the write as `stale` when what the
// plans were decided from changed in between (another instance stored the
// same message, or changed a request), and the stage plans again.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "daemon/core/request_values.hpp"
#include "parsers/common/result.hpp"

namespace intake::daemon {

// What the snapshot is asked about, for one chunk of one mailbox.
struct SnapshotQuery {
  std::string mailbox;
  std::vector<std::string> message_ids;    // the chunk's own (storable forms)
  std::vector<std::string> named_ids;      // what they name: In-Reply-To, References, a bounce's enclosed ids
  std::vector<std::int64_t> numbers;       // [REQ-n] subject tags
  std::vector<std::string> ack_addresses;  // whom acknowledgments may go to (flood counts)
  std::chrono::sys_seconds acks_since{};   // the flood window's start
  int reserve = 0;                         // message and request ids to reserve (one each per message)
};

// What the plans of a chunk are decided from, read in one transaction.
struct IngestSnapshot {
  std::set<std::string> stored_in;  // inbound Message-IDs already stored
  std::set<std::string> sent_out;   // Message-IDs of mail intake sent
  // A stored message (in or out, the first stored where an id is on both) → its request.
  std::map<std::string, std::int64_t> request_of_message;
  std::map<std::int64_t, std::int64_t> request_of_number;  // REQ-<number> → request id
  std::map<std::int64_t, RequestView> requests;            // every request named above, with its version
  std::map<std::string, int> acks_sent;  // lower-case address → acknowledgments queued to it since acks_since
  std::vector<std::int64_t> message_rows, request_ids;  // reserved ids (SnapshotQuery::reserve of each)
};

// An event in a request's history.
struct PlannedEvent {
  std::string type, by, detail;  // by empty: intake
  bool about_message = false;    // refers to the plan's inbound message (events.message_ref)
};

// A rating recorded as the request's `feedback` event, with the owner it
// credits (the owner when it was given; empty when there was none).
struct PlannedFeedback {
  Feedback feedback;
  std::string by, credited;
};

// A mail to queue in the outbox with the plan.
struct PlannedMail {
  std::string purpose;     // acknowledgment, oversized_notice, status_notice, ...
  QueuedMail mail;
  bool of_request = true;  // recorded as one of the request's outbound messages, too
  std::string in_reply_to;  // of_request: the request's own Message-ID, '' when it has none
};

// A new request's row.
struct NewRequest {
  RequestView view;  // id, number's reference, status: as decided
  std::int64_t number = 0;
  std::string requested_by_phrase, requester_department;
};

// How a plan leaves an existing request (a reply joined to it, an admin's change).
struct RequestChange {
  std::int64_t version = 0;  // as read; the write is stale when it differs
  std::optional<RequestStatus> status;  // a move the status machine allowed
  ResolvedMark resolved = ResolvedMark::keep;  // what the move does to resolved_at
  bool reopened = false;                // from resolved or closed: counted
  std::optional<std::vector<std::string>> missing;
  std::string owner, priority;  // empty: unchanged
  bool first_response = false;  // sets first_response_at once
  bool thanks = false;
  // The service-level clock started (ReplyPlan::start_clock): the due times
  // set and clock_started_at with them.
  std::optional<std::chrono::sys_seconds> due_first_response, due_resolution;
};

enum class PlanKind {
  duplicate,   // the same Message-ID was stored before: nothing but the folder's UID
  own_copy,    // intake's own mail come back
  observed,    // threaded nowhere, kept (Cc-only mail, bounces of nothing known)
  joined,      // a reply in a request's thread, with what it changes
  created,     // a new request
  change,      // an admin's change to a request (no message)
  quarantine,  // held with its reason and raw bytes
};

// What is written for one message (or one admin change), decided before the
// write transaction opens.
struct IngestPlan {
  PlanKind kind = PlanKind::duplicate;
  const InboundMessage* message = nullptr;  // null for a change; ids in their storable forms
  std::int64_t message_row = 0;             // the inbound messages row's reserved id
  std::string role;                         // messages.role
  std::int64_t request_id = 0;              // created, joined, change
  std::optional<NewRequest> created;
  std::optional<RequestChange> change;
  std::vector<PlannedEvent> events;
  std::optional<PlannedFeedback> feedback;  // written after `events`
  std::vector<PlannedMail> mails;
  // Acknowledgments only: the address and how many the snapshot counted for
  // it before this one; the write is stale when the count moved.
  std::optional<std::pair<std::string, int>> flood_checked;
  std::string reason;           // quarantine
  std::int64_t size_bytes = -1;  // quarantine: as the server reported it, -1 unknown
  IngestResult result;          // what the stage reports once the plan is written
};

// A mailbox's run of failed fetches as recorded (record_fetch).
struct FetchHealth {
  int consecutive_failures = 0;
  bool alerted = false;  // the admin alert of this run was queued already
};

struct WrittenPlans {
  std::vector<std::int64_t> quarantine_ids;  // per plan, 0 where none
};

class IntakeStore {
 public:
  virtual ~IntakeStore() = default;
  virtual Result<MailboxState> mailbox_state(const std::string& mailbox) = 0;
  // A new UIDVALIDITY: start the folder over; Message-IDs keep it exactly once.
  virtual Status reset_mailbox(const std::string& mailbox, std::uint64_t uidvalidity) = 0;
  // One read transaction; the ids are reserved on the side.
  virtual Result<IngestSnapshot> read_snapshot(const SnapshotQuery& query) = 0;
  // `count` request numbers (REQ-<number>), reserved for the plans' new requests.
  virtual Result<std::vector<std::int64_t>> reserve_numbers(int count) = 0;
  // The plans, in order, in one transaction: all of them or, on an error,
  // none. ErrorKind::stale: what they were decided from changed; plan again.
  // `mailbox`: the lease that fences the write (empty: a change, not fenced).
  virtual Result<WrittenPlans> write_plans(const std::string& mailbox, const std::vector<IngestPlan>& plans,
                                           std::chrono::sys_seconds acks_since) = 0;
  // A failure to store `message` that was not a lost connection, counted in
  // the database per (mailbox, UIDVALIDITY, UID): the count so far, this one
  // included (store/outcome.hpp decides what it comes to).
  virtual Result<int> count_store_failure(const InboundMessage& message, const std::string& error) = 0;
  // Health of a mailbox's fetching: a success ends a run of failures, a
  // failure adds to it.
  virtual Result<FetchHealth> record_fetch(const std::string& mailbox, bool ok, const std::string& error) = 0;
  // The admin alert of the current run of failures, queued once: false when
  // it was queued already (or the run ended meanwhile).
  virtual Result<bool> queue_fetch_alert(const std::string& mailbox, const QueuedMail& alert) = 0;
};

}  // namespace intake::daemon
