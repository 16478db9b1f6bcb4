#include "daemon/adapters/postgres/pqxx_ingest.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <set>

#include "daemon/adapters/postgres/pqxx_guard.hpp"
#include "daemon/core/request_status.hpp"
#include "parsers/common/time_text.hpp"

namespace intake::daemon::pqxx_ingest {
namespace {

using pqxx_guard::dump;
using pqxx_guard::strings_from_json;


std::string json_list(const std::vector<std::string>& list) { return dump(nlohmann::json(list)); }

void read_known_ids(pqxx::transaction_base& tx, const SnapshotQuery& q, IngestSnapshot& s) {
  if (!q.message_ids.empty())
    for (const auto& row : tx.exec_params(
             "SELECT w.mid FROM (SELECT DISTINCT mid FROM jsonb_array_elements_text($1::jsonb) AS x(mid)) w"
             " WHERE EXISTS (SELECT 1 FROM messages WHERE direction = 'in' AND message_id = w.mid)",
             json_list(q.message_ids)))
      s.stored_in.insert(row[0].c_str());
  if (q.named_ids.empty()) return;
  // One arm per direction: each Message-ID index is partial (0001), and a
  // join without the direction reads the whole table for every id.
  for (const auto& row : tx.exec_params(
           "SELECT w.id, m.direction, m.request_id FROM (SELECT DISTINCT id FROM jsonb_array_elements_text($1::jsonb) AS x(id)) w"
           " CROSS JOIN LATERAL (SELECT id AS row, direction, request_id FROM messages WHERE direction = 'in' AND message_id = w.id"
           "  UNION ALL SELECT id, direction, request_id FROM messages WHERE direction = 'out' AND message_id = w.id) m"
           " ORDER BY m.row",
           json_list(q.named_ids))) {
    const std::string id = row[0].c_str();
    if (std::string_view(row[1].c_str()) == "out") s.sent_out.insert(id);
    if (!row[2].is_null()) s.request_of_message.emplace(id, row[2].as<std::int64_t>());
  }
}

void read_numbers(pqxx::transaction_base& tx, const SnapshotQuery& q, IngestSnapshot& s) {
  if (q.numbers.empty()) return;
  for (const auto& row : tx.exec_params(
           "SELECT r.number, r.id FROM jsonb_array_elements_text($1::jsonb) AS x(n) JOIN requests r ON r.number = x.n::bigint",
           dump(nlohmann::json(q.numbers))))
    s.request_of_number.emplace(row[0].as<std::int64_t>(), row[1].as<std::int64_t>());
}

void read_flood_counts(pqxx::transaction_base& tx, const SnapshotQuery& q, IngestSnapshot& s) {
  if (q.ack_addresses.empty()) return;
  for (const auto& row : tx.exec_params(
           "SELECT l.a, (SELECT count(*) FROM outbox WHERE purpose IN ('acknowledgment', 'outside_notice') AND lower(rcpt_to) = lower(l.a)"
           " AND created_at > to_timestamp($2))::int FROM jsonb_array_elements_text($1::jsonb) AS l(a)",
           json_list(q.ack_addresses), q.acks_since.time_since_epoch().count()))
    s.acks_sent[row[0].c_str()] = row[1].as<int>();
}

void reserve_ids(pqxx::transaction_base& tx, int count, IngestSnapshot& s) {
  if (count <= 0) return;
  for (const auto& row : tx.exec_params(
           "SELECT nextval('messages_id_seq'), nextval('requests_id_seq') FROM generate_series(1, $1)", count)) {
    s.message_rows.push_back(row[0].as<std::int64_t>());
    s.request_ids.push_back(row[1].as<std::int64_t>());
  }
}

// Where the snapshot no longer holds, why (the write is stale); empty: it holds.
std::string changed_since(pqxx::work& tx, const IngestRows& rows, std::chrono::sys_seconds acks_since) {
  if (!rows.versions.empty()) {
    nlohmann::json ids = nlohmann::json::array();
    for (const auto& v : rows.versions) ids.push_back(v.first);
    std::map<std::int64_t, std::int64_t> now;
    for (const auto& row : tx.exec_params(
             "SELECT id, xmin::text::bigint FROM requests WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb)::bigint)"
             " ORDER BY id FOR UPDATE",
             dump(ids)))
      now[row[0].as<std::int64_t>()] = row[1].as<std::int64_t>();
    for (const auto& [id, version] : rows.versions)
      if (now[id] != version) return "a request changed since it was read";
  }
  if (!rows.flood_counts.empty()) {
    // Locked per recipient, so two instances cannot both slip past the limit.
    tx.exec_params(
        "SELECT pg_advisory_xact_lock(hashtext('intake-flood:' || a)) FROM"
        " (SELECT DISTINCT a FROM jsonb_array_elements_text($1::jsonb) AS x(a) ORDER BY 1) l",
        rows.flood_json);
    for (const auto& row : tx.exec_params(
             "SELECT l.a, (SELECT count(*) FROM outbox WHERE purpose IN ('acknowledgment', 'outside_notice') AND lower(rcpt_to) = lower(l.a)"
             " AND created_at > to_timestamp($2))::int FROM jsonb_array_elements_text($1::jsonb) AS l(a)",
             rows.flood_json, acks_since.time_since_epoch().count()))
      if (rows.flood_counts.at(row[0].c_str()) != row[1].as<int>()) return "acknowledgments were queued meanwhile";
  }
  return {};
}

// A raw message at least this big is not a statement parameter but goes to
// the server in pieces (BigRaws): as a parameter it was copied twice on its
// way out (a pqxx::binarystring, then libpq's whole Bind message in its
// output buffer), two more copies of a 25 MB message beside the one held.
constexpr std::size_t big_raw_bytes = std::size_t{1} << 20;
constexpr std::size_t raw_piece_bytes = std::size_t{256} << 10;

bool is_big(const std::string* raw) { return raw->size() >= big_raw_bytes; }

// "$first::bytea, ..." for the binary parameters, NULL::bytea in the places
// of big raws (read from BigRaws' table instead): placeholders only, never values.
std::string bytea_placeholders(int first, const std::vector<const std::string*>& raws) {
  std::string out;
  int n = first;
  for (std::size_t i = 0; i < raws.size(); ++i) {
    out += i ? ", " : "";
    out += is_big(raws[i]) ? std::string("NULL::bytea") : "$" + std::to_string(n++) + "::bytea";
  }
  return out;
}

std::vector<pqxx::binarystring> binaries(const std::vector<const std::string*>& raws) {
  std::vector<pqxx::binarystring> out;
  out.reserve(raws.size());
  for (const std::string* raw : raws)
    if (!is_big(raw)) out.emplace_back(*raw);
  return out;
}

// libpqxx 6.4 hands out the connection's PGconn only to its large-object
// classes (a protected static of pqxx::largeobject); COPY in binary needs it.
struct RawConnection : pqxx::largeobject {
  static PGconn* of(const pqxx::dbtransaction& tx) { return raw_connection(tx); }
};

// A libpq failure as the pqxx exception pqxx_guard maps (a lost connection
// is retried later, anything else counts against the message).
[[noreturn]] void throw_pq(PGconn* conn, PGresult* result, const std::string& what) {
  std::string message = what + ": " + (result ? PQresultErrorMessage(result) : PQerrorMessage(conn));
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string sqlstate = state ? state : "";
  if (result) PQclear(result);
  if (PQstatus(conn) == CONNECTION_BAD) throw pqxx::broken_connection(message);
  throw pqxx::sql_error(message, what, sqlstate.empty() ? nullptr : sqlstate.c_str());
}

// The big raws of one statement, written to the server in pieces with COPY
// ... FROM STDIN (FORMAT binary) into a temporary table (k, raw) that goes
// with the transaction: libpq flushes its output buffer between pieces, so
// a message costs its own bytes and a piece, not two more copies of itself.
// (A large object would do it too, but leaves a row per 2 kB in
// pg_largeobject to vacuum; an UPDATE appending pieces rewrites the value
// once per piece.) Small raws stay parameters: a temporary table per
// transaction would tax the common case.
class BigRaws {
 public:
  BigRaws(pqxx::work& tx, std::string table, const std::vector<const std::string*>& raws) : table_(std::move(table)) {
    std::vector<std::size_t> big;
    for (std::size_t i = 0; i < raws.size(); ++i)
      if (is_big(raws[i])) big.push_back(i);
    if (big.empty()) return;
    any_ = true;
    tx.exec("CREATE TEMPORARY TABLE IF NOT EXISTS " + table_ + " (k bigint PRIMARY KEY, raw bytea NOT NULL) ON COMMIT DROP");
    tx.exec("TRUNCATE " + table_);
    PGconn* conn = RawConnection::of(tx);
    PGresult* started = PQexec(conn, ("COPY " + table_ + " (k, raw) FROM STDIN (FORMAT binary)").c_str());
    if (PQresultStatus(started) != PGRES_COPY_IN) throw_pq(conn, started, "COPY of a big message");
    PQclear(started);
    // The binary COPY format: signature, flags, header extension length;
    // per row the field count, then each field's length and bytes (big-endian).
    std::string head("PGCOPY\n\377\r\n\0", 11);
    append_be(head, std::uint32_t{0});
    append_be(head, std::uint32_t{0});
    put(conn, head.data(), head.size());
    for (const std::size_t i : big) {
      const std::string& raw = *raws[i];
      std::string row;
      append_be(row, std::uint16_t{2});
      append_be(row, std::uint32_t{8});
      append_be(row, static_cast<std::uint64_t>(i + 1));
      append_be(row, static_cast<std::uint32_t>(raw.size()));
      put(conn, row.data(), row.size());
      for (std::size_t at = 0; at < raw.size(); at += raw_piece_bytes)
        put(conn, raw.data() + at, std::min(raw_piece_bytes, raw.size() - at));
    }
    std::string trailer;
    append_be(trailer, std::uint16_t{0xFFFF});
    put(conn, trailer.data(), trailer.size());
    if (PQputCopyEnd(conn, nullptr) != 1) throw_pq(conn, nullptr, "COPY of a big message");
    PGresult* result = PQgetResult(conn);
    const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
    if (!ok) throw_pq(conn, result, "COPY of a big message");
    PQclear(result);
    while (PGresult* more = PQgetResult(conn)) PQclear(more);
  }
  bool any() const { return any_; }
  // For "WITH r AS (...)": the raws of the parameters, then the big ones.
  std::string union_clause() const {
    return any_ ? " WHERE raw IS NOT NULL UNION ALL SELECT raw, k FROM " + table_ : std::string();
  }
  const std::string& table() const { return table_; }

 private:
  template <typename T>
  static void append_be(std::string& out, T value) {
    std::array<char, sizeof(T)> bytes{};
    for (std::size_t i = 0; i < sizeof(T); ++i)
      bytes[sizeof(T) - 1 - i] = static_cast<char>(static_cast<unsigned char>(value >> (8 * i)));
    out.append(bytes.data(), bytes.size());
  }
  static void put(PGconn* conn, const char* data, std::size_t n) {
    if (PQputCopyData(conn, data, static_cast<int>(n)) == 1) return;
    // Ends the COPY (if the connection still stands), so the rollback that
    // follows the exception finds the connection idle.
    const std::string why = PQerrorMessage(conn);
    if (PQputCopyEnd(conn, "intake: a piece of the message could not be sent") == 1)
      while (PGresult* more = PQgetResult(conn)) PQclear(more);
    if (PQstatus(conn) == CONNECTION_BAD) throw pqxx::broken_connection("COPY of a big message: " + why);
    throw pqxx::sql_error("COPY of a big message: " + why, "COPY");
  }
  std::string table_;
  bool any_ = false;
};

void insert_requests(pqxx::work& tx, const IngestRows& rows) {
  if (rows.requests.empty()) return;
  tx.exec_params(
      "INSERT INTO requests (id, number, mailbox, requester_address, requester_name, subject, category, priority, status,"
      " requested_by, requested_by_phrase, missing, requester_department, time_zone, due_first_response, due_resolution,"
      " requested_earlier)"
      " SELECT id, number, mailbox, requester_address, requester_name, subject, category, priority, status,"
      " NULLIF(requested_by, '')::timestamptz, NULLIF(requested_by_phrase, ''), missing, requester_department, time_zone,"
      " NULLIF(due_first_response, '')::timestamptz, NULLIF(due_resolution, '')::timestamptz, requested_earlier"
      " FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, number bigint, mailbox text, requester_address text,"
      " requester_name text, subject text, category text, priority text, status text, requested_by text,"
      " requested_by_phrase text, missing jsonb, requester_department text, time_zone text, due_first_response text,"
      " due_resolution text, requested_earlier boolean) ORDER BY id",
      rows.requests);
}

// False: a message was stored meanwhile (by another instance): stale.
bool insert_messages(pqxx::work& tx, const IngestRows& rows) {
  if (rows.messages.empty()) return true;
  const BigRaws big(tx, "intake_big_raw", rows.raws);
  const auto inserted = tx.exec_params(
      "WITH r AS (SELECT raw, k FROM unnest(ARRAY[" + bytea_placeholders(2, rows.raws) + "]) WITH ORDINALITY AS u(raw, k)" +
      big.union_clause() + ")"
      " INSERT INTO messages (id, request_id, direction, role, mailbox, uidvalidity, uid, message_id, content_sha256,"
      " in_reply_to, refs, from_address, from_name, to_addresses, cc_addresses, subject, sent_at, kind, body_text,"
      " request_text, warnings, attachments, raw)"
      " SELECT id, request_id, 'in', role, mailbox, uidvalidity, uid, message_id, content_sha256, in_reply_to, refs,"
      " from_address, from_name, to_addresses, cc_addresses, subject, NULLIF(sent_at, '')::timestamptz, kind, body_text,"
      " request_text, warnings, coalesce(attachments, '[]'), r.raw"
      " FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, request_id bigint, role text, mailbox text, uidvalidity bigint,"
      " uid bigint, message_id text, content_sha256 text, in_reply_to text, refs jsonb, from_address text, from_name text,"
      " to_addresses jsonb, cc_addresses jsonb, subject text, sent_at text, kind text, body_text text, request_text text,"
      " warnings jsonb, attachments jsonb, k bigint) JOIN r ON r.k = x.k ORDER BY x.id"
      " ON CONFLICT (message_id) WHERE direction = 'in' DO NOTHING RETURNING id",
      rows.messages, pqxx::prepare::make_dynamic_params(binaries(rows.raws)));
  return inserted.size() == rows.raws.size();
}

void update_requests(pqxx::work& tx, const IngestRows& rows) {
  if (rows.changes.empty()) return;
  tx.exec_params(
      "UPDATE requests r SET status = coalesce(x.status, r.status),"
      " resolved_at = CASE x.resolved WHEN 'set' THEN now() WHEN 'clear' THEN NULL ELSE r.resolved_at END,"
      " reopened_count = r.reopened_count + x.reopened, missing = coalesce(x.missing, r.missing),"
      " owner = coalesce(x.owner, r.owner), priority = coalesce(x.priority, r.priority),"
      " first_response_at = CASE WHEN x.first_response THEN coalesce(r.first_response_at, now()) ELSE r.first_response_at END,"
      " thanks_count = r.thanks_count + x.thanks,"
      // The clock starts once: due times already set are never moved here.
      " clock_started_at = CASE WHEN x.due_first_response IS NOT NULL AND r.due_first_response IS NULL THEN now()"
      "  ELSE r.clock_started_at END,"
      " due_first_response = coalesce(r.due_first_response, x.due_first_response::timestamptz),"
      " due_resolution = coalesce(r.due_resolution, x.due_resolution::timestamptz)"
      " FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, status text, resolved text, reopened int, missing jsonb,"
      " owner text, priority text, first_response boolean, thanks int, due_first_response text, due_resolution text)"
      " WHERE r.id = x.id",
      rows.changes);
}

void insert_mails(pqxx::work& tx, const IngestRows& rows) {
  if (rows.outbox.empty()) return;
  const auto raws = binaries(rows.mail_raws);
  const BigRaws big(tx, "intake_big_mail", rows.mail_raws);
  const std::string with_raws = "WITH r AS (SELECT raw, k FROM unnest(ARRAY[" + bytea_placeholders(2, rows.mail_raws) +
                                "]) WITH ORDINALITY AS u(raw, k)" + big.union_clause() + ")";
  tx.exec_params(with_raws +
                     " INSERT INTO outbox (request_id, purpose, mail_from, rcpt_to, message_id, raw)"
                     " SELECT request_id, purpose, mail_from, rcpt_to, message_id, r.raw"
                     " FROM jsonb_to_recordset($1::jsonb) AS x(request_id bigint, purpose text, mail_from text, rcpt_to text,"
                     " message_id text, k bigint) JOIN r ON r.k = x.k ORDER BY x.k",
                 rows.outbox, pqxx::prepare::make_dynamic_params(raws));
  if (rows.sent.empty()) return;
  tx.exec_params(with_raws +
                     " INSERT INTO messages (request_id, direction, role, message_id, content_sha256, in_reply_to,"
                     " from_address, to_addresses, subject, kind, raw)"
                     " SELECT request_id, 'out', role, message_id, '', in_reply_to, from_address, to_addresses,"
                     " subject, 'auto_reply', r.raw"
                     " FROM jsonb_to_recordset($1::jsonb) AS x(request_id bigint, role text, message_id text, in_reply_to text,"
                     " from_address text, to_addresses jsonb, subject text, k bigint) JOIN r ON r.k = x.k ORDER BY x.k",
                 rows.sent, pqxx::prepare::make_dynamic_params(raws));
}

void insert_events(pqxx::work& tx, const IngestRows& rows) {
  if (rows.events.empty()) return;
  tx.exec_params(
      "INSERT INTO events (request_id, type, by, detail, message_ref, score, credited)"
      " SELECT request_id, type, coalesce(by, 'intake'), detail, message_ref, score, coalesce(credited, '')"
      " FROM jsonb_to_recordset($1::jsonb) AS x(request_id bigint, type text, by text, detail text, message_ref bigint,"
      " n bigint, score smallint, credited text) ORDER BY n",
      rows.events);
}

}  // namespace

std::optional<std::chrono::sys_seconds> time_from_epoch(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return std::chrono::sys_seconds{std::chrono::seconds{f.as<std::int64_t>()}};
}

IngestSnapshot read_snapshot(pqxx::transaction_base& tx, const SnapshotQuery& query) {
  IngestSnapshot s;
  read_known_ids(tx, query, s);
  read_numbers(tx, query, s);
  std::set<std::int64_t> ids;
  for (const auto& [id, request] : s.request_of_message) ids.insert(request);
  for (const auto& [number, request] : s.request_of_number) ids.insert(request);
  for (const RequestView& v : load_views(tx, std::vector<std::int64_t>(ids.begin(), ids.end()))) s.requests[v.id] = v;
  read_flood_counts(tx, query, s);
  reserve_ids(tx, query.reserve, s);
  return s;
}

std::vector<std::int64_t> reserve_numbers(pqxx::transaction_base& tx, int count) {
  std::vector<std::int64_t> out;
  if (count <= 0) return out;
  for (const auto& row : tx.exec_params("SELECT nextval('request_number_seq') FROM generate_series(1, $1)", count))
    out.push_back(row[0].as<std::int64_t>());
  return out;
}

std::vector<RequestView> load_views(pqxx::transaction_base& tx, const std::vector<std::int64_t>& ids) {
  std::vector<RequestView> out;
  if (ids.empty()) return out;
  const auto r = tx.exec_params(
      "SELECT r.id, r.reference, r.category, r.priority, r.status, r.requester_address, r.requester_name,"
      " coalesce(r.owner, ''), r.subject, r.time_zone, r.missing::text, extract(epoch FROM r.requested_by)::bigint,"
      " extract(epoch FROM r.due_first_response)::bigint, extract(epoch FROM r.due_resolution)::bigint,"
      " coalesce((SELECT m.message_id FROM messages m WHERE m.request_id = r.id AND m.role = 'request'"
      "           AND m.message_id NOT LIKE 'sha256:%' ORDER BY m.id LIMIT 1), ''), r.xmin::text::bigint,"
      " coalesce((SELECT coalesce(nullif(m.request_text, ''), m.body_text) FROM messages m WHERE m.request_id = r.id"
      "           AND m.direction = 'in' AND m.role = 'request' ORDER BY m.id LIMIT 1), ''),"
      " EXISTS (SELECT 1 FROM events e WHERE e.request_id = r.id AND e.type = 'command_rejected_notice_queued'),"
      " r.requested_earlier"
      " FROM requests r WHERE r.id IN (SELECT jsonb_array_elements_text($1::jsonb)::bigint) ORDER BY r.id",
      dump(nlohmann::json(ids)));
  for (const auto& row : r) {
    RequestView v;
    v.id = row[0].as<std::int64_t>();
    v.reference = row[1].c_str();
    v.category = row[2].c_str();
    v.priority = row[3].c_str();
    // The column's CHECK allows only the names request_status knows.
    v.status = parse_request_status(row[4].c_str()).value_or(RequestStatus::new_);
    v.requester_address = row[5].c_str();
    v.requester_name = row[6].c_str();
    v.owner = row[7].c_str();
    v.subject = row[8].c_str();
    v.time_zone = row[9].c_str();
    v.missing = strings_from_json(row[10].c_str());
    v.requested_by = time_from_epoch(row[11]);
    v.due_first_response = time_from_epoch(row[12]);
    v.due_resolution = time_from_epoch(row[13]);
    v.request_message_id = row[14].c_str();
    v.version = row[15].as<std::int64_t>();
    v.request_text = row[16].c_str();
    v.rejected_command_told = row[17].as<bool>();
    v.requested_earlier = row[18].as<bool>();
    out.push_back(std::move(v));
  }
  return out;
}

// intake's own mail come back (smtp.sent_copy): the server took the mail
// whose copy this is, so its row is sent, even one cut off mid-send by a
// crash or awaiting a retry; an acknowledgment moves its request on as a
// delivered one does (finish_outbox).
void mark_sent_copies(pqxx::work& tx, const IngestRows& rows) {
  if (rows.sent_copies.empty()) return;
  const StatusMove move = acknowledgment_move();
  tx.exec_params(
      "WITH c AS (SELECT id FROM outbox WHERE message_id IN (SELECT jsonb_array_elements_text($1::jsonb))"
      "  AND status IN ('sending', 'pending') FOR UPDATE),"
      " o AS (UPDATE outbox SET status = 'sent', sent_at = coalesce(sent_at, now()), last_error = NULL"
      "  FROM c WHERE outbox.id = c.id RETURNING outbox.id, outbox.request_id, outbox.purpose),"
      " r AS (UPDATE requests SET acknowledged_at = coalesce(acknowledged_at, now()),"
      "  status = CASE WHEN status = $2 THEN $3 ELSE status END"
      "  FROM o WHERE requests.id = o.request_id AND o.purpose = 'acknowledgment' RETURNING requests.id),"
      " e AS (INSERT INTO events (request_id, type, detail) SELECT request_id, 'sent_confirmed_by_copy',"
      "  purpose || ' (outbox #' || id || '): its copy came back; not sent again' FROM o WHERE request_id IS NOT NULL)"
      " INSERT INTO events (request_id, type) SELECT id, 'acknowledged' FROM r",
      rows.sent_copies, to_string(move.from), to_string(move.to));
  tx.exec_params(
      "UPDATE outbox SET copy_seen_at = coalesce(copy_seen_at, now())"
      " WHERE message_id IN (SELECT jsonb_array_elements_text($1::jsonb))",
      rows.sent_copies);
}

Result<WrittenPlans> write_rows(pqxx::work& tx, const IngestRows& rows, std::size_t plan_count,
                                std::chrono::sys_seconds acks_since) {
  auto stale = [](const std::string& why) { return fail("the plans are stale: " + why, ErrorKind::stale); };
  if (auto why = changed_since(tx, rows, acks_since); !why.empty()) return stale(why);
  insert_requests(tx, rows);
  if (!insert_messages(tx, rows)) return stale("a message was stored meanwhile");
  update_requests(tx, rows);
  insert_mails(tx, rows);
  insert_events(tx, rows);
  mark_sent_copies(tx, rows);
  WrittenPlans written;
  written.quarantine_ids.assign(plan_count, 0);
  for (const auto& held : rows.quarantine) {
    const InboundMessage& m = *held.message;
    // A big raw in pieces (BigRaws), as in insert_messages.
    const BigRaws big(tx, "intake_big_held", {&m.raw});
    const pqxx::result inserted =
        big.any() ? tx.exec_params("INSERT INTO quarantine (mailbox, uidvalidity, uid, reason, raw, size_bytes)"
                                   " SELECT $1, $2, $3, $4, raw, NULLIF($5::bigint, -1) FROM " + big.table() + " RETURNING id",
                                   m.mailbox, m.uidvalidity, m.uid, storable_text(held.reason), held.size_bytes)
                  : tx.exec_params("INSERT INTO quarantine (mailbox, uidvalidity, uid, reason, raw, size_bytes)"
                                   " VALUES ($1, $2, $3, $4, $5, NULLIF($6::bigint, -1)) RETURNING id",
                                   m.mailbox, m.uidvalidity, m.uid, storable_text(held.reason),
                                   pqxx::binarystring(m.raw), held.size_bytes);
    written.quarantine_ids[held.plan] = inserted[0][0].as<std::int64_t>();
  }
  for (const auto& [folder, uid] : rows.last_uids)
    tx.exec_params("UPDATE mailbox_state SET last_uid = greatest(last_uid, $2) WHERE mailbox = $1 AND uidvalidity = $3",
                   folder.first, uid, folder.second);
  return written;
}

}  // namespace intake::daemon::pqxx_ingest
