// How the figures stay current: each new message is linked to the nearest
// message it answers that is known (In-Reply-To, then References from the
// nearest), and earlier messages that answer it are moved under it when it is
// nearer than their present parent (replies read before their original, as
// when an INBOX is read before the Sent folder); then the figures of every
// message above a changed link are recomputed from its thread, in the same
// transaction. A link that would close a loop (hostile References) is never
// made, and every walk is bounded by max_levels.
#include "daemon/adapters/postgres/pqxx_tally_store.hpp"

#include "daemon/adapters/postgres/pqxx_guard.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

namespace intake::daemon {

namespace {

using pqxx_guard::strings_from_json;

constexpr int max_levels = 200;           // a thread deeper than this is counted to here
constexpr std::int64_t tally_lock = 7426158;  // pg_advisory_xact_lock: one tally writer at a time

std::string id_array(const std::set<std::int64_t>& ids) {
  std::string out = "{";
  for (auto id : ids) out += (out.size() > 1 ? "," : "") + std::to_string(id);
  return out + "}";
}

std::chrono::sys_seconds from_epoch(const pqxx::field& f) {
  return std::chrono::sys_seconds{std::chrono::seconds{f.is_null() ? 0 : f.as<std::int64_t>()}};
}

// Where a message looks for its parent, nearest first: In-Reply-To, then
// References from the last; never itself.
std::vector<std::string> parent_candidates(const std::string& self, const std::string& in_reply_to,
                                           const std::vector<std::string>& refs) {
  std::vector<std::string> out;
  auto add = [&](const std::string& id) {
    if (!id.empty() && id != self && std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
  };
  add(in_reply_to);
  for (auto it = refs.rbegin(); it != refs.rend(); ++it) add(*it);
  return out;
}

// The messages `ids` and all above them.
std::set<std::int64_t> with_ancestors(pqxx::work& tx, const std::set<std::int64_t>& ids) {
  std::set<std::int64_t> out;
  if (ids.empty()) return out;
  auto r = tx.exec_params(
      "WITH RECURSIVE up(id, parent, n) AS ("
      " SELECT id, parent_id, 0 FROM tally_messages WHERE id = ANY($1::bigint[])"
      " UNION SELECT t.id, t.parent_id, up.n + 1 FROM up JOIN tally_messages t ON t.id = up.parent WHERE up.n < $2)"
      " SELECT DISTINCT id FROM up",
      id_array(ids), max_levels);
  for (const auto& row : r) out.insert(row[0].as<std::int64_t>());
  return out;
}

// Every figure of `ids` from its thread, as the header of this file says.
void recompute(pqxx::work& tx, const std::set<std::int64_t>& ids, std::int64_t window_s) {
  if (ids.empty()) return;
  tx.exec_params(
      "WITH RECURSIVE sub(orig, id, level) AS ("
      "  SELECT o.id, c.id, 1 FROM tally_messages o JOIN tally_messages c ON c.parent_id = o.id"
      "  WHERE o.id = ANY($1::bigint[])"
      "  UNION ALL SELECT s.orig, c.id, s.level + 1 FROM sub s JOIN tally_messages c ON c.parent_id = s.id"
      "  WHERE s.level < $3),"
      " counted AS ("
      "  SELECT s.orig, c.sender, c.sent_at, c.positive, s.level FROM sub s"
      "  JOIN tally_messages c ON c.id = s.id JOIN tally_messages o ON o.id = s.orig"
      "  WHERE c.kind = 'human' AND c.sender <> o.sender AND c.sent_at <= o.sent_at + make_interval(secs => $2)),"
      " agg AS ("
      "  SELECT orig, count(*) AS replies, count(DISTINCT sender) AS repliers, count(*) FILTER (WHERE positive) AS pos,"
      "  max(level) AS depth, min(sent_at) AS first_at FROM counted GROUP BY orig)"
      " UPDATE tally_messages t SET replies = coalesce(a.replies, 0), distinct_repliers = coalesce(a.repliers, 0),"
      " positive_replies = coalesce(a.pos, 0), depth = coalesce(a.depth, 0), first_reply_at = a.first_at"
      " FROM unnest($1::bigint[]) AS ids(id) LEFT JOIN agg a ON a.orig = ids.id WHERE t.id = ids.id",
      id_array(ids), window_s, max_levels);
}

void save_progress(pqxx::work& tx, const TallyProgress& p) {
  tx.exec_params(
      "INSERT INTO tally_progress (key, uidvalidity, position) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE"
      " SET uidvalidity = EXCLUDED.uidvalidity, position = EXCLUDED.position, updated_at = now()",
      p.key, static_cast<std::int64_t>(p.uidvalidity), static_cast<std::int64_t>(p.position));
}

// Links the messages just added (`added`: their ids by Message-ID) to the
// nearest message each answers, and moves earlier answers under a new one
// when it is nearer than their present parent. All of a batch is in the table
// before any link is looked for, so a reply and its original in the same
// batch link at once, whichever came first. Returns the messages whose
// threads changed. Three statements for the batch, more only for answers to
// move (round trips, not the SQL, are what a batch costs).
std::set<std::int64_t> link_all(pqxx::work& tx, const std::vector<TallyEntry>& entries,
                                const std::map<std::string, std::int64_t>& added) {
  std::set<std::int64_t> changed;
  nlohmann::json wants = nlohmann::json::array(), mids = nlohmann::json::array();
  for (const auto& e : entries) {
    auto it = added.find(e.message_id);
    if (it == added.end() || changed.count(it->second) > 0) continue;  // known, or a second copy in the batch
    changed.insert(it->second);
    mids.push_back({{"id", it->second}, {"mid", e.message_id}});
    const auto wanted = parent_candidates(e.message_id, e.in_reply_to, e.references);
    if (!wanted.empty()) wants.push_back({{"id", it->second}, {"wanted", wanted}});
  }
  if (!wants.empty()) {
    // The nearest known candidate of each; set in one statement.
    tx.exec_params(
        "UPDATE tally_messages t SET parent_id = p.parent FROM ("
        " SELECT DISTINCT ON (x.id) x.id, m.id AS parent"
        " FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, wanted jsonb)"
        " CROSS JOIN LATERAL jsonb_array_elements_text(x.wanted) WITH ORDINALITY AS w(mid, n)"
        " JOIN tally_messages m ON m.message_id = w.mid WHERE m.id <> x.id ORDER BY x.id, w.n) p"
        " WHERE t.id = p.id",
        pqxx_guard::dump(wants));
  }
  // Messages that answer one of the new ones and are not under it yet
  // (in_reply_to <> '': the index on it is partial, 0005).
  auto answers = tx.exec_params(
      "SELECT x.id, x.mid, t.id, t.message_id, t.in_reply_to, t.refs::text, coalesce(p.message_id, '')"
      " FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, mid text)"
      " CROSS JOIN LATERAL (SELECT a.id, a.message_id, a.in_reply_to, a.refs, a.parent_id FROM tally_messages a"
      "  WHERE a.in_reply_to = x.mid AND a.in_reply_to <> '' AND a.id <> x.id UNION SELECT a.id, a.message_id, a.in_reply_to, a.refs, a.parent_id"
      "  FROM tally_messages a WHERE a.refs @> jsonb_build_array(x.mid) AND a.id <> x.id LIMIT 10000) t"
      " LEFT JOIN tally_messages p ON p.id = t.parent_id WHERE t.parent_id IS DISTINCT FROM x.id ORDER BY x.id, t.id",
      pqxx_guard::dump(mids));
  std::map<std::int64_t, std::set<std::int64_t>> above_of;  // a new message: it and all above it, read when needed
  std::map<std::int64_t, std::string> moved;  // answers moved in this loop: their parent's Message-ID now
  for (const auto& row : answers) {
    const std::int64_t id = row[0].as<std::int64_t>();
    const std::string mid = row[1].c_str();
    const std::int64_t answer = row[2].as<std::int64_t>();
    const auto list = parent_candidates(row[3].c_str(), row[4].c_str(), strings_from_json(row[5].c_str()));
    // An answer to two of the new messages is read twice: the second time, where the first one put it.
    const auto was_moved = moved.find(answer);
    const std::string current = was_moved != moved.end() ? was_moved->second : std::string(row[6].c_str());
    const auto rank_of = [&](const std::string& m) {
      return static_cast<std::size_t>(std::find(list.begin(), list.end(), m) - list.begin());
    };
    if (!current.empty() && rank_of(current) <= rank_of(mid)) continue;
    auto above = above_of.find(id);
    if (above == above_of.end()) above = above_of.emplace(id, with_ancestors(tx, {id})).first;
    if (above->second.count(answer) > 0) continue;  // it is above this one: linking would close a loop
    if (!current.empty()) {
      auto old = tx.exec_params("SELECT parent_id FROM tally_messages WHERE id = $1", answer);
      if (!old.empty() && !old[0][0].is_null()) changed.insert(old[0][0].as<std::int64_t>());
    }
    tx.exec_params("UPDATE tally_messages SET parent_id = $2 WHERE id = $1", answer, id);
    moved[answer] = mid;
    // Ancestry changed: read again for the next answer.
    above_of.clear();
  }
  return changed;
}

std::string figures_columns() {
  return "m.message_id, m.sender, m.sender_name, m.subject, extract(epoch FROM m.sent_at)::bigint, m.audience, m.replies,"
         " m.distinct_repliers, m.positive_replies, m.depth,"
         " CASE WHEN m.first_reply_at IS NULL THEN NULL"
         "  ELSE greatest(0, extract(epoch FROM m.first_reply_at - m.sent_at))::bigint END,"
         " (SELECT coalesce(json_agg(p.distinct_repliers ORDER BY p.sent_at DESC, p.id DESC), '[]')::text FROM ("
         "   SELECT b.distinct_repliers, b.sent_at, b.id FROM tally_messages b"
         "   WHERE b.sender = m.sender AND b.audience_band = m.audience_band AND b.kind IN ('human', 'bulk')"
         "   AND (b.sent_at, b.id) < (m.sent_at, m.id) ORDER BY b.sent_at DESC, b.id DESC LIMIT $1) p), m.id";
}

MessageFigures figures_from(const pqxx::row& row) {
  MessageFigures f;
  f.message_id = row[0].c_str();
  f.sender = row[1].c_str();
  f.sender_name = row[2].c_str();
  f.subject = row[3].c_str();
  f.sent_at = from_epoch(row[4]);
  f.recipients = row[5].as<int>();
  f.replies = row[6].as<int>();
  f.distinct_repliers = row[7].as<int>();
  f.positive = row[8].as<int>();
  f.depth = row[9].as<int>();
  if (!row[10].is_null()) f.first_reply_after_s = row[10].as<std::int64_t>();
  auto j = nlohmann::json::parse(row[11].c_str(), nullptr, false);
  if (j.is_array())
    for (const auto& v : j)
      if (v.is_number_integer()) f.baseline.push_back(v.get<int>());
  f.row = row[12].as<std::int64_t>();
  return f;
}

parsers::MessageKind kind_from(const std::string& s) {
  if (s == "auto_reply") return parsers::MessageKind::auto_reply;
  if (s == "bulk") return parsers::MessageKind::bulk;
  if (s == "bounce") return parsers::MessageKind::bounce;
  return parsers::MessageKind::human;
}

}  // namespace

PqxxTallyStore::PqxxTallyStore(std::string conninfo) : conninfo_(std::move(conninfo)) {}
PqxxTallyStore::~PqxxTallyStore() = default;

Status PqxxTallyStore::connect() { return pqxx_guard::connect(conn_, conninfo_); }

template <typename F>
auto PqxxTallyStore::guarded(const char* what, F&& f) -> decltype(f()) {
  return pqxx_guard::guarded(conn_, conninfo_, what, std::forward<F>(f));
}

Status PqxxTallyStore::set_reply_window(std::int64_t reply_window_s) {
  reply_window_s_ = reply_window_s;
  return guarded("tally set_reply_window", [&]() -> Status {
    pqxx::work tx(conn_->conn);
    tx.exec_params("SELECT pg_advisory_xact_lock($1)", tally_lock);
    auto r = tx.exec("SELECT position FROM tally_progress WHERE key = 'reply_window_s'");
    if (!r.empty() && r[0][0].as<std::int64_t>() == reply_window_s) return Ok{};
    // A new window changes what counts for every message with replies.
    std::set<std::int64_t> ids;
    for (const auto& row : tx.exec("SELECT DISTINCT parent_id FROM tally_messages WHERE parent_id IS NOT NULL"))
      ids.insert(row[0].as<std::int64_t>());
    recompute(tx, ids, reply_window_s);
    save_progress(tx, {"reply_window_s", 0, static_cast<std::uint64_t>(reply_window_s)});
    tx.commit();
    return Ok{};
  });
}

Result<TallyProgress> PqxxTallyStore::progress(const std::string& key) {
  return guarded("tally progress", [&]() -> Result<TallyProgress> {
    pqxx::work tx(conn_->conn);
    auto r = tx.exec_params("SELECT uidvalidity, position FROM tally_progress WHERE key = $1", key);
    TallyProgress p{key, 0, 0};
    if (!r.empty()) {
      p.uidvalidity = r[0][0].as<std::uint64_t>();
      p.position = r[0][1].as<std::uint64_t>();
    }
    return p;
  });
}

Result<AddStats> PqxxTallyStore::add(const std::vector<TallyEntry>& entries, const std::optional<TallyProgress>& progress) {
  return guarded("tally add", [&]() -> Result<AddStats> {
    pqxx::work tx(conn_->conn);
    tx.exec_params("SELECT pg_advisory_xact_lock($1)", tally_lock);
    AddStats stats;
    std::map<std::string, std::int64_t> added;
    if (!entries.empty()) {
      nlohmann::json rows = nlohmann::json::array();
      for (const auto& e : entries)
        rows.push_back({{"message_id", e.message_id},
                        {"sender", e.sender},
                        {"sender_name", e.sender_name},
                        {"subject", e.subject},
                        {"sent_at", static_cast<std::int64_t>(e.sent_at.time_since_epoch().count())},
                        {"recipients", e.recipients},
                        {"audience", static_cast<int>(e.recipients.size())},
                        {"audience_band", audience_band(e.recipients.size())},
                        {"kind", e.kind},
                        {"in_reply_to", e.in_reply_to},
                        {"refs", e.references},
                        {"positive", e.positive},
                        {"positive_words", e.positive_words},
                        {"thanks_unnamed", e.thanks_unnamed},
                        {"source", e.source},
                        {"kudos", e.kudos_to}});
      // One statement for the batch; ORDER BY n keeps the ids in the batch's order.
      auto inserted = tx.exec_params(
          "WITH x AS (SELECT * FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (message_id text, sender text,"
          "  sender_name text, subject text, sent_at bigint, recipients jsonb, audience int, audience_band int, kind text,"
          "  in_reply_to text, refs jsonb, positive boolean, positive_words jsonb, thanks_unnamed boolean, source text,"
          "  kudos jsonb)) WITH ORDINALITY AS x(message_id, sender, sender_name, subject, sent_at, recipients, audience,"
          "  audience_band, kind, in_reply_to, refs, positive, positive_words, thanks_unnamed, source, kudos, n)),"
          " ins AS (INSERT INTO tally_messages (message_id, sender, sender_name, subject, sent_at, recipients, audience,"
          "  audience_band, kind, in_reply_to, refs, positive, positive_words, thanks_unnamed, source)"
          "  SELECT message_id, sender, sender_name, subject, to_timestamp(sent_at), recipients, audience, audience_band,"
          "  kind, in_reply_to, refs, positive, positive_words, thanks_unnamed, source FROM x ORDER BY n"
          "  ON CONFLICT (message_id) DO NOTHING RETURNING id, message_id),"
          " kudos AS (INSERT INTO tally_kudos (message_ref, colleague)"
          "  SELECT ins.id, k.c FROM ins"
          "  JOIN (SELECT DISTINCT ON (message_id) message_id, kudos FROM x ORDER BY message_id, n) xk"
          "  ON xk.message_id = ins.message_id CROSS JOIN LATERAL jsonb_array_elements_text(xk.kudos) AS k(c)"
          "  ON CONFLICT DO NOTHING)"
          " SELECT id, message_id FROM ins",
          pqxx_guard::dump(rows));
      for (const auto& row : inserted) added.emplace(row[1].c_str(), row[0].as<std::int64_t>());
      stats.added = added.size();
      stats.known = entries.size() - added.size();
    }
    const std::set<std::int64_t> changed = link_all(tx, entries, added);
    recompute(tx, with_ancestors(tx, changed), reply_window_s_);
    if (progress) save_progress(tx, *progress);
    tx.commit();
    return stats;
  });
}

Result<std::vector<StoredMessage>> PqxxTallyStore::messages_after(std::int64_t row, std::int64_t lookback, int limit) {
  return guarded("tally messages_after", [&]() -> Result<std::vector<StoredMessage>> {
    pqxx::work tx(conn_->conn);
    // The request text only up to what the word matchers read.
    auto r = tx.exec_params(
        "SELECT id, message_id, coalesce(mailbox, ''), extract(epoch FROM received_at)::bigint,"
        " extract(epoch FROM sent_at)::bigint, in_reply_to, refs::text, from_address, from_name, to_addresses::text,"
        " cc_addresses::text, subject, kind, left(request_text, 65536)"
        " FROM messages m WHERE direction = 'in' AND id > $1::bigint - $3::bigint"
        " AND NOT EXISTS (SELECT 1 FROM tally_messages t WHERE t.message_id = m.message_id) ORDER BY id LIMIT $2",
        row, limit, lookback);
    std::vector<StoredMessage> out;
    for (const auto& x : r) {
      StoredMessage m;
      m.row = x[0].as<std::int64_t>();
      m.message_id = x[1].c_str();
      m.mailbox = x[2].c_str();
      m.received_at = from_epoch(x[3]);
      parsers::Email& e = m.email;
      if (!x[4].is_null()) e.date = from_epoch(x[4]);
      e.message_id = m.message_id.rfind("sha256:", 0) == 0 ? std::string() : m.message_id;
      e.in_reply_to = x[5].c_str();
      e.references = strings_from_json(x[6].c_str());
      if (x[7].size() > 0) e.from = parsers::Address{x[8].c_str(), x[7].c_str()};
      for (const auto& a : strings_from_json(x[9].c_str())) e.to.push_back({"", a});
      for (const auto& a : strings_from_json(x[10].c_str())) e.cc.push_back({"", a});
      e.subject = x[11].c_str();
      e.kind = kind_from(x[12].c_str());
      e.request_text = x[13].c_str();
      out.push_back(std::move(m));
    }
    return out;
  });
}

Result<std::vector<MessageFigures>> PqxxTallyStore::figures_since(std::chrono::sys_seconds since, const std::string& sender,
                                                                  int baseline_messages) {
  return guarded("tally figures_since", [&]() -> Result<std::vector<MessageFigures>> {
    pqxx::work tx(conn_->conn);
    auto r = tx.exec_params("SELECT " + figures_columns() +
                                " FROM tally_messages m WHERE m.kind IN ('human', 'bulk') AND m.sent_at >= to_timestamp($2)"
                                " AND ($3 = '' OR m.sender = lower($3)) ORDER BY m.sent_at, m.id",
                            baseline_messages, static_cast<std::int64_t>(since.time_since_epoch().count()), sender);
    std::vector<MessageFigures> out;
    for (const auto& row : r) out.push_back(figures_from(row));
    return out;
  });
}

Result<std::vector<MessageFigures>> PqxxTallyStore::figures_by_repliers(std::chrono::sys_seconds since,
                                                                        std::chrono::sys_seconds until,
                                                                        const std::string& sender, int baseline_messages,
                                                                        int min_repliers,
                                                                        const std::optional<FiguresCursor>& after, int limit) {
  return guarded("tally figures_by_repliers", [&]() -> Result<std::vector<MessageFigures>> {
    pqxx::work tx(conn_->conn);
    // Two texts rather than "$6 IS NULL OR ...": the row comparison must be
    // an index condition (tally_messages_repliers_idx, 0008), not a filter.
    const std::string where =
        " FROM tally_messages m WHERE m.kind IN ('human', 'bulk') AND m.sent_at >= to_timestamp($2)"
        " AND m.sent_at < to_timestamp($3) AND ($4 = '' OR m.sender = lower($4)) AND m.distinct_repliers >= $5";
    const std::string order = " ORDER BY m.distinct_repliers DESC, m.id DESC LIMIT $6";
    const auto since_s = static_cast<std::int64_t>(since.time_since_epoch().count());
    // No end: the year 5138 stands in (to_timestamp takes a double).
    const std::int64_t until_s = std::min<std::int64_t>(until.time_since_epoch().count(), 100'000'000'000);
    const std::string text =
        "SELECT " + figures_columns() + where + (after ? " AND (m.distinct_repliers, m.id) < ($7, $8)" : "") + order;
    pqxx::result r = after ? tx.exec_params(text, baseline_messages, since_s, until_s, sender, min_repliers, limit,
                                            after->distinct_repliers, after->row)
                           : tx.exec_params(text, baseline_messages, since_s, until_s, sender, min_repliers, limit);
    std::vector<MessageFigures> out;
    for (const auto& row : r) out.push_back(figures_from(row));
    return out;
  });
}

Result<TallyThread> PqxxTallyStore::thread(const std::string& message_id, int baseline_messages) {
  return guarded("tally thread", [&]() -> Result<TallyThread> {
    pqxx::work tx(conn_->conn);
    auto r = tx.exec_params("SELECT " + figures_columns() + " FROM tally_messages m WHERE m.message_id = $2",
                            baseline_messages, message_id);
    if (r.empty()) return fail("no tallied message <" + message_id + ">", true);
    TallyThread t;
    t.message = figures_from(r[0]);
    const std::int64_t root = r[0][12].as<std::int64_t>();
    auto rows = tx.exec_params(
        "WITH RECURSIVE sub(id, level) AS ("
        " SELECT c.id, 1 FROM tally_messages c WHERE c.parent_id = $1"
        " UNION ALL SELECT c.id, s.level + 1 FROM sub s JOIN tally_messages c ON c.parent_id = s.id WHERE s.level < $3)"
        " SELECT c.message_id, c.sender, c.sender_name, c.kind, extract(epoch FROM c.sent_at)::bigint, s.level, c.positive,"
        " c.positive_words::text, c.sent_at <= o.sent_at + make_interval(secs => $2), c.sender = o.sender"
        " FROM sub s JOIN tally_messages c ON c.id = s.id CROSS JOIN tally_messages o WHERE o.id = $1"
        " ORDER BY c.sent_at, c.id LIMIT 100000",
        root, reply_window_s_, max_levels);
    for (const auto& row : rows) {
      ThreadMessage m;
      m.message_id = row[0].c_str();
      m.sender = row[1].c_str();
      m.sender_name = row[2].c_str();
      m.kind = row[3].c_str();
      m.sent_at = from_epoch(row[4]);
      m.level = row[5].as<int>();
      m.positive = row[6].as<bool>();
      m.positive_words = strings_from_json(row[7].c_str());
      const bool in_window = row[8].as<bool>();
      const bool own = row[9].as<bool>();
      if (m.kind != "human") m.not_counted_because = m.kind;
      else if (own) m.not_counted_because = "the sender's own";
      else if (!in_window) m.not_counted_because = "after the reply window";
      m.counted = m.not_counted_because.empty();
      t.replies.push_back(std::move(m));
    }
    return t;
  });
}

Result<std::vector<KudosFact>> PqxxTallyStore::kudos_facts(std::chrono::sys_seconds since,
                                                            std::optional<std::chrono::sys_seconds> until) {
  return guarded("tally kudos_facts", [&]() -> Result<std::vector<KudosFact>> {
    pqxx::work tx(conn_->conn);
    // The end, when given, is in the SQL text so each arm is a plain range.
    const std::string sent_before = until ? " AND m.sent_at < to_timestamp($2)" : "";
    const std::string given_before = until ? " AND e.at < to_timestamp($2)" : "";
    // Human messages that thank or praise, with the colleagues they name, the
    // sender of the message they answer, and their thread's root (links never
    // loop; the walk is bounded all the same). Whom they credit is decided in
    // kudos_credited (daemon/tally/tally.cpp), not here.
    // They are found from two small sets, each with its own index: thanks
    // naming nobody (tally_messages_thanks_unnamed_idx, migration 0016) and
    // the messages tally_kudos names. One filter with `OR EXISTS (...)` over
    // every message of the period read them all, and its estimate (half of
    // them) made PostgreSQL compile the query with JIT: 0.5 s over a million
    // tallied messages for none found (bench/big_queries.sh).
    const std::string sql =
        "WITH RECURSIVE c AS ("
        "  SELECT m.id, m.sender, m.message_id, m.sent_at, m.thanks_unnamed, m.parent_id FROM tally_messages m"
        "  WHERE m.thanks_unnamed AND m.kind = 'human' AND m.sent_at >= to_timestamp($1)" + sent_before +
        "  UNION"
        "  SELECT m.id, m.sender, m.message_id, m.sent_at, m.thanks_unnamed, m.parent_id FROM tally_messages m"
        "  WHERE m.id IN (SELECT k.message_ref FROM tally_kudos k) AND m.kind = 'human'"
        "  AND m.sent_at >= to_timestamp($1)" + sent_before + "),"
        " up AS (SELECT c.id AS start, c.parent_id AS at, 1 AS n FROM c WHERE c.parent_id IS NOT NULL"
        "  UNION ALL SELECT up.start, t.parent_id, up.n + 1 FROM up JOIN tally_messages t ON t.id = up.at"
        "  WHERE t.parent_id IS NOT NULL AND up.n < 1000),"
        " root AS (SELECT DISTINCT ON (start) start, at FROM up ORDER BY start, n DESC)"
        " SELECT c.sender, c.message_id, extract(epoch FROM c.sent_at)::bigint, c.thanks_unnamed,"
        "  coalesce((SELECT jsonb_agg(k.colleague ORDER BY k.colleague) FROM tally_kudos k WHERE k.message_ref = c.id), '[]'),"
        "  c.parent_id IS NOT NULL, coalesce(p.sender, ''),"
        "  coalesce(rt.kind = 'human' AND (rt.thanks_unnamed OR EXISTS (SELECT 1 FROM tally_kudos k WHERE k.message_ref = rt.id)),"
        "   false),"
        "  coalesce((SELECT jsonb_agg(k.colleague ORDER BY k.colleague) FROM tally_kudos k WHERE k.message_ref = rt.id), '[]')"
        " FROM c LEFT JOIN tally_messages p ON p.id = c.parent_id LEFT JOIN root ON root.start = c.id"
        " LEFT JOIN tally_messages rt ON rt.id = root.at"
        // A good rating with a comment credits the request's owner (issue 19).
        " UNION ALL"
        " SELECT r.requester_address, coalesce(fm.message_id, ''), extract(epoch FROM e.at)::bigint, false,"
        "  jsonb_build_array(e.credited), false, '', false, '[]'::jsonb"
        " FROM events e JOIN requests r ON r.id = e.request_id LEFT JOIN messages fm ON fm.id = e.message_ref"
        " WHERE e.type = 'feedback' AND e.score >= 4 AND e.detail <> '' AND e.credited <> ''"
        " AND e.at >= to_timestamp($1)" + given_before +
        " ORDER BY 3, 2";
    const auto since_s = static_cast<std::int64_t>(since.time_since_epoch().count());
    auto r = until ? tx.exec_params(sql, since_s, static_cast<std::int64_t>(until->time_since_epoch().count()))
                   : tx.exec_params(sql, since_s);
    std::vector<KudosFact> out;
    for (const auto& row : r) {
      KudosFact f;
      f.by = row[0].c_str();
      f.message_id = row[1].c_str();
      f.sent_at = from_epoch(row[2]);
      f.thanks_unnamed = row[3].as<bool>();
      f.named = strings_from_json(row[4].c_str());
      f.has_parent = row[5].as<bool>();
      f.parent_sender = row[6].c_str();
      f.root_credits = row[7].as<bool>();
      f.root_named = strings_from_json(row[8].c_str());
      out.push_back(std::move(f));
    }
    return out;
  });
}

}  // namespace intake::daemon
