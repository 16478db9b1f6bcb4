// Stage 4, execute: a chunk of messages to the store, decide then write
// (store/ingest_planner.hpp, core/intake_store.hpp), and each message to one
// outcome (store/outcome.hpp). The chunk goes as one unit of work; when the
// database refuses it, each message goes alone, so that one the database
// refuses holds up only itself: counted per attempt, quarantined with the
// error after daemon.max_attempts. Only a lost database stops the chunk.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "daemon/core/clock.hpp"
#include "daemon/store/ingest_planner.hpp"

namespace spdlog {
class logger;
}

namespace intake::daemon {

// The message with the Message-IDs it carries and names as PostgreSQL can
// index them (core/digest.hpp: a long one becomes its hash; the raw message
// keeps it in full); none when every one fits already, the common case.
std::optional<InboundMessage> with_storable_ids(const InboundMessage& message);

// What became of one message of the chunk.
struct StoredItem {
  bool stored = false;             // false: left for the next cycle (the chunk stopped before it)
  bool quarantined = false;        // held: `reason`, `quarantine_id`
  std::string reason;              // quarantined: why (the item's own, or the store's error)
  std::int64_t quarantine_id = 0;
  IngestResult result;             // stored, not quarantined
};

class ChunkWriter {
 public:
  ChunkWriter(IntakeStore& store, const PlanMails& mails, FloodLimit flood, const Clock& clock, int max_attempts);

  // `items` in fetch order; `out` gets one entry per item. An error: the
  // database went away (or the lease was lost); the items before the one
  // it stopped at are stored (out[i].stored).
  Status store(const std::string& mailbox, const std::vector<ChunkItem>& items, std::vector<StoredItem>& out);
  // One message alone, as `store` takes it after a refused chunk.
  Status store_one(const std::string& mailbox, ChunkItem item, StoredItem& out);
  // One message, once: nothing counted, nothing quarantined (a held message
  // taken again after a parser fix).
  Result<IngestResult> store_once(const std::string& mailbox, const ChunkItem& item);

 private:
  // Snapshot, plans, write; planned again while the write is stale.
  Result<std::vector<IngestPlan>> write(const std::string& mailbox, const std::vector<ChunkItem>& items,
                                        WrittenPlans& written);
  IntakeStore& store_;
  const PlanMails& mails_;
  FloodLimit flood_;
  const Clock& clock_;
  int max_attempts_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace intake::daemon
