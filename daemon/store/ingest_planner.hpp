// Stage 4, decide: one IngestPlan per message of a chunk, in pure code, from
// what the store read for the chunk (core/intake_store.hpp). In order:
//   1. snapshot_query: what to ask the store about the chunk;
//   2. outline_plans: each message's kind (duplicate, our own copy, a reply
//      joining a request, observed, a new request, quarantine) and request,
//      counting the chunk's own earlier messages as known;
//   3. build_plans: with the new requests' numbers reserved, the rows, the
//      history and the mails of each plan (the acknowledgment and what a
//      reply asks for, rendered through PlanMails), the flood decision and
//      the status machine applied; a later reply in the chunk sees what an
//      earlier one changed.
// plan_change is the same for an admin's change (intakectl requests set).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/classify/flood.hpp"
#include "daemon/core/intake_store.hpp"

namespace intake::daemon {

// The mails and reply rules a plan needs, from respond/ and classify/ (the
// cycle wires them; unit tests use their own).
class PlanMails {
 public:
  virtual ~PlanMails() = default;
  virtual std::optional<QueuedMail> acknowledgment(const parsers::Email& email, const RequestView& request) const = 0;
  virtual ReplyPlan reply(const parsers::Email& email, const RequestView& request) const = 0;
  // The new request told to its team; none: nobody to tell, or turned off.
  virtual std::optional<QueuedMail> team_notice(const parsers::Email& email, const RequestView& request,
                                                const Decision& decision) const = 0;
  // To the sender of mail kept as outside, when the decision allows one.
  virtual std::optional<QueuedMail> outside_notice(const parsers::Email& email) const = 0;
};

// One message of a chunk: taken in when `decision` is set, else quarantined
// with `reason` (and `notice` to its sender).
struct ChunkItem {
  const InboundMessage* message = nullptr;  // Message-IDs in their storable forms (core/digest.hpp)
  const InboundMessage* fetched = nullptr;  // as fetched, for the mails (null: the same as `message`)
  const Decision* decision = nullptr;
  std::string reason;
  std::int64_t size_bytes = -1;
  std::optional<QueuedMail> notice;
};

// The id a message is stored under: its Message-ID, else its content's hash.
std::string stored_message_id(const InboundMessage& message);

SnapshotQuery snapshot_query(const std::string& mailbox, const std::vector<ChunkItem>& items,
                             std::chrono::sys_seconds acks_since);

struct PlanOutline {
  PlanKind kind = PlanKind::duplicate;
  std::int64_t request_id = 0;  // joined: the request; created: its reserved id
};
std::vector<PlanOutline> outline_plans(const std::vector<ChunkItem>& items, const IngestSnapshot& snapshot);
int new_requests(const std::vector<PlanOutline>& outline);

struct PlanContext {
  const PlanMails& mails;
  FloodLimit flood;
};
// `numbers`: one reserved request number per new request, in order.
std::vector<IngestPlan> build_plans(const std::vector<ChunkItem>& items, const std::vector<PlanOutline>& outline,
                                    const IngestSnapshot& snapshot, const std::vector<std::int64_t>& numbers,
                                    const PlanContext& context);

// An admin's change to `request` as a plan (kind change), the history by
// `by`; a permanent error when the status machine refuses the move.
Result<IngestPlan> plan_change(const RequestView& request, const ReplyPlan& reply, const std::string& by);

}  // namespace intake::daemon
