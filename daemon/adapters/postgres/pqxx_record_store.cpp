#include "daemon/adapters/postgres/pqxx_record_store.hpp"
#include "parsers/common/time_text.hpp"

#include "daemon/adapters/postgres/pqxx_guard.hpp"
#include "daemon/adapters/postgres/pqxx_ingest.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <set>

#include "daemon/adapters/postgres/migrations.hpp"
#include "daemon/core/digest.hpp"
#include "parsers/common/strings.hpp"
#include "daemon/core/request_status.hpp"

namespace intake::daemon {

namespace {


// Queues `mail` in the outbox inside `tx`; returns its recipients as stored.
// request_id 0: the mail belongs to no request.
std::string queue_mail(pqxx::work& tx, const std::string& purpose, std::int64_t request_id, const QueuedMail& mail) {
  std::string rcpts = parsers::join(mail.mail.rcpt_to, ",");
  tx.exec_params("INSERT INTO outbox (request_id, purpose, mail_from, rcpt_to, message_id, raw) VALUES (NULLIF($1::bigint, 0), $2, $3, $4, $5, $6)",
                 request_id, purpose, mail.mail.mail_from, rcpts, mail.message_id, pqxx::binarystring(mail.mail.raw));
  return rcpts;
}

using pqxx_guard::strings_from_json;
using pqxx_ingest::time_from_epoch;

using pqxx_guard::dump;

std::string json_strings(const std::vector<std::string>& list) { return dump(nlohmann::json(list)); }


// With several instances, only the holder of a mailbox's lease may record
// what it fetched from it (FOR SHARE: a takeover waits for this transaction).
// Nothing is checked when the store serves no instance (intakectl, tests).
bool fenced_out(pqxx::work& tx, const std::string& instance_id, const std::string& mailbox) {
  if (instance_id.empty()) return false;
  return tx.exec_params("SELECT 1 FROM mailbox_leases WHERE mailbox = $1 AND holder = $2 FOR SHARE", mailbox, instance_id)
      .empty();
}

// Not this message's fault: retried later and counted nothing, like a lost
// connection (store/outcome.hpp).
Error lease_lost(const std::string& mailbox) {
  Error e = fail("mailbox " + mailbox + ": this instance no longer holds its lease; another instance fetches it now");
  e.kind = ErrorKind::unreachable;
  return e;
}

// ISO 8601 UTC of a timestamptz column, '' when NULL.
std::string iso_sql(const std::string& column) {
  return "coalesce(to_char(" + column + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '')";
}

RequestView load_view(pqxx::work& tx, std::int64_t id) { return pqxx_ingest::load_views(tx, {id}).at(0); }

// Queues `mail` for the request and records it as one of its outbound messages.
std::string queue_outbound(pqxx::work& tx, const std::string& purpose, const RequestView& view, const QueuedMail& mail) {
  std::string rcpts = queue_mail(tx, purpose, view.id, mail);
  tx.exec_params(
      "INSERT INTO messages (request_id, direction, role, message_id, content_sha256, in_reply_to, from_address,"
      " to_addresses, subject, kind, raw) VALUES ($1, 'out', $2, $3, '', $4, $5, $6::jsonb, $7, 'auto_reply', $8)",
      view.id, purpose, mail.message_id, view.request_message_id, mail.mail.mail_from, json_strings(mail.mail.rcpt_to),
      mail.subject, pqxx::binarystring(mail.mail.raw));
  return rcpts;
}

}  // namespace

std::string conninfo_with_password(const std::string& url, const std::string& password) {
  if (password.empty()) return url;
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0)
    return url + (url.find('?') == std::string::npos ? "?" : "&") + "password=" + parsers::percent_encode(password);
  std::string quoted = "'";
  for (char c : password) {
    if (c == '\'' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return url + " password=" + quoted + "'";
}

PqxxRecordStore::PqxxRecordStore(std::string conninfo) : conninfo_(std::move(conninfo)) {}
PqxxRecordStore::~PqxxRecordStore() = default;

Status PqxxRecordStore::connect() { return pqxx_guard::connect(conn_, conninfo_); }

template <typename F>
auto PqxxRecordStore::guarded(const char* what, F&& f) -> decltype(f()) {
  return pqxx_guard::guarded(conn_, conninfo_, what, [&]() -> decltype(f()) {
    // A transaction of a process paused in the middle of it (a hung host)
    // must not hold the lease row's lock forever: the server ends it.
    if (!conn_->limited && transaction_idle_limit_.count() > 0) {
      conn_->conn.set_variable("idle_in_transaction_session_timeout", std::to_string(transaction_idle_limit_.count()));
      conn_->limited = true;
    }
    return f();
  });
}

Result<int> PqxxRecordStore::schema_version() {
  return guarded("schema_version", [&]() -> Result<int> {
    pqxx::work tx(conn_->conn);
    auto exists = tx.exec("SELECT to_regclass('schema_migrations') IS NOT NULL");
    if (!exists[0][0].as<bool>()) return 0;
    auto r = tx.exec("SELECT coalesce(max(version), 0) FROM schema_migrations");
    return r[0][0].as<int>();
  });
}

Result<int> PqxxRecordStore::migrate() {
  return guarded("migrate", [&]() -> Result<int> {
    pqxx::work tx(conn_->conn);
    // One migrator at a time, whichever instance runs it.
    tx.exec("SELECT pg_advisory_xact_lock(7426157)");
    tx.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, "
            "applied_at timestamptz NOT NULL DEFAULT now())");
    int current = tx.exec("SELECT coalesce(max(version), 0) FROM schema_migrations")[0][0].as<int>();
    for (const auto& m : all_migrations()) {
      if (m.version <= current) continue;
      tx.exec(std::string(m.sql));
      tx.exec_params("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.version, std::string(m.name));
      current = m.version;
    }
    tx.commit();
    return current;
  });
}

Result<MailboxState> PqxxRecordStore::mailbox_state(const std::string& mailbox) {
  return guarded("mailbox_state", [&]() -> Result<MailboxState> {
    pqxx::work tx(conn_->conn);
    tx.exec_params("INSERT INTO mailbox_state (mailbox) VALUES ($1) ON CONFLICT DO NOTHING", mailbox);
    auto r = tx.exec_params("SELECT uidvalidity, last_uid FROM mailbox_state WHERE mailbox = $1", mailbox);
    tx.commit();
    MailboxState s;
    s.uidvalidity = r[0][0].as<std::uint64_t>();
    s.last_uid = r[0][1].as<std::uint64_t>();
    return s;
  });
}

Status PqxxRecordStore::reset_mailbox(const std::string& mailbox, std::uint64_t uidvalidity) {
  return guarded("reset_mailbox", [&]() -> Status {
    pqxx::work tx(conn_->conn);
    if (fenced_out(tx, instance_id_, mailbox)) return lease_lost(mailbox);
    tx.exec_params("UPDATE mailbox_state SET uidvalidity = $2, last_uid = 0 WHERE mailbox = $1", mailbox, uidvalidity);
    tx.exec_params("DELETE FROM ingest_failures WHERE mailbox = $1 AND uidvalidity <> $2", mailbox, uidvalidity);
    tx.commit();
    return Ok{};
  });
}

Result<int> PqxxRecordStore::count_store_failure(const InboundMessage& m, const std::string& error) {
  return guarded("count_store_failure", [&]() -> Result<int> {
    pqxx::work tx(conn_->conn);
    if (fenced_out(tx, instance_id_, m.mailbox)) return lease_lost(m.mailbox);
    auto r = tx.exec_params(
        "INSERT INTO ingest_failures (mailbox, uidvalidity, uid, failures, last_error) VALUES ($1, $2, $3, 1, $4)"
        " ON CONFLICT (mailbox, uidvalidity, uid) DO UPDATE SET failures = ingest_failures.failures + 1,"
        " last_error = EXCLUDED.last_error, last_at = now() RETURNING failures",
        m.mailbox, m.uidvalidity, m.uid, error);
    tx.commit();
    return r[0][0].as<int>();
  });
}

Result<IngestSnapshot> PqxxRecordStore::read_snapshot(const SnapshotQuery& query) {
  return guarded("ingest", [&]() -> Result<IngestSnapshot> {
    pqxx::transaction<pqxx::repeatable_read> tx(conn_->conn);
    IngestSnapshot snapshot = pqxx_ingest::read_snapshot(tx, query);
    tx.commit();
    return snapshot;
  });
}

Result<std::vector<std::int64_t>> PqxxRecordStore::reserve_numbers(int count) {
  return guarded("ingest", [&]() -> Result<std::vector<std::int64_t>> {
    pqxx::nontransaction tx(conn_->conn);
    return pqxx_ingest::reserve_numbers(tx, count);
  });
}

Result<WrittenPlans> PqxxRecordStore::write_plans(const std::string& mailbox, const std::vector<IngestPlan>& plans,
                                                  std::chrono::sys_seconds acks_since) {
  // Every row's JSON is built before the transaction opens.
  const IngestRows rows = build_ingest_rows(plans);
  return guarded("ingest", [&]() -> Result<WrittenPlans> {
    pqxx::work tx(conn_->conn);
    // The lease row stays share-locked until the commit: one check holds for the chunk.
    if (!mailbox.empty() && fenced_out(tx, instance_id_, mailbox)) return lease_lost(mailbox);
    auto written = pqxx_ingest::write_rows(tx, rows, plans.size(), acks_since);
    if (written) tx.commit();
    return written;
  });
}

Result<FetchHealth> PqxxRecordStore::record_fetch(const std::string& mailbox, bool ok, const std::string& error) {
  return guarded("record_fetch", [&]() -> Result<FetchHealth> {
    pqxx::work tx(conn_->conn);
    FetchHealth health;
    if (ok) {
      tx.exec_params("UPDATE mailbox_state SET last_success_at = now(), last_attempt_at = now(), consecutive_failures = 0,"
                     " last_error = NULL, alerted_at = NULL WHERE mailbox = $1", mailbox);
    } else {
      tx.exec_params("INSERT INTO mailbox_state (mailbox) VALUES ($1) ON CONFLICT DO NOTHING", mailbox);
      auto r = tx.exec_params(
          "UPDATE mailbox_state SET last_attempt_at = now(), consecutive_failures = consecutive_failures + 1,"
          " last_error = $2 WHERE mailbox = $1 RETURNING consecutive_failures, alerted_at IS NOT NULL",
          mailbox, error);
      health.consecutive_failures = r.empty() ? 0 : r[0][0].as<int>();
      health.alerted = !r.empty() && r[0][1].as<bool>();
    }
    tx.commit();
    return health;
  });
}

Result<bool> PqxxRecordStore::queue_fetch_alert(const std::string& mailbox, const QueuedMail& alert) {
  return guarded("record_fetch", [&]() -> Result<bool> {
    pqxx::work tx(conn_->conn);
    const bool first = !tx.exec_params("UPDATE mailbox_state SET alerted_at = now() WHERE mailbox = $1 AND alerted_at IS NULL"
                                       " AND consecutive_failures > 0 RETURNING 1",
                                       mailbox)
                            .empty();
    if (first) queue_mail(tx, "admin_alert", 0, alert);
    tx.commit();
    return first;
  });
}

namespace {

// Marked 'sending' and committed before any byte goes out. A row still
// 'sending' long after its claim was cut off by a crash: it is taken again
// and counted as interrupted (its recipient may get it twice, which beats
// never: SMTP cannot tell whether the cut-off transaction completed; with
// smtp.sent_copy a row whose copy came back is sent already, mark_sent_copies).
// The claim as SQL: $1 the limit, $2 resend_interrupted_after_s, $3 this
// instance's id; `before` adds CTEs that run in the same statement (a
// finished row's outcome: finish_ctes, on the row $4, which this claim must
// then never take: it would see that row as it was before the statement,
// 'sending', and one statement updating a row twice keeps either update).
std::string claim_sql(const std::string& before = "") {
  const std::string not_finished = before.empty() ? "" : " AND id <> $4";
  return "WITH " + before +
         // Each kind through its own index (0009, 0008): the due pending rows
         // in due order, and the interrupted ones; the oldest of both go.
         " p AS (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= now()" + not_finished +
         "  ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED),"
         " s AS (SELECT id FROM outbox WHERE status = 'sending' AND claimed_at < now() - make_interval(secs => $2)" +
         not_finished +
         // Never while the instance that claimed it may still be sending it:
         // only this instance's own (it sends one at a time a lane), or a gone one's.
         "  AND (claimed_by IS NULL OR claimed_by = $3 OR NOT EXISTS (SELECT 1 FROM instances i"
         "       WHERE i.id = outbox.claimed_by AND i.stopped_at IS NULL"
         "       AND i.heartbeat_at > now() - make_interval(secs => i.failover_s)))"
         "  ORDER BY claimed_at LIMIT $1 FOR UPDATE SKIP LOCKED),"
         " due AS (SELECT id FROM p UNION ALL SELECT id FROM s ORDER BY id LIMIT $1)"
         " UPDATE outbox o SET status = 'sending', attempts = attempts + 1, claimed_at = now(), claimed_by = NULLIF($3, ''),"
         " interrupted = interrupted + CASE WHEN o.status = 'sending' THEN 1 ELSE 0 END FROM due"
         " WHERE o.id = due.id RETURNING o.id, o.purpose, o.mail_from, o.rcpt_to, o.raw, o.attempts,"
         " coalesce((SELECT reference FROM requests WHERE id = o.request_id), ''), o.interrupted";
}

std::vector<OutboxItem> claimed_items(const pqxx::result& r) {
  std::vector<OutboxItem> items;
  for (const auto& row : r) {
    OutboxItem item;
    item.id = row[0].as<std::int64_t>();
    item.purpose = row[1].c_str();
    item.mail.mail_from = row[2].c_str();
    std::string rcpts = row[3].c_str();
    std::size_t start = 0;
    while (start <= rcpts.size()) {
      auto comma = rcpts.find(',', start);
      std::string one = rcpts.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!one.empty()) item.mail.rcpt_to.push_back(one);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    pqxx::binarystring raw(row[4]);
    item.mail.raw = raw.str();
    item.attempts = row[5].as<int>();
    item.reference = row[6].c_str();
    item.interrupted = row[7].as<int>();
    items.push_back(std::move(item));
  }
  std::sort(items.begin(), items.end(), [](const OutboxItem& a, const OutboxItem& b) { return a.id < b.id; });
  return items;
}

// Marked 'sending' and committed before any byte goes out. A row still
// 'sending' long after its claim was cut off by a crash: it is taken again
// and counted as interrupted (its recipient may get it twice, which beats
// never: SMTP cannot tell whether the cut-off transaction completed; with
// smtp.sent_copy a row whose copy came back is sent already, mark_sent_copies).
std::vector<OutboxItem> claim_rows(pqxx::transaction_base& tx, int limit, int resend_interrupted_after_s,
                                   const std::string& instance_id) {
  return claimed_items(tx.exec_params(claim_sql(), limit, resend_interrupted_after_s, instance_id));
}

// How the send went, as CTEs ending in a comma, their parameters from
// $first on: the row's id, then for a delivered mail the status move of an
// acknowledgment (new → acknowledged), else the error's text (finish_params).
// They run in the statement that claims the next row (claim_sql), which
// leaves the finished row out.
std::string finish_ctes(const Status& result, int first) {
  const std::string id = "$" + std::to_string(first), second = "$" + std::to_string(first + 1),
                    third = "$" + std::to_string(first + 2);
  if (result.ok())
    return " f AS (UPDATE outbox SET status = 'sent', sent_at = now(), last_error = NULL WHERE id = " + id +
           "  RETURNING request_id, purpose),"
           " fr AS (UPDATE requests SET acknowledged_at = coalesce(acknowledged_at, now()),"
           "  status = CASE WHEN status = " + second + " THEN " + third + " ELSE status END"
           "  FROM f WHERE requests.id = f.request_id AND f.purpose = 'acknowledgment' RETURNING requests.id),"
           " fe AS (INSERT INTO events (request_id, type) SELECT id, 'acknowledged' FROM fr),";
  if (result.error().permanent())
    return " f AS (UPDATE outbox SET status = 'failed', last_error = " + second + " WHERE id = " + id + "),";
  // The server never answered: nothing of this mail was refused, so it gets
  // no backoff of its own and goes first once the server is back (the
  // cycle's pause already spaces the tries). A backoff here grew to minutes
  // over a few outages and held up the whole drain after them.
  if (result.error().unreachable())
    return " f AS (UPDATE outbox SET status = 'pending', last_error = " + second +
           ", next_attempt_at = now() WHERE id = " + id + "),";
  // Exponential backoff, capped at one hour.
  return " f AS (UPDATE outbox SET status = 'pending', last_error = " + second +
         ", next_attempt_at = now() + least(interval '1 hour', interval '5 seconds' * power(2, least(attempts, 12)))"
         " WHERE id = " + id + "),";
}

// The parameters finish_ctes names, after `before` (the claim's, if any).
template <typename... Before>
pqxx::result exec_finish(pqxx::transaction_base& tx, const std::string& sql, std::int64_t id, const Status& result,
                         const Before&... before) {
  if (result.ok()) {
    const StatusMove move = acknowledgment_move();
    return tx.exec_params(sql, before..., id, to_string(move.from), to_string(move.to));
  }
  return tx.exec_params(sql, before..., id, result.error().message);
}

// The outcome alone (no claim after it): the same CTEs, in a statement of their own.
void finish_row(pqxx::transaction_base& tx, std::int64_t id, const Status& result) {
  exec_finish(tx, "WITH" + finish_ctes(result, 1) + " done AS (SELECT 1) SELECT 1", id, result);
}

}  // namespace

Result<std::vector<OutboxItem>> PqxxRecordStore::claim_outbox(int limit, int resend_interrupted_after_s) {
  return guarded("claim_outbox", [&]() -> Result<std::vector<OutboxItem>> {
    // One statement, committed on its own: one round trip per claim.
    pqxx::nontransaction tx(conn_->conn);
    auto items = claim_rows(tx, limit, resend_interrupted_after_s, instance_id_);
    tx.commit();
    return items;
  });
}

Status PqxxRecordStore::finish_outbox(std::int64_t id, const Status& result) {
  return guarded("finish_outbox", [&]() -> Status {
    // Each outcome is one statement, committed on its own (one round trip).
    pqxx::nontransaction tx(conn_->conn);
    finish_row(tx, id, result);
    return Ok{};
  });
}

Result<std::vector<OutboxItem>> PqxxRecordStore::finish_and_claim(std::int64_t id, const Status& result, int limit,
                                                                  int resend_interrupted_after_s) {
  return guarded("finish_outbox", [&]() -> Result<std::vector<OutboxItem>> {
    // The sent row recorded and the next one claimed in one statement: one
    // round trip and one commit a mail (the claim still commits before the
    // next mail's bytes go out).
    pqxx::nontransaction tx(conn_->conn);
    return claimed_items(exec_finish(tx, claim_sql(finish_ctes(result, 4)), id, result, limit,
                                     resend_interrupted_after_s, instance_id_));
  });
}

Result<std::vector<DueAlert>> PqxxRecordStore::due_alerts(int soon_s) {
  return guarded("queue_due_alerts", [&]() -> Result<std::vector<DueAlert>> {
    pqxx::work tx(conn_->conn);
    auto due = tx.exec_params(
        // Candidates within the widest window; due_soon_at (core/outbox_store.hpp)
        // decides which of those not yet overdue are due soon.
        "SELECT id, kind, overdue, extract(epoch FROM at)::bigint, extract(epoch FROM started)::bigint,"
        " extract(epoch FROM now())::bigint FROM ("
        " SELECT id, 'first_response' AS kind, due_first_response <= now() AS overdue, due_first_response AS at,"
        "  coalesce(clock_started_at, created_at) AS started"
        "  FROM requests WHERE status NOT IN ('resolved', 'closed') AND first_response_at IS NULL"
        "  AND due_first_response <= now() + make_interval(secs => $1)"
        " UNION ALL"
        " SELECT id, 'resolution', due_resolution <= now(), due_resolution, coalesce(clock_started_at, created_at)"
        "  FROM requests WHERE status NOT IN ('resolved', 'closed')"
        "  AND due_resolution <= now() + make_interval(secs => $1)) d"
        " WHERE NOT (SELECT due_alerts_sent FROM requests r WHERE r.id = d.id) ?"
        "  (d.kind || CASE WHEN d.overdue THEN ':overdue' ELSE ':soon' END)"
        " ORDER BY at LIMIT 500",
        soon_s);
    std::vector<std::int64_t> ids;
    std::vector<bool> take;
    for (const auto& row : due) {
      const std::chrono::sys_seconds at{std::chrono::seconds{row[3].as<std::int64_t>()}};
      const std::chrono::sys_seconds started{std::chrono::seconds{row[4].as<std::int64_t>()}};
      const std::chrono::sys_seconds db_now{std::chrono::seconds{row[5].as<std::int64_t>()}};
      const bool wanted = row[2].as<bool>() || due_soon_at(db_now, started, at, std::chrono::seconds{soon_s});
      take.push_back(wanted);
      if (wanted) ids.push_back(row[0].as<std::int64_t>());
    }
    std::map<std::int64_t, RequestView> views;
    for (auto& v : pqxx_ingest::load_views(tx, ids)) views.emplace(v.id, std::move(v));
    std::vector<DueAlert> alerts;
    for (std::size_t i = 0; i < due.size(); ++i) {
      const auto& row = due[static_cast<pqxx::result::size_type>(i)];
      if (!take[i]) continue;
      auto it = views.find(row[0].as<std::int64_t>());
      if (it == views.end()) continue;
      alerts.push_back({it->second, row[1].c_str(), row[2].as<bool>(), std::nullopt});
    }
    tx.commit();
    return alerts;
  });
}

Result<int> PqxxRecordStore::queue_due_alerts(const std::vector<DueAlert>& alerts) {
  return guarded("queue_due_alerts", [&]() -> Result<int> {
    pqxx::work tx(conn_->conn);
    int queued = 0;
    for (const DueAlert& a : alerts) {
      const std::int64_t id = a.request.id;
      const std::string tag = a.kind + (a.overdue ? ":overdue" : ":soon");
      // Rows taken by another instance are skipped; the list of sent alerts
      // is checked again under the lock.
      auto locked = tx.exec_params("SELECT 1 FROM requests WHERE id = $1 AND NOT due_alerts_sent ? $2 FOR UPDATE SKIP LOCKED",
                                   id, tag);
      if (locked.empty()) continue;
      tx.exec_params("UPDATE requests SET due_alerts_sent = due_alerts_sent || to_jsonb($2::text) WHERE id = $1", id, tag);
      if (a.mail) {
        const std::string rcpts = queue_outbound(tx, a.overdue ? "overdue_alert" : "due_soon_alert", a.request, *a.mail);
        tx.exec_params("INSERT INTO events (request_id, type, detail) VALUES ($1, $2, $3)", id,
                       a.overdue ? "overdue_alert_queued" : "due_soon_alert_queued", a.kind + " to " + rcpts);
        ++queued;
      } else {
        tx.exec_params("INSERT INTO events (request_id, type, detail) VALUES ($1, $2, $3)", id,
                       a.overdue ? "overdue" : "due_soon", a.kind + ": nobody to alert (no owner, staff or admin address)");
      }
    }
    tx.commit();
    return queued;
  });
}

Result<std::vector<SummaryRequest>> PqxxRecordStore::summary_requests(std::chrono::sys_seconds previous_start,
                                                                      std::chrono::sys_seconds period_end) {
  return guarded("summary_requests", [&]() -> Result<std::vector<SummaryRequest>> {
    pqxx::work tx(conn_->conn);
    auto epoch = [](const char* column) {
      return std::string("extract(epoch FROM ") + column + ")::bigint";
    };
    auto r = tx.exec_params(
        "SELECT reference, requester_address, requester_name, requester_department, category, priority, status, subject, " +
            epoch("created_at") + ", " + epoch("acknowledged_at") + ", " + epoch("first_response_at") + ", " +
            epoch("resolved_at") + ", " + epoch("due_first_response") + ", " + epoch("due_resolution") + ", number" +
            " FROM requests WHERE created_at < to_timestamp($2) AND (created_at >= to_timestamp($1)"
            " OR resolved_at IS NULL OR resolved_at >= to_timestamp($1))",
        previous_start.time_since_epoch().count(), period_end.time_since_epoch().count());
    // Ordered by number here, not with ORDER BY: asked for that order,
    // PostgreSQL walked the whole table in the number index (its estimate of
    // the three arms' rows is several times too high) instead of the
    // BitmapOr of migration 0008's indexes: 0.27 s against 0.15 s over a
    // million requests, and its sort spilled to disk (bench/big_queries.sh).
    std::vector<SummaryRequest> read;
    std::vector<std::pair<std::int64_t, std::size_t>> order;  // number, row read
    read.reserve(r.size());
    order.reserve(r.size());
    for (const auto& row : r) {
      SummaryRequest q;
      q.reference = row[0].c_str();
      q.requester = row[1].c_str();
      q.requester_name = row[2].c_str();
      q.department = row[3].c_str();
      q.category = row[4].c_str();
      q.priority = row[5].c_str();
      q.status = row[6].c_str();
      q.subject = row[7].c_str();
      q.created = *time_from_epoch(row[8]);
      q.acknowledged = time_from_epoch(row[9]);
      q.first_response = time_from_epoch(row[10]);
      q.resolved = time_from_epoch(row[11]);
      q.due_first_response = time_from_epoch(row[12]);
      q.due_resolution = time_from_epoch(row[13]);
      q.waiting_on_requester = q.status == "waiting_on_requester";
      order.emplace_back(row[14].as<std::int64_t>(), read.size());
      read.push_back(std::move(q));
    }
    std::sort(order.begin(), order.end());
    std::vector<SummaryRequest> rows;
    rows.reserve(read.size());
    for (const auto& o : order) rows.push_back(std::move(read[o.second]));
    return rows;
  });
}

Result<std::vector<FeedbackRow>> PqxxRecordStore::summary_feedback(std::chrono::sys_seconds start,
                                                                   std::chrono::sys_seconds end) {
  return guarded("summary_feedback", [&]() -> Result<std::vector<FeedbackRow>> {
    pqxx::work tx(conn_->conn);
    auto r = tx.exec_params(
        "SELECT r.reference, r.category, r.requester_address, r.requester_name, e.credited, e.score, e.detail,"
        " extract(epoch FROM e.at)::bigint FROM events e JOIN requests r ON r.id = e.request_id"
        " WHERE e.type = 'feedback' AND e.at >= to_timestamp($1) AND e.at < to_timestamp($2) ORDER BY e.at, e.id",
        start.time_since_epoch().count(), end.time_since_epoch().count());
    std::vector<FeedbackRow> rows;
    for (const auto& row : r)
      rows.push_back({row[0].c_str(), row[1].c_str(), row[2].c_str(), row[3].c_str(), row[4].c_str(), row[5].as<int>(),
                      row[6].c_str(), *time_from_epoch(row[7])});
    return rows;
  });
}

Result<bool> PqxxRecordStore::summary_already_sent(const std::string& subscription, const std::string& period_key) {
  return guarded("summary_already_sent", [&]() -> Result<bool> {
    pqxx::work tx(conn_->conn);
    return !tx.exec_params("SELECT 1 FROM summary_sent WHERE subscription = $1 AND period_key = $2", subscription, period_key)
                .empty();
  });
}

// Intake's first cycle, as near as the database knows it: when its first
// migration was applied (`intakectl migrate`, which intaked needs before it
// starts).
Result<SummaryHistory> PqxxRecordStore::summary_history(const std::string& subscription) {
  return guarded("summary_history", [&]() -> Result<SummaryHistory> {
    pqxx::work tx(conn_->conn);
    auto r = tx.exec_params(
        "SELECT EXISTS (SELECT 1 FROM summary_sent WHERE subscription = $1),"
        " (SELECT extract(epoch FROM min(applied_at))::bigint FROM schema_migrations)",
        subscription);
    SummaryHistory h;
    h.sent_before = r[0][0].as<bool>();
    h.intake_since = time_from_epoch(r[0][1]);
    return h;
  });
}

Result<bool> PqxxRecordStore::queue_summary(const std::string& subscription, const std::string& period_key,
                                            std::chrono::sys_seconds scheduled, bool late, const QueuedMail& mail) {
  return guarded("queue_summary", [&]() -> Result<bool> {
    pqxx::work tx(conn_->conn);
    auto inserted = tx.exec_params(
        "INSERT INTO summary_sent (subscription, period_key, recipient, scheduled_at, late, message_id)"
        " VALUES ($1, $2, $3, to_timestamp($4), $5, $6) ON CONFLICT DO NOTHING RETURNING 1",
        subscription, period_key, mail.mail.rcpt_to.empty() ? std::string() : mail.mail.rcpt_to.front(),
        scheduled.time_since_epoch().count(), late, mail.message_id);
    if (inserted.empty()) return false;
    queue_mail(tx, "summary", 0, mail);
    tx.commit();
    return true;
  });
}

Status PqxxRecordStore::queue_mail_now(const std::string& purpose, const QueuedMail& mail) {
  return guarded("queue_mail_now", [&]() -> Status {
    pqxx::work tx(conn_->conn);
    queue_mail(tx, purpose, 0, mail);
    tx.commit();
    return Ok{};
  });
}

Result<RequestView> PqxxRecordStore::request_view(const std::string& reference) {
  return guarded("request_view", [&]() -> Result<RequestView> {
    pqxx::work tx(conn_->conn);
    auto r = tx.exec_params("SELECT id FROM requests WHERE upper(reference) = upper($1)", reference);
    if (r.empty()) return fail("no request " + reference, true);
    return load_view(tx, r[0][0].as<std::int64_t>());
  });
}

namespace {

std::string detail_columns() {
  return "r.reference, r.requester_address, r.requester_name, r.requester_department, r.subject, r.category, r.priority,"
         " r.status, coalesce(r.owner, ''), " + iso_sql("r.requested_by") + ", coalesce(r.requested_by_phrase, ''), " +
         iso_sql("r.due_first_response") + ", " + iso_sql("r.due_resolution") + ", " + iso_sql("r.created_at") + ", " +
         iso_sql("r.acknowledged_at") + ", " + iso_sql("r.first_response_at") + ", " + iso_sql("r.resolved_at") +
         ", r.missing::text, r.thanks_count, r.reopened_count, r.id";
}

RequestDetail detail_from(const pqxx::row& row) {
  RequestDetail d;
  d.reference = row[0].c_str();
  d.requester = row[1].c_str();
  d.requester_name = row[2].c_str();
  d.requester_department = row[3].c_str();
  d.subject = row[4].c_str();
  d.category = row[5].c_str();
  d.priority = row[6].c_str();
  d.status = row[7].c_str();
  d.owner = row[8].c_str();
  d.requested_by = row[9].c_str();
  d.requested_by_phrase = row[10].c_str();
  d.due_first_response = row[11].c_str();
  d.due_resolution = row[12].c_str();
  d.created_at = row[13].c_str();
  d.acknowledged_at = row[14].c_str();
  d.first_response_at = row[15].c_str();
  d.resolved_at = row[16].c_str();
  d.missing = strings_from_json(row[17].c_str());
  d.thanks = row[18].as<int>();
  d.reopened = row[19].as<int>();
  return d;
}

}  // namespace

Result<std::vector<RequestDetail>> PqxxRecordStore::list_requests(const std::string& status, const std::string& category) {
  return guarded("list_requests", [&]() -> Result<std::vector<RequestDetail>> {
    pqxx::work tx(conn_->conn);
    auto r = tx.exec_params("SELECT " + detail_columns() +
                                " FROM requests r WHERE ($1 = '' OR r.status = $1) AND ($2 = '' OR r.category = $2)"
                                " ORDER BY r.number",
                            status, category);
    std::vector<RequestDetail> rows;
    for (const auto& row : r) rows.push_back(detail_from(row));
    return rows;
  });
}

namespace {

// messages.attachments as written by ingest_rows; what does not read is left out.
std::vector<RequestDetail::Attachment> attachments_from_json(const char* text) {
  std::vector<RequestDetail::Attachment> out;
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& a : j) {
    if (!a.is_object()) continue;
    out.push_back({a.value("filename", ""), a.value("content_type", ""), a.value("content_id", ""),
                   a.value("size", std::int64_t{0}), a.value("inline", false)});
  }
  return out;
}

}  // namespace

Result<std::vector<OutsideRow>> PqxxRecordStore::list_outside(int limit) {
  return guarded("list_outside", [&]() -> Result<std::vector<OutsideRow>> {
    pqxx::work tx(conn_->conn);
    auto r = tx.exec_params("SELECT " + iso_sql("received_at") + ", coalesce(mailbox, ''), coalesce(from_address, ''),"
                            " coalesce(subject, '') FROM messages WHERE role = 'outside' ORDER BY received_at DESC, id DESC LIMIT $1",
                            limit);
    std::vector<OutsideRow> rows;
    for (const auto& row : r) rows.push_back({row[0].c_str(), row[1].c_str(), row[2].c_str(), row[3].c_str()});
    return rows;
  });
}

Result<RequestDetail> PqxxRecordStore::find_request(const std::string& reference) {
  return guarded("find_request", [&]() -> Result<RequestDetail> {
    pqxx::work tx(conn_->conn);
    auto r = tx.exec_params("SELECT " + detail_columns() + " FROM requests r WHERE upper(r.reference) = upper($1)", reference);
    if (r.empty()) return fail("no request " + reference, true);
    RequestDetail d = detail_from(r[0]);
    const std::int64_t id = r[0][20].as<std::int64_t>();
    auto text = tx.exec_params("SELECT coalesce(nullif(request_text, ''), body_text), attachments::text FROM messages"
                               " WHERE request_id = $1 AND direction = 'in' AND role = 'request' ORDER BY id LIMIT 1",
                               id);
    if (!text.empty()) {
      d.text = text[0][0].c_str();
      d.attachments = attachments_from_json(text[0][1].c_str());
    }
    // Each message's text once, on the first event that records it (the
    // request's own message: shown above, not again). A rating's score is
    // shown before its comment.
    auto events = tx.exec_params(
        "SELECT e.type, " + iso_sql("e.at") + ", e.by,"
        " CASE WHEN e.score IS NULL THEN e.detail ELSE e.score || '/5' || CASE WHEN e.detail <> '' THEN ': ' || e.detail"
        " ELSE '' END END, coalesce(m.id, 0),"
        " coalesce(CASE WHEN m.role <> 'request' THEN coalesce(nullif(m.request_text, ''), m.body_text) END, '')"
        " FROM events e LEFT JOIN messages m ON m.id = e.message_ref WHERE e.request_id = $1 ORDER BY e.id",
        id);
    std::set<std::int64_t> shown;
    for (const auto& e : events) {
      const std::int64_t message = e[4].as<std::int64_t>();
      const bool first = message != 0 && shown.insert(message).second;
      d.events.push_back({e[0].c_str(), e[1].c_str(), e[2].c_str(), e[3].c_str(), first ? e[5].c_str() : ""});
    }
    return d;
  });
}

Result<HealthReport> PqxxRecordStore::health() {
  return guarded("health", [&]() -> Result<HealthReport> {
    pqxx::work tx(conn_->conn);
    HealthReport h;
    auto boxes = tx.exec(
        "SELECT mailbox, coalesce(to_char(last_success_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''),"
        " coalesce(extract(epoch FROM now() - last_success_at)::bigint, -1), consecutive_failures,"
        " coalesce(last_error, ''), alerted_at IS NOT NULL FROM mailbox_state ORDER BY mailbox");
    for (const auto& row : boxes)
      h.mailboxes.push_back({row[0].c_str(), row[1].c_str(), row[2].as<std::int64_t>(), row[3].as<int>(), row[4].c_str(),
                             row[5].as<bool>()});
    auto outbox = tx.exec(
        "SELECT count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status = 'sending'),"
        " count(*) FILTER (WHERE status = 'failed'), count(*) FILTER (WHERE interrupted > 0) FROM outbox");
    h.outbox_pending = outbox[0][0].as<std::int64_t>();
    h.outbox_sending = outbox[0][1].as<std::int64_t>();
    h.outbox_failed = outbox[0][2].as<std::int64_t>();
    h.outbox_interrupted = outbox[0][3].as<std::int64_t>();
    h.quarantine_held = tx.exec("SELECT count(*) FROM quarantine WHERE status = 'held'")[0][0].as<std::int64_t>();
    h.quiet_by_flood_24h = tx.exec("SELECT count(*) FROM events WHERE type = 'not_acknowledged' AND detail LIKE 'flood limit:%'"
                                   " AND at > now() - interval '24 hours'")[0][0].as<std::int64_t>();
    h.schema_version = tx.exec("SELECT coalesce(max(version), 0) FROM schema_migrations")[0][0].as<int>();
    if (h.schema_version < 7) return h;  // no instances before migration 0007 (status then says: migrate)
    // Running instances first, then the stopped ones the registry still keeps
    // (it forgets them after 7 days); status lists them by listed_instances.
    auto instances = tx.exec(
        "SELECT i.id, i.node, i.pid, i.version, " + iso_sql("i.started_at") + ", " + iso_sql("i.heartbeat_at") + ","
        " extract(epoch FROM now() - i.heartbeat_at)::bigint, i.failover_s, " + iso_sql("i.stopped_at") + ","
        " coalesce(i.stop_reason, ''),"
        " coalesce((SELECT string_agg(l.mailbox, ',' ORDER BY l.mailbox) FROM mailbox_leases l"
        "           WHERE l.holder = i.id AND l.expires_at > now()), ''),"
        " coalesce(extract(epoch FROM now() - i.stopped_at)::bigint, -1)"
        " FROM instances i WHERE i.stopped_at IS NULL OR i.stopped_at > now() - interval '7 days'"
        " ORDER BY i.stopped_at IS NOT NULL, i.node, i.pid");
    for (const auto& row : instances) {
      InstanceRow i;
      i.id = row[0].c_str();
      i.node = row[1].c_str();
      i.pid = row[2].as<int>();
      i.version = row[3].c_str();
      i.started_at = row[4].c_str();
      i.heartbeat_at = row[5].c_str();
      i.seconds_since_heartbeat = row[6].as<std::int64_t>();
      i.stopped_at = row[8].c_str();
      i.stop_reason = row[9].c_str();
      i.seconds_since_stop = row[11].as<std::int64_t>();
      i.state = !i.stopped_at.empty() ? "stopped" : i.seconds_since_heartbeat > row[7].as<std::int64_t>() ? "lost" : "running";
      const std::string held = row[10].c_str();
      for (std::size_t at = 0, end = 0; at < held.size(); at = end + 1) {
        end = std::min(held.find(',', at), held.size());
        i.holds.push_back(held.substr(at, end - at));
      }
      h.instances.push_back(std::move(i));
    }
    auto events = tx.exec("SELECT mailbox, " + iso_sql("at") + ", coalesce(from_holder, ''), coalesce(to_holder, ''), reason"
                          " FROM lease_events ORDER BY id DESC LIMIT 10");
    for (const auto& row : events)
      h.lease_events.push_back({row[0].c_str(), row[1].c_str(), row[2].c_str(), row[3].c_str(), row[4].c_str()});
    return h;
  });
}

Result<std::vector<QuarantineRow>> PqxxRecordStore::list_quarantine(bool include_released) {
  return guarded("list_quarantine", [&]() -> Result<std::vector<QuarantineRow>> {
    pqxx::work tx(conn_->conn);
    auto r = tx.exec_params(
        "SELECT id, mailbox, reason, status, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
        " coalesce(uidvalidity, 0), coalesce(uid, 0), coalesce(size_bytes, octet_length(raw))"
        " FROM quarantine WHERE $1 OR status = 'held' ORDER BY id",
        include_released);
    std::vector<QuarantineRow> rows;
    for (const auto& row : r)
      rows.push_back({row[0].as<std::int64_t>(), row[1].c_str(), row[2].c_str(), row[3].c_str(), row[4].c_str(),
                      row[5].as<std::uint64_t>(), row[6].as<std::uint64_t>(), row[7].as<std::int64_t>()});
    return rows;
  });
}

Result<InboundMessage> PqxxRecordStore::load_quarantined(std::int64_t id) {
  return guarded("load_quarantined", [&]() -> Result<InboundMessage> {
    pqxx::work tx(conn_->conn);
    auto r = tx.exec_params("SELECT mailbox, coalesce(uidvalidity, 0), coalesce(uid, 0), raw, status FROM quarantine WHERE id = $1", id);
    if (r.empty()) return fail("no quarantined message #" + std::to_string(id), true);
    if (std::string(r[0][4].c_str()) != "held") return fail("quarantined message #" + std::to_string(id) + " was already released", true);
    InboundMessage m;
    m.mailbox = r[0][0].c_str();
    m.uidvalidity = r[0][1].as<std::uint64_t>();
    m.uid = r[0][2].as<std::uint64_t>();
    m.raw = pqxx::binarystring(r[0][3]).str();
    return m;
  });
}

Status PqxxRecordStore::release_quarantined(std::int64_t id) {
  return guarded("release_quarantined", [&]() -> Status {
    pqxx::work tx(conn_->conn);
    tx.exec_params("UPDATE quarantine SET status = 'released', retried_at = now() WHERE id = $1", id);
    tx.commit();
    return Ok{};
  });
}

Result<AckBacklog> PqxxRecordStore::acknowledgment_backlog() {
  return guarded("acknowledgment_backlog", [&]() -> Result<AckBacklog> {
    pqxx::work tx(conn_->conn);
    auto r = tx.exec(
        "SELECT (SELECT count(*) FROM outbox WHERE purpose = 'acknowledgment' AND status IN ('pending', 'sending')),"
        " coalesce(r.reference, ''), coalesce(extract(epoch FROM now() - o.created_at)::bigint, -1)"
        " FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT request_id, created_at FROM outbox"
        "  WHERE purpose = 'acknowledgment' AND status IN ('pending', 'sending') ORDER BY created_at, id LIMIT 1) o ON true"
        " LEFT JOIN requests r ON r.id = o.request_id");
    AckBacklog b;
    b.waiting = r[0][0].as<std::int64_t>();
    b.oldest_reference = r[0][1].c_str();
    b.oldest_age_s = r[0][2].as<std::int64_t>();
    return b;
  });
}

}  // namespace intake::daemon
