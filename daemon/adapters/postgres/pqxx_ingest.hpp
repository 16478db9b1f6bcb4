// The IntakeStore half of PqxxRecordStore, inside the transactions that
// PqxxRecordStore opens (its .cpp and this one's only): the snapshot a
// chunk's plans are decided from, and the write of the plans' rows
// (ingest_rows.hpp), which checks that the snapshot still holds.
#pragma once

#include <chrono>
#include <pqxx/pqxx>
#include <vector>

#include "daemon/adapters/postgres/ingest_rows.hpp"
#include "daemon/core/intake_store.hpp"

namespace intake::daemon::pqxx_ingest {

// In one REPEATABLE READ transaction: every statement sees the same database.
IngestSnapshot read_snapshot(pqxx::transaction_base& tx, const SnapshotQuery& query);
// An epoch-seconds column (extract(epoch FROM ...)::bigint), none when NULL.
std::optional<std::chrono::sys_seconds> time_from_epoch(const pqxx::field& f);
// The requests as the stages see them, each with its row version (xmin).
std::vector<RequestView> load_views(pqxx::transaction_base& tx, const std::vector<std::int64_t>& ids);
std::vector<std::int64_t> reserve_numbers(pqxx::transaction_base& tx, int count);
// The rows in `tx` (not committed here); a stale error, and nothing of them
// to commit, when the snapshot no longer holds.
Result<WrittenPlans> write_rows(pqxx::work& tx, const IngestRows& rows, std::size_t plan_count,
                                std::chrono::sys_seconds acks_since);

}  // namespace intake::daemon::pqxx_ingest
