#include "daemon/store/chunk_writer.hpp"

#include <algorithm>
#include <utility>
#include <spdlog/spdlog.h>

#include "daemon/core/digest.hpp"
#include "daemon/core/logging.hpp"
#include "daemon/store/outcome.hpp"

namespace intake::daemon {
namespace {

// How often a chunk is planned again when its write finds the database
// changed since the snapshot (another instance at work): then it waits for
// the next cycle, counting nothing against its messages.
constexpr int max_stale_writes = 3;

}  // namespace

std::optional<InboundMessage> with_storable_ids(const InboundMessage& m) {
  auto too_long = [](const std::string& id) { return id.size() > storable_id_bytes; };
  const parsers::Email& e = m.email;
  if (!too_long(e.message_id) && !too_long(e.in_reply_to) && std::none_of(e.references.begin(), e.references.end(), too_long))
    return std::nullopt;
  InboundMessage copy = m;
  copy.email.message_id = storable_message_id(e.message_id);
  copy.email.in_reply_to = storable_message_id(e.in_reply_to);
  for (std::string& r : copy.email.references) r = storable_message_id(r);
  return copy;
}

ChunkWriter::ChunkWriter(IntakeStore& store, const PlanMails& mails, FloodLimit flood, const Clock& clock, int max_attempts)
    : store_(store),
      mails_(mails),
      flood_(std::move(flood)),
      clock_(clock),
      max_attempts_(max_attempts),
      log_(stage_logger("store")) {}

Result<std::vector<IngestPlan>> ChunkWriter::write(const std::string& mailbox, const std::vector<ChunkItem>& given,
                                                   WrittenPlans& written) {
  // Long Message-IDs as their hashes, copied only for a message that has one.
  std::vector<std::optional<InboundMessage>> storable(given.size());
  std::vector<ChunkItem> items = given;
  for (std::size_t i = 0; i < items.size(); ++i) {
    storable[i] = with_storable_ids(*given[i].message);
    if (storable[i]) {
      items[i].fetched = given[i].message;
      items[i].message = &*storable[i];
    }
  }
  const auto acks_since = std::chrono::time_point_cast<std::chrono::seconds>(clock_.now()) -
                          std::chrono::seconds{flood_.window_s};
  const PlanContext context{mails_, flood_};
  for (int attempt = 1;; ++attempt) {
    auto snapshot = store_.read_snapshot(snapshot_query(mailbox, items, acks_since));
    if (!snapshot) return snapshot.error();
    const std::vector<PlanOutline> outline = outline_plans(items, *snapshot);
    auto numbers = store_.reserve_numbers(new_requests(outline));
    if (!numbers) return numbers.error();
    std::vector<IngestPlan> plans = build_plans(items, outline, *snapshot, *numbers, context);
    auto w = store_.write_plans(mailbox, plans, acks_since);
    if (w) {
      written = std::move(*w);
      // The plans point into `storable`: the results are all the caller keeps.
      for (auto& p : plans) p.message = nullptr;
      return plans;
    }
    if (!w.error().stale() || attempt >= max_stale_writes) {
      if (w.error().stale()) {
        Error e = w.error();
        e.kind = ErrorKind::unreachable;  // not the messages' fault: the next cycle, uncounted
        return e;
      }
      return w.error();
    }
    log_->info("mailbox {}: {}; planning the chunk again", mailbox, w.error().message);
  }
}

Status ChunkWriter::store(const std::string& mailbox, const std::vector<ChunkItem>& items, std::vector<StoredItem>& out) {
  out.assign(items.size(), StoredItem{});
  if (items.empty()) return Ok{};
  if (items.size() == 1) return store_one(mailbox, items.front(), out.front());
  WrittenPlans written;
  auto plans = write(mailbox, items, written);
  if (plans) {
    for (std::size_t i = 0; i < items.size(); ++i) {
      out[i].stored = true;
      out[i].quarantined = items[i].decision == nullptr;
      out[i].reason = items[i].reason;
      out[i].quarantine_id = written.quarantine_ids[i];
      out[i].result = (*plans)[i].result;
    }
    return Ok{};
  }
  if (plans.error().unreachable()) return plans.error();
  log_->warn("mailbox {}: {} messages could not be stored together ({}); storing them one at a time", mailbox,
               items.size(), plans.error().message);
  for (std::size_t i = 0; i < items.size(); ++i)
    if (auto s = store_one(mailbox, items[i], out[i]); !s) return s;
  return Ok{};
}

Result<IngestResult> ChunkWriter::store_once(const std::string& mailbox, const ChunkItem& item) {
  WrittenPlans written;
  auto plans = write(mailbox, {item}, written);
  if (!plans) return plans.error();
  return plans->front().result;
}

Status ChunkWriter::store_one(const std::string& mailbox, ChunkItem item, StoredItem& out) {
  for (;;) {
    WrittenPlans written;
    auto plans = write(mailbox, {item}, written);
    if (plans) {
      out.stored = true;
      out.quarantined = item.decision == nullptr;
      out.reason = item.reason;
      out.quarantine_id = written.quarantine_ids.front();
      out.result = plans->front().result;
      return Ok{};
    }
    const Error& error = plans.error();
    if (item.decision == nullptr || error.unreachable()) return error;  // a quarantine the database refused: next cycle
    const InboundMessage& m = *item.message;
    auto counted = store_.count_store_failure(m, error.message);
    if (!counted) return counted.error();
    const MessageOutcome o = decide_outcome(Step::store, &error, *counted, max_attempts_);
    if (o.outcome == Outcome::retry_later && !o.counted) return error;
    if (o.outcome == Outcome::quarantine) {
      item.decision = nullptr;
      item.reason = o.reason;
    } else {
      log_->warn("mailbox {} uid {} <{}>: could not be stored (attempt {} of {}), trying again: {}", mailbox, m.uid,
                 m.email.message_id, *counted, max_attempts_, error.message);
    }
  }
}

}  // namespace intake::daemon
