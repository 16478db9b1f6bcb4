// The one row builder for IngestPlans (core/intake_store.hpp): whether a
// chunk holds one message or two hundred, its plans become the same few sets
// of rows, each a JSON array for jsonb_to_recordset, built before the write
// transaction opens. Raw bytes are not copied: the rows name them by number
// (k, counted from 1) in `raws` and `mail_raws`.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "daemon/core/intake_store.hpp"

namespace intake::daemon {

struct IngestRows {
  std::string messages, requests, changes, events, outbox, sent;  // JSON arrays ("" when empty)
  std::string sent_copies;  // JSON array of the Message-IDs of intake's own mail come back ("" when none)
  std::vector<const std::string*> raws;       // the inbound messages', by k
  std::vector<const std::string*> mail_raws;  // the queued mails', by k
  struct Held {
    const InboundMessage* message;
    std::string reason;
    std::int64_t size_bytes;
    std::size_t plan;
  };
  std::vector<Held> quarantine;
  std::vector<std::pair<std::int64_t, std::int64_t>> versions;  // request id, version as planned from
  std::map<std::string, int> flood_counts;  // lower-case address → the count the plans were decided from
  std::vector<std::string> flood_addresses;  // the same addresses, as a JSON array's text: flood_json
  std::string flood_json;
  // The folder's highest UID per (mailbox, UIDVALIDITY) among the plans.
  std::map<std::pair<std::string, std::uint64_t>, std::uint64_t> last_uids;
};

IngestRows build_ingest_rows(const std::vector<IngestPlan>& plans);

// PostgreSQL's text cannot hold NUL: each becomes U+FFFD (the raw message
// keeps the bytes).
std::string storable_text(const std::string& text);

}  // namespace intake::daemon
