#include "daemon/adapters/postgres/pqxx_record_store.hpp"
#include "parsers/common/time_text.hpp"

#include "daemon/adapters/postgres/pqxx_guard.hpp"

#include <algorithm>
#include <cctype>
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

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

// Queues `mail` in the outbox inside `tx`; returns its recipients as stored.
// request_id 0: the mail belongs to no request.
std::string queue_mail(pqxx::work& tx, const std::string& purpose, std::int64_t request_id, const QueuedMail& mail) {
  std::string rcpts = join(mail.mail.rcpt_to, ",");
  tx.exec_params("INSERT INTO outbox (request_id, purpose, mail_from, rcpt_to, message_id, raw) VALUES (NULLIF($1::bigint, 0), $2, $3, $4, $5, $6)",
                 request_id, purpose, mail.mail.mail_from, rcpts, mail.message_id, pqxx::binarystring(mail.mail.raw));
  return rcpts;
}

using parsers::iso_utc;

using pqxx_guard::dump;

// The addresses alone, as a JSON array (names stay in their own columns).
nlohmann::json address_list(const std::vector<parsers::Address>& list) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& a : list) j.push_back(a.address);
  return j;
}

std::string json_addresses(const std::vector<parsers::Address>& list) { return dump(address_list(list)); }

std::string json_strings(const std::vector<std::string>& list) { return dump(nlohmann::json(list)); }


// The [REQ-1042] tag in a subject, if any.
std::optional<std::int64_t> subject_reference(const std::string& subject) {
  auto pos = subject.find("[REQ-");
  while (pos != std::string::npos) {
    std::size_t i = pos + 5;
    std::int64_t n = 0;
    int digits = 0;
    while (i < subject.size() && std::isdigit(static_cast<unsigned char>(subject[i])) && digits < 15) {
      n = n * 10 + (subject[i] - '0');
      ++i;
      ++digits;
    }
    if (digits > 0 && i < subject.size() && subject[i] == ']') return n;
    pos = subject.find("[REQ-", pos + 1);
  }
  return std::nullopt;
}


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

// The message with the Message-IDs it carries and names as PostgreSQL can
// index them (daemon/core/digest.hpp: a long one becomes its hash, the raw
// message keeps it in full); nullopt when every one fits already, the
// common case, so nothing is copied.
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

std::vector<std::string> strings_from_json(const char* text) {
  std::vector<std::string> out;
  auto j = nlohmann::json::parse(text ? text : "[]", nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& v : j)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

std::optional<std::chrono::sys_seconds> time_from_epoch(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return std::chrono::sys_seconds{std::chrono::seconds{f.as<std::int64_t>()}};
}

// ISO 8601 UTC of a timestamptz column, '' when NULL.
std::string iso_sql(const std::string& column) {
  return "coalesce(to_char(" + column + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '')";
}

RequestView load_view(pqxx::work& tx, std::int64_t id) {
  auto r = tx.exec_params(
      "SELECT r.id, r.reference, r.category, r.priority, r.status, r.requester_address, r.requester_name,"
      " coalesce(r.owner, ''), r.subject, r.time_zone, r.missing::text, extract(epoch FROM r.requested_by)::bigint,"
      " extract(epoch FROM r.due_first_response)::bigint, extract(epoch FROM r.due_resolution)::bigint,"
      " coalesce((SELECT m.message_id FROM messages m WHERE m.request_id = r.id AND m.role = 'request'"
      "           AND m.message_id NOT LIKE 'sha256:%' ORDER BY m.id LIMIT 1), '')"
      " FROM requests r WHERE r.id = $1",
      id);
  RequestView v;
  const auto& row = r[0];
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
  return v;
}

// Our own Message-IDs and every known message first (In-Reply-To, then
// References), then the [REQ-n] subject tag.
std::optional<std::int64_t> find_thread(pqxx::work& tx, const parsers::Email& e) {
  std::vector<std::string> ids;
  if (!e.in_reply_to.empty()) ids.push_back(e.in_reply_to);
  for (auto it = e.references.rbegin(); it != e.references.rend(); ++it) ids.push_back(*it);
  // A bounce names no thread in its headers: the mail it returns does.
  if (e.kind == parsers::MessageKind::bounce)
    for (const auto& id : e.enclosed_message_ids) ids.push_back(id);
  if (!ids.empty()) {
    // One arm per direction: each Message-ID index is partial (0001), and a
    // join without the direction reads the whole table for every reply.
    auto t = tx.exec_params(
        "SELECT m.request_id FROM jsonb_array_elements_text($1::jsonb) WITH ORDINALITY AS want(id, n)"
        " CROSS JOIN LATERAL (SELECT id, request_id FROM messages WHERE direction = 'in' AND message_id = want.id"
        "  UNION ALL SELECT id, request_id FROM messages WHERE direction = 'out' AND message_id = want.id) m"
        " WHERE m.request_id IS NOT NULL ORDER BY want.n, m.id LIMIT 1",
        json_strings(ids));
    if (!t.empty()) return t[0][0].as<std::int64_t>();
  }
  if (auto n = subject_reference(e.subject)) {
    auto t = tx.exec_params("SELECT id FROM requests WHERE number = $1", *n);
    if (!t.empty()) return t[0][0].as<std::int64_t>();
  }
  return std::nullopt;
}

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

// Applies a plan to the request in `tx`; every change becomes an event by
// `by`. Status moves go through request_status, the one place that knows them.
void apply_plan(pqxx::work& tx, const RequestView& view, const ReplyPlan& plan, const std::string& by,
                std::optional<std::int64_t> message_row) {
  auto event = [&](const std::string& type, const std::string& detail) {
    if (message_row)
      tx.exec_params("INSERT INTO events (request_id, type, by, detail, message_ref) VALUES ($1, $2, $3, $4, $5)", view.id,
                     type, by, detail, *message_row);
    else
      tx.exec_params("INSERT INTO events (request_id, type, by, detail) VALUES ($1, $2, $3, $4)", view.id, type, by, detail);
  };
  for (const auto& e : plan.events) event(e.type, e.detail);
  if (plan.new_status && *plan.new_status != view.status) {
    const std::string from = to_string(view.status), to = to_string(*plan.new_status);
    if (status_move_allowed(view.status, *plan.new_status)) {
      tx.exec_params(
          "UPDATE requests SET status = $2,"
          " resolved_at = CASE WHEN $2 = 'resolved' THEN now() WHEN $2 IN ('in_progress', 'waiting_on_requester',"
          " 'acknowledged') THEN NULL ELSE resolved_at END,"
          " reopened_count = reopened_count + CASE WHEN status IN ('resolved', 'closed') THEN 1 ELSE 0 END"
          " WHERE id = $1",
          view.id, to);
      event(plan.reopened ? "reopened" : "status_changed", from + " -> " + to);
    } else {
      event("status_refused", from + " -> " + to + " is not allowed (from " + from + ": " + allowed_moves(view.status) + ")");
    }
  }
  if (plan.missing) {
    tx.exec_params("UPDATE requests SET missing = $2::jsonb WHERE id = $1", view.id, json_strings(*plan.missing));
  }
  if (!plan.owner.empty() && plan.owner != view.owner) {
    tx.exec_params("UPDATE requests SET owner = $2 WHERE id = $1", view.id, plan.owner);
    event("assigned", (view.owner.empty() ? "nobody" : view.owner) + " -> " + plan.owner);
  }
  if (!plan.priority.empty() && plan.priority != view.priority) {
    tx.exec_params("UPDATE requests SET priority = $2 WHERE id = $1", view.id, plan.priority);
    event("priority_changed", view.priority + " -> " + plan.priority);
  }
  if (plan.first_response)
    tx.exec_params("UPDATE requests SET first_response_at = coalesce(first_response_at, now()) WHERE id = $1", view.id);
  if (plan.thanks) tx.exec_params("UPDATE requests SET thanks_count = thanks_count + 1 WHERE id = $1", view.id);
  for (const auto& [purpose, mail] : plan.mails) {
    const std::string rcpts = queue_outbound(tx, purpose, view, mail);
    event(purpose + "_queued", "to " + rcpts);
  }
}
// The history lines both ingest paths write.
std::string created_detail(const RequestView& view, const Decision& decision) {
  std::string detail = "category " + view.category + " (" + decision.routing_reason + "), priority " + view.priority + " (" +
                       decision.priority_reason + ")";
  if (!decision.requested_by_phrase.empty())
    detail += ", requested by " + iso_utc(decision.requested_by) + " (\"" + decision.requested_by_phrase + "\")";
  return detail;
}

std::string flood_detail(int sent, const std::string& rcpt, const PqxxRecordStore::FloodLimit& flood_limit) {
  return "flood limit: " + std::to_string(sent) + " acknowledgments to " + rcpt + " in the last " +
         std::to_string(flood_limit.window_s / 60) + " min";
}

// The ingest of one message inside `tx` (fenced by the caller, committed by
// it): see RecordStore::ingest.
IngestResult ingest_in(pqxx::work& tx, const PqxxRecordStore::FloodLimit& flood_limit, const InboundMessage& m,
                       const Decision& decision, const AckFactory& make_ack, const ReplyPlanner& plan_reply) {
    const parsers::Email& e = m.email;
    IngestResult result;
    const std::string message_id = e.message_id.empty() ? "sha256:" + m.content_sha256 : e.message_id;
    auto inserted = tx.exec_params(
        "INSERT INTO messages (direction, role, mailbox, uidvalidity, uid, message_id, content_sha256, in_reply_to, refs,"
        " from_address, from_name, to_addresses, cc_addresses, subject, sent_at, kind, body_text, request_text, warnings, raw)"
        " VALUES ('in', 'pending', $1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10::jsonb, $11::jsonb, $12,"
        " NULLIF($13, '')::timestamptz, $14, $15, $16, $17::jsonb, $18)"
        " ON CONFLICT (message_id) WHERE direction = 'in' DO NOTHING RETURNING id",
        m.mailbox, m.uidvalidity, m.uid, message_id, m.content_sha256, e.in_reply_to, json_strings(e.references),
        e.from ? e.from->address : std::string(), e.from ? e.from->name : std::string(), json_addresses(e.to),
        json_addresses(e.cc), e.subject, iso_utc(e.date), std::string(parsers::to_string(e.kind)), e.body_text,
        e.request_text, json_strings(e.warnings), pqxx::binarystring(m.raw));
    tx.exec_params("UPDATE mailbox_state SET last_uid = greatest(last_uid, $2) WHERE mailbox = $1 AND uidvalidity = $3",
                   m.mailbox, m.uid, m.uidvalidity);
    if (inserted.empty()) {
      // The same Message-ID again: a reply-all copy through another shared
      // address, or a message seen before a UIDVALIDITY change.
      result.outcome = IngestOutcome::duplicate;
      return result;
    }
    const std::int64_t msg_row = inserted[0][0].as<std::int64_t>();
    const std::string who = e.from ? e.from->address : std::string();

    // Our own mail come back: a copy of something sent, not a reply to it.
    const bool own_copy =
        decision.own_mail ||
        !tx.exec_params("SELECT 1 FROM messages WHERE direction = 'out' AND message_id = $1", e.message_id).empty();
    if (own_copy) {
      tx.exec_params("UPDATE messages SET role = 'own_copy' WHERE id = $1", msg_row);
      result.outcome = IngestOutcome::observed;
      return result;
    }
    if (auto thread = find_thread(tx, e)) {
      const RequestView view = load_view(tx, *thread);
      const ReplyPlan plan = plan_reply ? plan_reply(view) : ReplyPlan{};
      tx.exec_params("UPDATE messages SET request_id = $1, role = $2 WHERE id = $3", view.id, plan.role, msg_row);
      apply_plan(tx, view, plan, who, msg_row);
      result.outcome = IngestOutcome::joined;
      result.reference = view.reference;
      result.reply_role = plan.role;
      return result;
    }
    if (!decision.make_request) {
      tx.exec_params("UPDATE messages SET role = 'observed' WHERE id = $1", msg_row);
      result.outcome = IngestOutcome::observed;
      return result;
    }
    const std::string status = to_string(initial_status(!decision.missing.empty()));
    auto req = tx.exec_params(
        "INSERT INTO requests (mailbox, requester_address, requester_name, subject, category, priority, status,"
        " requested_by, requested_by_phrase, missing, requester_department, time_zone, due_first_response, due_resolution)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, NULLIF($8, '')::timestamptz, NULLIF($9, ''), $10::jsonb, $11, $12,"
        " NULLIF($13, '')::timestamptz, NULLIF($14, '')::timestamptz) RETURNING id",
        m.mailbox, who, e.from ? e.from->name : std::string(), e.subject, decision.category, decision.priority, status,
        iso_utc(decision.requested_by), decision.requested_by_phrase, json_strings(decision.missing),
        decision.requester_department, decision.time_zone, iso_utc(decision.due_first_response),
        iso_utc(decision.due_resolution));
    const std::int64_t id = req[0][0].as<std::int64_t>();
    tx.exec_params("UPDATE messages SET request_id = $1, role = 'request' WHERE id = $2", id, msg_row);
    RequestView view = load_view(tx, id);
    view.requested_earlier = decision.requested_earlier;
    tx.exec_params("INSERT INTO events (request_id, type, by, detail, message_ref) VALUES ($1, 'created', $2, $3, $4)", id,
                   who, created_detail(view, decision), msg_row);
    if (!decision.missing.empty())
      tx.exec_params("INSERT INTO events (request_id, type, detail, message_ref) VALUES ($1, 'information_missing', $2, $3)",
                     id, join(decision.missing, "; "), msg_row);
    result.outcome = IngestOutcome::created;
    result.reference = view.reference;
    std::optional<QueuedMail> ack;
    if (decision.acknowledge) ack = make_ack(view);
    if (ack && flood_limit.limit > 0) {
      // Flood protection: counted per recipient over the window, in this
      // transaction, so two instances cannot both slip past the limit.
      tx.exec_params("SELECT pg_advisory_xact_lock(hashtext('intake-flood:' || lower($1)))", ack->mail.rcpt_to.front());
      const auto sent = tx.exec_params(
          "SELECT count(*) FROM outbox WHERE purpose = 'acknowledgment' AND lower(rcpt_to) = lower($1)"
          " AND created_at > now() - make_interval(secs => $2)",
          ack->mail.rcpt_to.front(), flood_limit.window_s)[0][0].as<int>();
      if (sent >= flood_limit.limit) {
        tx.exec_params("INSERT INTO events (request_id, type, detail) VALUES ($1, 'not_acknowledged', $2)", id,
                       flood_detail(sent, ack->mail.rcpt_to.front(), flood_limit));
        result.flood_limited = true;
        ack.reset();
      }
    }
    if (decision.acknowledge) {
      if (ack) {
        const std::string rcpts = queue_outbound(tx, "acknowledgment", view, *ack);
        tx.exec_params("INSERT INTO events (request_id, type, detail) VALUES ($1, 'acknowledgment_queued', $2)", id,
                       "to " + rcpts);
        result.ack_queued = true;
      }
    } else {
      tx.exec_params("INSERT INTO events (request_id, type, detail) VALUES ($1, 'not_acknowledged', $2)", id,
                     decision.quiet_reason);
    }
    return result;
}


std::int64_t quarantine_in(pqxx::work& tx, const InboundMessage& m, const std::string& reason, std::int64_t size_bytes,
                           const std::optional<QueuedMail>& notice) {
    auto r = tx.exec_params(
        "INSERT INTO quarantine (mailbox, uidvalidity, uid, reason, raw, size_bytes) VALUES ($1, $2, $3, $4, $5, NULLIF($6::bigint, -1))"
        " RETURNING id",
        m.mailbox, m.uidvalidity, m.uid, reason, pqxx::binarystring(m.raw), size_bytes);
    if (notice) {
      queue_mail(tx, "oversized_notice", 0, *notice);
    }
    tx.exec_params("UPDATE mailbox_state SET last_uid = greatest(last_uid, $2) WHERE mailbox = $1 AND uidvalidity = $3",
                   m.mailbox, m.uid, m.uidvalidity);
    return r[0][0].as<std::int64_t>();
}



// ---------------------------------------------------------------------------
// Group commit's fast path (the Speed issue). Most of a backlog is new
// requests from mail that names no thread; for a run of those, the fifteen or
// so round trips per message of ingest_in become ten statements for the whole
// run, each over a JSON array of rows (a round trip, not the SQL, is what
// costs on loopback). The rows, events and outbox entries are the ones
// ingest_in writes; the GroupCommit integration test compares both paths row
// by row. What the fast path cannot decide without ingest_in's lookups (a
// Message-ID already known, in or out; a second copy in the same run) goes
// through ingest_in after the run, in the same transaction.

// Mail bigger than this goes through ingest_in: a run's raw bytes travel
// together in one statement, where a big one would double the peak memory.
constexpr std::size_t fast_path_max_raw_bytes = std::size_t{1} << 20;

bool has_nul(const std::string& s) { return s.find('\0') != std::string::npos; }

// Could be a plain new request: no subject tag, not a bounce, not too big.
// Whether the Message-IDs it carries and names are unknown is for
// store_group to tell (fast_path_candidates).
bool fast_path_eligible(const GroupItem& item) {
  if (!item.decision || !item.decision->make_request || item.decision->own_mail) return false;
  const InboundMessage& m = *item.message;
  const parsers::Email& e = m.email;
  if (e.kind == parsers::MessageKind::bounce || subject_reference(e.subject)) return false;
  if (m.raw.size() > fast_path_max_raw_bytes) return false;
  // libpq reads parameters up to a NUL; JSON would carry it and PostgreSQL refuse it.
  auto any_nul = [](const std::vector<std::string>& list) { return std::any_of(list.begin(), list.end(), has_nul); };
  return !has_nul(e.subject) && !has_nul(e.body_text) && !has_nul(e.request_text) && !has_nul(e.message_id) &&
         !has_nul(e.in_reply_to) && !any_nul(e.references) && !any_nul(e.warnings) &&
         !(e.from && (has_nul(e.from->address) || has_nul(e.from->name)));
}

std::string message_id_of(const InboundMessage& m) {
  return m.email.message_id.empty() ? "sha256:" + m.content_sha256 : m.email.message_id;
}

// Which items take the fast path: eligible, and neither their own Message-ID
// nor any they answer (In-Reply-To, References) is known, to the database
// (in or out: a duplicate, our own copy, a thread) or to an earlier item of
// the group (a reply within the same chunk). One round trip for the group.
std::vector<bool> fast_path_candidates(pqxx::work& tx, const std::vector<GroupItem>& items) {
  std::vector<bool> fast(items.size(), false);
  nlohmann::json ids = nlohmann::json::array();
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!fast_path_eligible(items[i])) continue;
    fast[i] = true;
    const parsers::Email& e = items[i].message->email;
    ids.push_back(message_id_of(*items[i].message));
    if (!e.in_reply_to.empty()) ids.push_back(e.in_reply_to);
    for (const auto& r : e.references) ids.push_back(r);
  }
  if (ids.empty()) return fast;
  std::set<std::string> known;
  // Per Message-ID, one index probe per direction (both indexes are partial).
  for (const auto& row : tx.exec_params(
           "SELECT w.mid FROM (SELECT DISTINCT mid FROM jsonb_array_elements_text($1::jsonb) AS j(mid)) w"
           " WHERE EXISTS (SELECT 1 FROM messages WHERE direction = 'in' AND message_id = w.mid"
           "  UNION ALL SELECT 1 FROM messages WHERE direction = 'out' AND message_id = w.mid)",
           dump(ids)))
    known.insert(row[0].c_str());
  std::set<std::string> earlier;  // Message-IDs of the items before, whichever path they take
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!items[i].decision) continue;
    const parsers::Email& e = items[i].message->email;
    const std::string mid = message_id_of(*items[i].message);
    if (fast[i]) {
      auto seen = [&](const std::string& id) { return known.count(id) > 0 || earlier.count(id) > 0; };
      fast[i] = !seen(mid) && (e.in_reply_to.empty() || !seen(e.in_reply_to)) &&
                std::none_of(e.references.begin(), e.references.end(), seen);
    }
    earlier.insert(mid);
  }
  return fast;
}

// "$first::bytea, ..." for n binary parameters: placeholders only, never values.
std::string bytea_placeholders(int first, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += (i ? ", $" : "$") + std::to_string(first + static_cast<int>(i)) + "::bytea";
  return out;
}

// The fast path for a run of plain new requests (1. chosen by
// fast_path_candidates): the rows ingest_in would write one message at a
// time, in a few statements for the whole run (the GroupCommit test compares
// both paths row for row).
void ingest_run(pqxx::work& tx, const PqxxRecordStore::FloodLimit& flood_limit, const std::vector<GroupItem>& items,
                const std::vector<std::size_t>& fresh, std::vector<GroupResult>& out) {
  if (!fresh.empty()) {
    // 2. Ids and numbers, so the acknowledgments can be rendered before the rows exist.
    auto ids = tx.exec_params(
        "SELECT nextval('requests_id_seq'), nextval('request_number_seq'), nextval('messages_id_seq')"
        " FROM generate_series(1, $1)",
        static_cast<int>(fresh.size()));
    struct Fresh {
      std::size_t item = 0;
      RequestView view;
      std::int64_t number = 0;  // of the reference, REQ-<number>
      std::int64_t message_row = 0;
      std::optional<QueuedMail> ack;
      int flood_sent = -1;  // >= 0: held back by the flood limit, with this count
      std::string flood_rcpt;
    };
    std::vector<Fresh> rows;
    rows.reserve(fresh.size());
    for (std::size_t k = 0; k < fresh.size(); ++k) {
      const GroupItem& item = items[fresh[k]];
      const Decision& d = *item.decision;
      const parsers::Email& e = item.message->email;
      const auto& id_row = ids[static_cast<pqxx::result::size_type>(k)];
      Fresh f;
      f.item = fresh[k];
      f.message_row = id_row[2].as<std::int64_t>();
      RequestView& v = f.view;
      v.id = id_row[0].as<std::int64_t>();
      f.number = id_row[1].as<std::int64_t>();
      v.reference = "REQ-" + std::to_string(f.number);
      v.category = d.category;
      v.priority = d.priority;
      v.status = initial_status(!d.missing.empty());
      v.requester_address = e.from ? e.from->address : std::string();
      v.requester_name = e.from ? e.from->name : std::string();
      v.subject = e.subject;
      v.request_message_id = e.message_id;  // load_view: the request's own Message-ID, '' for a sha256: one
      v.time_zone = d.time_zone;
      v.missing = d.missing;
      v.requested_by = d.requested_by;
      v.due_first_response = d.due_first_response;
      v.due_resolution = d.due_resolution;
      v.requested_earlier = d.requested_earlier;
      if (d.acknowledge && item.make_ack) f.ack = item.make_ack(v);
      rows.push_back(std::move(f));
    }

    // 3. The flood limit, as ingest_in counts it: locked per recipient, then
    // counted, the acknowledgments of this run included as they are taken.
    if (flood_limit.limit > 0) {
      std::set<std::string> rcpts;
      for (const auto& f : rows)
        if (f.ack) rcpts.insert(f.ack->mail.rcpt_to.front());
      if (!rcpts.empty()) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& r : rcpts) list.push_back(r);
        tx.exec_params(
            "SELECT pg_advisory_xact_lock(hashtext('intake-flood:' || r)) FROM"
            " (SELECT DISTINCT lower(r) AS r FROM jsonb_array_elements_text($1::jsonb) AS x(r) ORDER BY 1) l",
            dump(list));
        std::map<std::string, int> counts;  // by lower-case address
        for (const auto& row : tx.exec_params(
                 "SELECT l.r, (SELECT count(*) FROM outbox WHERE purpose = 'acknowledgment' AND lower(rcpt_to) = l.r"
                 " AND created_at > now() - make_interval(secs => $2))::int"
                 " FROM (SELECT DISTINCT lower(r) AS r FROM jsonb_array_elements_text($1::jsonb) AS x(r)) l",
                 dump(list), flood_limit.window_s))
          counts[row[0].c_str()] = row[1].as<int>();
        for (auto& f : rows) {
          if (!f.ack) continue;
          std::string key = f.ack->mail.rcpt_to.front();
          std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
          int& sent = counts[key];
          if (sent >= flood_limit.limit) {
            f.flood_sent = sent;
            f.flood_rcpt = f.ack->mail.rcpt_to.front();
            f.ack.reset();
          } else {
            ++sent;
          }
        }
      }
    }

    // 4. The rows, in the order ingest_in writes them.
    nlohmann::json requests = nlohmann::json::array(), messages = nlohmann::json::array(),
                   events = nlohmann::json::array(), outbox = nlohmann::json::array(), sent = nlohmann::json::array();
    std::uint64_t last_uid = 0;
    // The raw bytes go as binary parameters, each once (no hex in the JSON):
    // the inbound mail and the acknowledgments, each row naming its own by k.
    std::vector<pqxx::binarystring> raws, ack_raws;
    auto event = [&](const Fresh& f, const char* type, const std::string& by, const std::string& detail, bool with_message) {
      nlohmann::json ev = {{"request_id", f.view.id}, {"type", type}, {"detail", detail}};
      if (!by.empty()) ev["by"] = by;
      if (with_message) ev["message_ref"] = f.message_row;
      events.push_back(std::move(ev));
    };
    for (const auto& f : rows) {
      const GroupItem& item = items[f.item];
      const InboundMessage& m = *item.message;
      const parsers::Email& e = m.email;
      const Decision& d = *item.decision;
      const RequestView& v = f.view;
      last_uid = std::max(last_uid, m.uid);
      requests.push_back({{"id", v.id},
                          {"number", f.number},
                          {"mailbox", m.mailbox},
                          {"requester_address", v.requester_address},
                          {"requester_name", v.requester_name},
                          {"subject", v.subject},
                          {"category", v.category},
                          {"priority", v.priority},
                          {"status", to_string(v.status)},
                          {"requested_by", iso_utc(d.requested_by)},
                          {"requested_by_phrase", d.requested_by_phrase},
                          {"missing", d.missing},
                          {"requester_department", d.requester_department},
                          {"time_zone", d.time_zone},
                          {"due_first_response", iso_utc(d.due_first_response)},
                          {"due_resolution", iso_utc(d.due_resolution)}});
      messages.push_back({{"id", f.message_row},
                          {"request_id", v.id},
                          {"mailbox", m.mailbox},
                          {"uidvalidity", m.uidvalidity},
                          {"uid", m.uid},
                          {"message_id", message_id_of(m)},
                          {"content_sha256", m.content_sha256},
                          {"in_reply_to", e.in_reply_to},
                          {"refs", e.references},
                          {"from_address", v.requester_address},
                          {"from_name", v.requester_name},
                          {"to_addresses", address_list(e.to)},
                          {"cc_addresses", address_list(e.cc)},
                          {"subject", e.subject},
                          {"sent_at", iso_utc(e.date)},
                          {"kind", std::string(parsers::to_string(e.kind))},
                          {"body_text", e.body_text},
                          {"request_text", e.request_text},
                          {"warnings", e.warnings},
                          {"k", raws.size() + 1}});
      raws.emplace_back(m.raw);
      event(f, "created", v.requester_address, created_detail(v, d), true);
      if (!d.missing.empty()) event(f, "information_missing", "", join(d.missing, "; "), true);
      if (f.flood_sent >= 0) event(f, "not_acknowledged", "", flood_detail(f.flood_sent, f.flood_rcpt, flood_limit), false);
      if (d.acknowledge) {
        if (f.ack) {
          const QueuedMail& a = *f.ack;
          const std::string rcpts = join(a.mail.rcpt_to, ",");
          const std::size_t k = ack_raws.size() + 1;
          ack_raws.emplace_back(a.mail.raw);
          outbox.push_back({{"request_id", v.id}, {"mail_from", a.mail.mail_from}, {"rcpt_to", rcpts},
                            {"message_id", a.message_id}, {"k", k}});
          sent.push_back({{"request_id", v.id}, {"message_id", a.message_id}, {"in_reply_to", v.request_message_id},
                          {"from_address", a.mail.mail_from}, {"to_addresses", a.mail.rcpt_to}, {"subject", a.subject},
                          {"k", k}});
          event(f, "acknowledgment_queued", "", "to " + rcpts, false);
        }
      } else {
        event(f, "not_acknowledged", "", d.quiet_reason, false);
      }
      GroupResult& r = out[f.item];
      r.ingest.outcome = IngestOutcome::created;
      r.ingest.reference = v.reference;
      r.ingest.ack_queued = f.ack.has_value();
      r.ingest.flood_limited = f.flood_sent >= 0;
    }
    tx.exec_params(
        "INSERT INTO requests (id, number, mailbox, requester_address, requester_name, subject, category, priority, status,"
        " requested_by, requested_by_phrase, missing, requester_department, time_zone, due_first_response, due_resolution)"
        " SELECT id, number, mailbox, requester_address, requester_name, subject, category, priority, status,"
        " NULLIF(requested_by, '')::timestamptz, NULLIF(requested_by_phrase, ''), missing, requester_department, time_zone,"
        " NULLIF(due_first_response, '')::timestamptz, NULLIF(due_resolution, '')::timestamptz"
        " FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, number bigint, mailbox text, requester_address text,"
        " requester_name text, subject text, category text, priority text, status text, requested_by text,"
        " requested_by_phrase text, missing jsonb, requester_department text, time_zone text, due_first_response text,"
        " due_resolution text)",
        dump(requests));
    requests = nullptr;
    tx.exec_params(
        "WITH r AS (SELECT raw, k FROM unnest(ARRAY[" + bytea_placeholders(2, raws.size()) + "]) WITH ORDINALITY AS u(raw, k))"
        " INSERT INTO messages (id, request_id, direction, role, mailbox, uidvalidity, uid, message_id, content_sha256,"
        " in_reply_to, refs, from_address, from_name, to_addresses, cc_addresses, subject, sent_at, kind, body_text,"
        " request_text, warnings, raw)"
        " SELECT id, request_id, 'in', 'request', mailbox, uidvalidity, uid, message_id, content_sha256, in_reply_to, refs,"
        " from_address, from_name, to_addresses, cc_addresses, subject, NULLIF(sent_at, '')::timestamptz, kind, body_text,"
        " request_text, warnings, r.raw"
        " FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, request_id bigint, mailbox text, uidvalidity bigint, uid bigint,"
        " message_id text, content_sha256 text, in_reply_to text, refs jsonb, from_address text, from_name text,"
        " to_addresses jsonb, cc_addresses jsonb, subject text, sent_at text, kind text, body_text text, request_text text,"
        " warnings jsonb, k bigint) JOIN r ON r.k = x.k ORDER BY x.id",
        dump(messages), pqxx::prepare::make_dynamic_params(raws));
    raws.clear();
    messages = nullptr;
    if (!outbox.empty()) {
      const std::string acks =
          "WITH r AS (SELECT raw, k FROM unnest(ARRAY[" + bytea_placeholders(2, ack_raws.size()) + "]) WITH ORDINALITY AS u(raw, k))";
      tx.exec_params(acks +
                         " INSERT INTO outbox (request_id, purpose, mail_from, rcpt_to, message_id, raw)"
                         " SELECT request_id, 'acknowledgment', mail_from, rcpt_to, message_id, r.raw"
                         " FROM jsonb_to_recordset($1::jsonb) AS x(request_id bigint, mail_from text, rcpt_to text,"
                         " message_id text, k bigint) JOIN r ON r.k = x.k ORDER BY x.k",
                     dump(outbox), pqxx::prepare::make_dynamic_params(ack_raws));
      tx.exec_params(acks +
                         " INSERT INTO messages (request_id, direction, role, message_id, content_sha256, in_reply_to,"
                         " from_address, to_addresses, subject, kind, raw)"
                         " SELECT request_id, 'out', 'acknowledgment', message_id, '', in_reply_to, from_address, to_addresses,"
                         " subject, 'auto_reply', r.raw"
                         " FROM jsonb_to_recordset($1::jsonb) AS x(request_id bigint, message_id text, in_reply_to text,"
                         " from_address text, to_addresses jsonb, subject text, k bigint) JOIN r ON r.k = x.k ORDER BY x.k",
                     dump(sent), pqxx::prepare::make_dynamic_params(ack_raws));
    }
    tx.exec_params(
        "INSERT INTO events (request_id, type, by, detail, message_ref)"
        " SELECT request_id, type, coalesce(by, 'intake'), detail, message_ref"
        " FROM jsonb_to_recordset($1::jsonb) AS x(request_id bigint, type text, by text, detail text, message_ref bigint)",
        dump(events));
    const InboundMessage& first = *items[fresh.front()].message;
    tx.exec_params("UPDATE mailbox_state SET last_uid = greatest(last_uid, $2) WHERE mailbox = $1 AND uidvalidity = $3",
                   first.mailbox, last_uid, first.uidvalidity);
  }
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

Result<IngestResult> PqxxRecordStore::ingest(const InboundMessage& message, const Decision& decision,
                                             const AckFactory& make_ack, const ReplyPlanner& plan_reply) {
  const std::optional<InboundMessage> storable = with_storable_ids(message);
  const InboundMessage& m = storable ? *storable : message;
  return guarded("ingest", [&]() -> Result<IngestResult> {
    pqxx::work tx(conn_->conn);
    if (fenced_out(tx, instance_id_, m.mailbox)) return lease_lost(m.mailbox);
    IngestResult result = ingest_in(tx, flood_limit_, m, decision, make_ack, plan_reply);
    tx.commit();
    return result;
  });
}

Result<std::int64_t> PqxxRecordStore::quarantine(const InboundMessage& m, const std::string& reason, std::int64_t size_bytes,
                                                 const std::optional<QueuedMail>& notice) {
  return guarded("quarantine", [&]() -> Result<std::int64_t> {
    pqxx::work tx(conn_->conn);
    if (fenced_out(tx, instance_id_, m.mailbox)) return lease_lost(m.mailbox);
    const std::int64_t id = quarantine_in(tx, m, reason, size_bytes, notice);
    tx.commit();
    return id;
  });
}

Result<std::vector<GroupResult>> PqxxRecordStore::store_group(const std::vector<GroupItem>& given) {
  // Long Message-IDs as their hashes (with_storable_ids), copied only when a
  // message has one; the copies live until the call returns.
  std::vector<std::optional<InboundMessage>> storable(given.size());
  bool any_long = false;
  for (std::size_t i = 0; i < given.size(); ++i) {
    if (given[i].message != nullptr) storable[i] = with_storable_ids(*given[i].message);
    any_long = any_long || storable[i].has_value();
  }
  std::vector<GroupItem> copied;
  if (any_long) {
    copied = given;
    for (std::size_t i = 0; i < given.size(); ++i)
      if (storable[i]) copied[i].message = &*storable[i];
  }
  const std::vector<GroupItem>& items = any_long ? copied : given;
  return guarded("ingest", [&]() -> Result<std::vector<GroupResult>> {
    std::vector<GroupResult> out;
    if (items.empty()) return out;
    pqxx::work tx(conn_->conn);
    // The lease row stays share-locked until the commit: one check holds for the group.
    if (fenced_out(tx, instance_id_, items.front().message->mailbox)) return lease_lost(items.front().message->mailbox);
    out.resize(items.size());
    // Runs of plain new requests take the fast path; everything else, in
    // its place in the order, the one-message path.
    std::vector<std::size_t> run;
    auto flush = [&] {
      if (!run.empty()) ingest_run(tx, flood_limit_, items, run, out);
      run.clear();
    };
    const std::vector<bool> fast = fast_path_candidates(tx, items);
    for (std::size_t i = 0; i < items.size(); ++i) {
      const GroupItem& item = items[i];
      if (fast[i]) {
        run.push_back(i);
        continue;
      }
      flush();
      if (item.decision)
        out[i].ingest = ingest_in(tx, flood_limit_, *item.message, *item.decision, item.make_ack, item.plan_reply);
      else
        out[i].quarantine_id = quarantine_in(tx, *item.message, item.reason, item.size_bytes, item.notice);
    }
    flush();
    tx.commit();
    return out;
  });
}

Status PqxxRecordStore::record_fetch(const std::string& mailbox, bool ok, const std::string& error, int alert_after,
                                     const AlertFactory& make_alert) {
  return guarded("record_fetch", [&]() -> Status {
    pqxx::work tx(conn_->conn);
    if (ok) {
      tx.exec_params("UPDATE mailbox_state SET last_success_at = now(), last_attempt_at = now(), consecutive_failures = 0,"
                     " last_error = NULL, alerted_at = NULL WHERE mailbox = $1", mailbox);
    } else {
      tx.exec_params("INSERT INTO mailbox_state (mailbox) VALUES ($1) ON CONFLICT DO NOTHING", mailbox);
      auto r = tx.exec_params(
          "UPDATE mailbox_state SET last_attempt_at = now(), consecutive_failures = consecutive_failures + 1,"
          " last_error = $2 WHERE mailbox = $1 RETURNING consecutive_failures, alerted_at IS NOT NULL",
          mailbox, error);
      const int failures = r.empty() ? 0 : r[0][0].as<int>();
      const bool alerted = !r.empty() && r[0][1].as<bool>();
      if (!alerted && failures >= alert_after && make_alert) {
        if (auto alert = make_alert(failures)) {
          queue_mail(tx, "admin_alert", 0, *alert);
          tx.exec_params("UPDATE mailbox_state SET alerted_at = now() WHERE mailbox = $1", mailbox);
        }
      }
    }
    tx.commit();
    return Ok{};
  });
}

Result<std::vector<OutboxItem>> PqxxRecordStore::claim_outbox(int limit, int resend_interrupted_after_s) {
  return guarded("claim_outbox", [&]() -> Result<std::vector<OutboxItem>> {
    // One statement, committed on its own: one round trip per claim.
    pqxx::nontransaction tx(conn_->conn);
    // Marked 'sending' and committed before any byte goes out. A row still
    // 'sending' long after its claim was cut off by a crash: it is taken again
    // and counted as interrupted (its recipient may get it twice, which beats
    // never: SMTP cannot tell whether the cut-off transaction completed).
    auto r = tx.exec_params(
        // Each kind through its own index (0009, 0008): the due pending rows
        // in due order, and the interrupted ones; the oldest of both go.
        "WITH p AS (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= now()"
        "  ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED),"
        " s AS (SELECT id FROM outbox WHERE status = 'sending' AND claimed_at < now() - make_interval(secs => $2)"
        // Never while the instance that claimed it may still be sending it:
        // only this instance's own (it sends one at a time), or a gone one's.
        "  AND (claimed_by IS NULL OR claimed_by = $3 OR NOT EXISTS (SELECT 1 FROM instances i"
        "       WHERE i.id = outbox.claimed_by AND i.stopped_at IS NULL"
        "       AND i.heartbeat_at > now() - make_interval(secs => i.failover_s)))"
        "  ORDER BY claimed_at LIMIT $1 FOR UPDATE SKIP LOCKED),"
        " due AS (SELECT id FROM p UNION ALL SELECT id FROM s ORDER BY id LIMIT $1)"
        " UPDATE outbox o SET status = 'sending', attempts = attempts + 1, claimed_at = now(), claimed_by = NULLIF($3, ''),"
        " interrupted = interrupted + CASE WHEN o.status = 'sending' THEN 1 ELSE 0 END FROM due"
        " WHERE o.id = due.id RETURNING o.id, o.purpose, o.mail_from, o.rcpt_to, o.raw, o.attempts,"
        " coalesce((SELECT reference FROM requests WHERE id = o.request_id), ''), o.interrupted",
        limit, resend_interrupted_after_s, instance_id_);
    tx.commit();
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
  });
}

Status PqxxRecordStore::finish_outbox(std::int64_t id, const Status& result) {
  return guarded("finish_outbox", [&]() -> Status {
    // Each outcome is one statement, committed on its own (one round trip).
    pqxx::nontransaction tx(conn_->conn);
    if (result.ok()) {
      tx.exec_params(
          "WITH o AS (UPDATE outbox SET status = 'sent', sent_at = now(), last_error = NULL WHERE id = $1"
          "  RETURNING request_id, purpose),"
          " r AS (UPDATE requests SET acknowledged_at = coalesce(acknowledged_at, now()),"
          "  status = CASE WHEN status = 'new' THEN 'acknowledged' ELSE status END"
          "  FROM o WHERE requests.id = o.request_id AND o.purpose = 'acknowledgment' RETURNING requests.id)"
          " INSERT INTO events (request_id, type) SELECT id, 'acknowledged' FROM r",
          id);
    } else if (result.error().permanent()) {
      tx.exec_params("UPDATE outbox SET status = 'failed', last_error = $2 WHERE id = $1", id, result.error().message);
    } else if (result.error().unreachable()) {
      // The server never answered: nothing of this mail was refused, so it
      // gets no backoff of its own and goes first once the server is back
      // (the cycle's pause already spaces the tries). A backoff here grew to
      // minutes over a few outages and held up the whole drain after them.
      tx.exec_params("UPDATE outbox SET status = 'pending', last_error = $2, next_attempt_at = now() WHERE id = $1", id,
                     result.error().message);
    } else {
      // Exponential backoff, capped at one hour.
      tx.exec_params("UPDATE outbox SET status = 'pending', last_error = $2,"
                     " next_attempt_at = now() + least(interval '1 hour', interval '5 seconds' * power(2, least(attempts, 12)))"
                     " WHERE id = $1", id, result.error().message);
    }
    return Ok{};
  });
}

Result<int> PqxxRecordStore::queue_due_alerts(int soon_s, const DueAlertFactory& make_alert) {
  return guarded("queue_due_alerts", [&]() -> Result<int> {
    pqxx::work tx(conn_->conn);
    // Rows taken by another instance are skipped; the list of sent alerts is
    // checked again under the lock.
    auto due = tx.exec_params(
        "SELECT id, kind, overdue FROM ("
        " SELECT id, 'first_response' AS kind, due_first_response <= now() AS overdue, due_first_response AS at"
        "  FROM requests WHERE status NOT IN ('resolved', 'closed') AND first_response_at IS NULL"
        "  AND due_first_response <= now() + make_interval(secs => $1)"
        " UNION ALL"
        " SELECT id, 'resolution', due_resolution <= now(), due_resolution"
        "  FROM requests WHERE status NOT IN ('resolved', 'closed')"
        "  AND due_resolution <= now() + make_interval(secs => $1)) d"
        " WHERE NOT (SELECT due_alerts_sent FROM requests r WHERE r.id = d.id) ?"
        "  (d.kind || CASE WHEN d.overdue THEN ':overdue' ELSE ':soon' END)"
        " ORDER BY at LIMIT 500",
        soon_s);
    int queued = 0;
    for (const auto& row : due) {
      const std::int64_t id = row[0].as<std::int64_t>();
      const std::string kind = row[1].c_str();
      const bool overdue = row[2].as<bool>();
      const std::string tag = kind + (overdue ? ":overdue" : ":soon");
      auto locked = tx.exec_params("SELECT 1 FROM requests WHERE id = $1 AND NOT due_alerts_sent ? $2 FOR UPDATE SKIP LOCKED",
                                   id, tag);
      if (locked.empty()) continue;
      const RequestView view = load_view(tx, id);
      tx.exec_params("UPDATE requests SET due_alerts_sent = due_alerts_sent || to_jsonb($2::text) WHERE id = $1", id, tag);
      if (auto mail = make_alert(view, kind, overdue)) {
        const std::string rcpts = queue_outbound(tx, overdue ? "overdue_alert" : "due_soon_alert", view, *mail);
        tx.exec_params("INSERT INTO events (request_id, type, detail) VALUES ($1, $2, $3)", id,
                       overdue ? "overdue_alert_queued" : "due_soon_alert_queued", kind + " to " + rcpts);
        ++queued;
      } else {
        tx.exec_params("INSERT INTO events (request_id, type, detail) VALUES ($1, $2, $3)", id,
                       overdue ? "overdue" : "due_soon", kind + ": nobody to alert (no owner, staff or admin address)");
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
        "SELECT reference, requester_address, requester_name, requester_department, category, priority, status, " +
            epoch("created_at") + ", " + epoch("acknowledged_at") + ", " + epoch("first_response_at") + ", " +
            epoch("resolved_at") + ", " + epoch("due_first_response") + ", " + epoch("due_resolution") +
            " FROM requests WHERE created_at < to_timestamp($2) AND (created_at >= to_timestamp($1)"
            " OR resolved_at IS NULL OR resolved_at >= to_timestamp($1)) ORDER BY number",
        previous_start.time_since_epoch().count(), period_end.time_since_epoch().count());
    std::vector<SummaryRequest> rows;
    for (const auto& row : r) {
      SummaryRequest q;
      q.reference = row[0].c_str();
      q.requester = row[1].c_str();
      q.requester_name = row[2].c_str();
      q.department = row[3].c_str();
      q.category = row[4].c_str();
      q.priority = row[5].c_str();
      q.status = row[6].c_str();
      q.created = *time_from_epoch(row[7]);
      q.acknowledged = time_from_epoch(row[8]);
      q.first_response = time_from_epoch(row[9]);
      q.resolved = time_from_epoch(row[10]);
      q.due_first_response = time_from_epoch(row[11]);
      q.due_resolution = time_from_epoch(row[12]);
      q.waiting_on_requester = q.status == "waiting_on_requester";
      rows.push_back(std::move(q));
    }
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

Result<RequestDetail> PqxxRecordStore::find_request(const std::string& reference) {
  return guarded("find_request", [&]() -> Result<RequestDetail> {
    pqxx::work tx(conn_->conn);
    auto r = tx.exec_params("SELECT " + detail_columns() + " FROM requests r WHERE upper(r.reference) = upper($1)", reference);
    if (r.empty()) return fail("no request " + reference, true);
    RequestDetail d = detail_from(r[0]);
    auto events = tx.exec_params("SELECT type, " + iso_sql("at") + ", by, detail FROM events WHERE request_id = $1 ORDER BY id",
                                 r[0][20].as<std::int64_t>());
    for (const auto& e : events) d.events.push_back({e[0].c_str(), e[1].c_str(), e[2].c_str(), e[3].c_str()});
    return d;
  });
}

Status PqxxRecordStore::change_request(const std::string& reference, const std::string& by, const ReplyPlanner& plan) {
  return guarded("change_request", [&]() -> Status {
    pqxx::work tx(conn_->conn);
    auto r = tx.exec_params("SELECT id FROM requests WHERE upper(reference) = upper($1) FOR UPDATE", reference);
    if (r.empty()) return fail("no request " + reference, true);
    const RequestView view = load_view(tx, r[0][0].as<std::int64_t>());
    const ReplyPlan p = plan(view);
    if (p.new_status && *p.new_status != view.status && !status_move_allowed(view.status, *p.new_status))
      return fail(view.reference + " is " + to_string(view.status) + ": it cannot move to " + to_string(*p.new_status) +
                      " (allowed: " + allowed_moves(view.status) + ")",
                  true);
    apply_plan(tx, view, p, by, std::nullopt);
    tx.commit();
    return Ok{};
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
    h.schema_version = tx.exec("SELECT coalesce(max(version), 0) FROM schema_migrations")[0][0].as<int>();
    if (h.schema_version < 7) return h;  // no instances before migration 0007 (status then says: migrate)
    // Running instances first, then the stopped ones of the last day.
    auto instances = tx.exec(
        "SELECT i.id, i.node, i.pid, i.version, " + iso_sql("i.started_at") + ", " + iso_sql("i.heartbeat_at") + ","
        " extract(epoch FROM now() - i.heartbeat_at)::bigint, i.failover_s, " + iso_sql("i.stopped_at") + ","
        " coalesce(i.stop_reason, ''),"
        " coalesce((SELECT string_agg(l.mailbox, ',' ORDER BY l.mailbox) FROM mailbox_leases l"
        "           WHERE l.holder = i.id AND l.expires_at > now()), '')"
        " FROM instances i WHERE i.stopped_at IS NULL OR i.stopped_at > now() - interval '1 day'"
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
