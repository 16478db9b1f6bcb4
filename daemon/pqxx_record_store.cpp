#include "pqxx_record_store.hpp"

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "migrations.hpp"

namespace intake::daemon {

struct PqxxConnection {
  explicit PqxxConnection(const std::string& conninfo) : conn(conninfo) {}
  pqxx::connection conn;
};

const char* to_string(IngestOutcome outcome) {
  switch (outcome) {
    case IngestOutcome::created: return "created";
    case IngestOutcome::joined: return "joined";
    case IngestOutcome::observed: return "observed";
    case IngestOutcome::duplicate: return "duplicate";
  }
  return "duplicate";
}

namespace {

// Queues `mail` in the outbox inside `tx`; returns its recipients as stored.
// request_id 0: the mail belongs to no request.
std::string queue_mail(pqxx::work& tx, const std::string& purpose, std::int64_t request_id, const QueuedMail& mail) {
  std::string rcpts;
  for (const auto& rcpt : mail.mail.rcpt_to) rcpts += (rcpts.empty() ? "" : ",") + rcpt;
  tx.exec_params("INSERT INTO outbox (request_id, purpose, mail_from, rcpt_to, message_id, raw) VALUES (NULLIF($1::bigint, 0), $2, $3, $4, $5, $6)",
                 request_id, purpose, mail.mail.mail_from, rcpts, mail.message_id, pqxx::binarystring(mail.mail.raw));
  return rcpts;
}

std::string iso_utc(const std::optional<std::chrono::sys_seconds>& t) {
  if (!t) return {};
  std::time_t tt = t->time_since_epoch().count();
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string json_addresses(const std::vector<parsers::Address>& list) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& a : list) j.push_back(a.address);
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string json_strings(const std::vector<std::string>& list) {
  nlohmann::json j = list;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string url_encode(const std::string& s) {
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

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

}  // namespace

std::string conninfo_with_password(const std::string& url, const std::string& password) {
  if (password.empty()) return url;
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0)
    return url + (url.find('?') == std::string::npos ? "?" : "&") + "password=" + url_encode(password);
  std::string quoted = "'";
  for (char c : password) {
    if (c == '\'' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return url + " password=" + quoted + "'";
}

PqxxRecordStore::PqxxRecordStore(std::string conninfo) : conninfo_(std::move(conninfo)) {}
PqxxRecordStore::~PqxxRecordStore() = default;

Status PqxxRecordStore::connect() {
  try {
    if (!conn_ || !conn_->conn.is_open()) conn_ = std::make_unique<PqxxConnection>(conninfo_);
    return Ok{};
  } catch (const std::exception& e) {
    conn_.reset();
    std::string msg = e.what();
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    return fail("PostgreSQL: cannot connect: " + msg);
  }
}

template <typename F>
auto PqxxRecordStore::guarded(const char* what, F&& f) -> decltype(f()) {
  if (auto c = connect(); !c) return c.error();
  try {
    return f();
  } catch (const pqxx::broken_connection& e) {
    conn_.reset();
    return fail(std::string("PostgreSQL connection lost during ") + what + ": " + e.what());
  } catch (const std::exception& e) {
    std::string msg = e.what();
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    if (conn_ && !conn_->conn.is_open()) conn_.reset();
    return fail(std::string("PostgreSQL error during ") + what + ": " + msg);
  }
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
    tx.exec_params("UPDATE mailbox_state SET uidvalidity = $2, last_uid = 0 WHERE mailbox = $1", mailbox, uidvalidity);
    tx.commit();
    return Ok{};
  });
}

Result<IngestResult> PqxxRecordStore::ingest(const InboundMessage& m, const Decision& decision, const AckFactory& make_ack) {
  return guarded("ingest", [&]() -> Result<IngestResult> {
    const parsers::Email& e = m.email;
    pqxx::work tx(conn_->conn);
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
      tx.commit();
      result.outcome = IngestOutcome::duplicate;
      return result;
    }
    const std::int64_t msg_row = inserted[0][0].as<std::int64_t>();

    // Thread: our own Message-IDs and known messages first, then the subject tag.
    std::vector<std::string> ids = e.references;
    if (!e.in_reply_to.empty()) ids.insert(ids.begin(), e.in_reply_to);
    std::optional<std::int64_t> thread;
    std::string thread_ref;
    if (!ids.empty()) {
      auto t = tx.exec_params(
          "SELECT m.request_id, r.reference FROM messages m JOIN requests r ON r.id = m.request_id"
          " WHERE m.message_id IN (SELECT jsonb_array_elements_text($1::jsonb)) ORDER BY m.id DESC LIMIT 1",
          json_strings(ids));
      if (!t.empty()) {
        thread = t[0][0].as<std::int64_t>();
        thread_ref = t[0][1].c_str();
      }
    }
    if (!thread) {
      if (auto n = subject_reference(e.subject)) {
        auto t = tx.exec_params("SELECT id, reference FROM requests WHERE number = $1", *n);
        if (!t.empty()) {
          thread = t[0][0].as<std::int64_t>();
          thread_ref = t[0][1].c_str();
        }
      }
    }
    const std::string who = e.from ? e.from->address : std::string();
    if (thread) {
      tx.exec_params("UPDATE messages SET request_id = $1, role = 'reply' WHERE id = $2", *thread, msg_row);
      tx.exec_params("INSERT INTO events (request_id, type, by, detail, message_ref) VALUES ($1, 'reply', $2, $3, $4)",
                     *thread, who, std::string(parsers::to_string(e.kind)), msg_row);
      tx.commit();
      result.outcome = IngestOutcome::joined;
      result.reference = thread_ref;
      return result;
    }
    if (!decision.make_request) {
      tx.exec_params("UPDATE messages SET role = 'observed' WHERE id = $1", msg_row);
      tx.commit();
      result.outcome = IngestOutcome::observed;
      return result;
    }
    auto req = tx.exec_params(
        "INSERT INTO requests (mailbox, requester_address, requester_name, subject, category, priority)"
        " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, reference, category, priority, status",
        m.mailbox, who, e.from ? e.from->name : std::string(), e.subject, decision.category, decision.priority);
    RequestView view;
    view.id = req[0][0].as<std::int64_t>();
    view.reference = req[0][1].c_str();
    view.category = req[0][2].c_str();
    view.priority = req[0][3].c_str();
    view.status = req[0][4].c_str();
    tx.exec_params("UPDATE messages SET request_id = $1, role = 'request' WHERE id = $2", view.id, msg_row);
    tx.exec_params("INSERT INTO events (request_id, type, by, detail, message_ref) VALUES ($1, 'created', $2, $3, $4)",
                   view.id, who, "category " + view.category + ", priority " + view.priority, msg_row);
    result.outcome = IngestOutcome::created;
    result.reference = view.reference;
    if (decision.acknowledge) {
      if (auto ack = make_ack(view)) {
        const std::string rcpts = queue_mail(tx, "acknowledgment", view.id, *ack);
        tx.exec_params(
            "INSERT INTO messages (request_id, direction, role, message_id, content_sha256, in_reply_to, from_address,"
            " to_addresses, subject, kind, raw) VALUES ($1, 'out', 'acknowledgment', $2, '', $3, $4, $5::jsonb, $6, 'auto_reply', $7)",
            view.id, ack->message_id, e.message_id, ack->mail.mail_from, json_strings(ack->mail.rcpt_to), ack->subject,
            pqxx::binarystring(ack->mail.raw));
        tx.exec_params("INSERT INTO events (request_id, type, detail) VALUES ($1, 'acknowledgment_queued', $2)", view.id,
                       "to " + rcpts);
        result.ack_queued = true;
      }
    } else {
      tx.exec_params("INSERT INTO events (request_id, type, detail) VALUES ($1, 'not_acknowledged', $2)", view.id,
                     decision.quiet_reason);
    }
    tx.commit();
    return result;
  });
}

Result<std::int64_t> PqxxRecordStore::quarantine(const InboundMessage& m, const std::string& reason, std::int64_t size_bytes,
                                                 const std::optional<QueuedMail>& notice) {
  return guarded("quarantine", [&]() -> Result<std::int64_t> {
    pqxx::work tx(conn_->conn);
    auto r = tx.exec_params(
        "INSERT INTO quarantine (mailbox, uidvalidity, uid, reason, raw, size_bytes) VALUES ($1, $2, $3, $4, $5, NULLIF($6::bigint, -1))"
        " RETURNING id",
        m.mailbox, m.uidvalidity, m.uid, reason, pqxx::binarystring(m.raw), size_bytes);
    if (notice) {
      queue_mail(tx, "oversized_notice", 0, *notice);
    }
    tx.exec_params("UPDATE mailbox_state SET last_uid = greatest(last_uid, $2) WHERE mailbox = $1 AND uidvalidity = $3",
                   m.mailbox, m.uid, m.uidvalidity);
    tx.commit();
    return r[0][0].as<std::int64_t>();
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
    pqxx::work tx(conn_->conn);
    // Marked 'sending' and committed before any byte goes out. A row still
    // 'sending' long after its claim was cut off by a crash: it is taken again
    // and counted as interrupted (its recipient may get it twice, which beats
    // never: SMTP cannot tell whether the cut-off transaction completed).
    auto r = tx.exec_params(
        "UPDATE outbox o SET status = 'sending', attempts = attempts + 1, claimed_at = now(),"
        " interrupted = interrupted + CASE WHEN o.status = 'sending' THEN 1 ELSE 0 END FROM ("
        " SELECT id FROM outbox WHERE (status = 'pending' AND next_attempt_at <= now())"
        "  OR (status = 'sending' AND claimed_at < now() - make_interval(secs => $2))"
        " ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED) due"
        " WHERE o.id = due.id RETURNING o.id, o.purpose, o.mail_from, o.rcpt_to, o.raw, o.attempts,"
        " coalesce((SELECT reference FROM requests WHERE id = o.request_id), ''), o.interrupted",
        limit, resend_interrupted_after_s);
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
    pqxx::work tx(conn_->conn);
    if (result.ok()) {
      auto r = tx.exec_params("UPDATE outbox SET status = 'sent', sent_at = now(), last_error = NULL WHERE id = $1"
                              " RETURNING request_id, purpose", id);
      if (!r.empty() && !r[0][0].is_null() && std::string(r[0][1].c_str()) == "acknowledgment") {
        auto req = r[0][0].as<std::int64_t>();
        tx.exec_params("UPDATE requests SET acknowledged_at = coalesce(acknowledged_at, now()),"
                       " status = CASE WHEN status = 'new' THEN 'acknowledged' ELSE status END WHERE id = $1", req);
        tx.exec_params("INSERT INTO events (request_id, type) VALUES ($1, 'acknowledged')", req);
      }
    } else if (result.error().permanent) {
      tx.exec_params("UPDATE outbox SET status = 'failed', last_error = $2 WHERE id = $1", id, result.error().message);
    } else {
      // Exponential backoff, capped at one hour.
      tx.exec_params("UPDATE outbox SET status = 'pending', last_error = $2,"
                     " next_attempt_at = now() + least(interval '1 hour', interval '5 seconds' * power(2, least(attempts, 12)))"
                     " WHERE id = $1", id, result.error().message);
    }
    tx.commit();
    return Ok{};
  });
}

Result<std::vector<RequestRow>> PqxxRecordStore::list_requests(const std::string& status_filter) {
  return guarded("list_requests", [&]() -> Result<std::vector<RequestRow>> {
    pqxx::work tx(conn_->conn);
    auto r = tx.exec_params(
        "SELECT reference, requester_address, requester_name, subject, category, priority, status, coalesce(owner, ''),"
        " to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
        " coalesce(to_char(acknowledged_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '')"
        " FROM requests WHERE ($1 = '' OR status = $1) ORDER BY number",
        status_filter);
    std::vector<RequestRow> rows;
    for (const auto& row : r) {
      rows.push_back({row[0].c_str(), row[1].c_str(), row[2].c_str(), row[3].c_str(), row[4].c_str(), row[5].c_str(),
                      row[6].c_str(), row[7].c_str(), row[8].c_str(), row[9].c_str()});
    }
    return rows;
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
