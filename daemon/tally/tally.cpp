#include "daemon/tally/tally.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <set>

#include "daemon/core/digest.hpp"
#include "daemon/fetch/intake_cycle.hpp"
#include "parsers/request/positive_words.hpp"
#include "parsers/request/request_fields.hpp"
#include "daemon/tally/tally_store.hpp"

namespace intake::daemon {

namespace {
constexpr std::size_t max_recipients = 10000;  // a hostile header cannot make a message cost more
constexpr std::size_t max_references = 200;
// Indexed columns must stay well under PostgreSQL's btree row limit (about
// 2700 bytes), or one hostile header would fail every batch it is in.
constexpr std::size_t max_address_bytes = 254;  // RFC 5321's path limit, less the brackets
constexpr std::size_t max_subject_bytes = 1000;
constexpr std::size_t max_name_bytes = 200;

// Cut at a byte bound without splitting a UTF-8 sequence.
std::string bounded(std::string s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  s.resize(end);
  return s;
}

// The desk's own addresses: never a recipient, never thanked.
std::set<std::string> own_addresses(const parsers::Config& config) {
  std::set<std::string> own;
  for (const auto& m : config.mailboxes) own.insert(parsers::address_without_plus(m.address));
  if (!config.smtp.from.empty()) own.insert(parsers::address_without_plus(config.smtp.from));
  return own;
}

// To and Cc, each address once, without the sender and the desk.
std::vector<std::string> recipients_of(const parsers::Email& email, const std::string& sender,
                                       const std::set<std::string>& own) {
  std::vector<std::string> recipients;
  std::set<std::string> seen;
  for (const auto* list : {&email.to, &email.cc})
    for (const auto& a : *list) {
      if (recipients.size() >= max_recipients) return recipients;
      const std::string addr = parsers::address_without_plus(a.address);
      if (addr.size() > max_address_bytes) continue;
      if (addr.empty() || addr.find('@') == std::string::npos || addr == sender || own.count(addr) > 0) continue;
      if (seen.insert(addr).second) recipients.push_back(addr);
    }
  return recipients;
}

// Tone and kudos count only for people writing: an out-of-office that says
// "thank you for your message" thanks nobody.
void read_tone_and_kudos(TallyEntry& t, const parsers::Email& email, const parsers::Config& config,
                         const std::set<std::string>& own) {
  if (email.kind != parsers::MessageKind::human) return;
  const parsers::Tone tone = parsers::read_tone(email.request_text, config.tally);
  t.positive = tone.positive();
  t.positive_words = tone.words;
  if (!tone.credits()) return;
  t.kudos_to = parsers::find_kudos(email.request_text, config.tally, config.employees, t.sender);
  for (auto& k : t.kudos_to)
    if (own.count(k) > 0) k.clear();
  std::erase(t.kudos_to, std::string());
  t.thanks_unnamed = t.kudos_to.empty();
}

}  // namespace

TallyEntry make_tally_entry(const parsers::Email& email, const std::string& message_id, std::chrono::sys_seconds fallback_sent_at,
                            const parsers::Config& config, std::string source) {
  TallyEntry t;
  t.message_id = storable_message_id(message_id);
  t.sender = email.from ? bounded(parsers::address_without_plus(email.from->address), max_address_bytes) : std::string();
  t.sender_name = email.from ? bounded(email.from->name, max_name_bytes) : std::string();
  t.subject = bounded(email.subject, max_subject_bytes);
  t.sent_at = email.date ? *email.date : fallback_sent_at;
  const std::set<std::string> own = own_addresses(config);
  t.recipients = recipients_of(email, t.sender, own);
  t.kind = parsers::to_string(email.kind);
  t.in_reply_to = email.in_reply_to.empty() ? std::string() : storable_message_id(email.in_reply_to);
  // The nearest references are the ones that link: keep the last ones.
  const std::size_t skip = email.references.size() > max_references ? email.references.size() - max_references : 0;
  for (std::size_t i = skip; i < email.references.size(); ++i)
    if (!email.references[i].empty()) t.references.push_back(storable_message_id(email.references[i]));
  read_tone_and_kudos(t, email, config, own);
  t.source = std::move(source);
  return t;
}

int audience_band(std::size_t recipients) {
  int band = 0;
  while (recipients > 0) {
    ++band;
    recipients >>= 1;
  }
  return band;
}

double median(std::vector<int> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

ChordScore chord_score(const MessageFigures& f, const parsers::TallyConfig& config) {
  ChordScore s;
  s.reply_rate = f.recipients > 0 ? static_cast<double>(f.distinct_repliers) / f.recipients : 0.0;
  s.baseline_median = median(f.baseline);
  s.score = (f.distinct_repliers + 1.0) / (s.baseline_median + 1.0);
  s.struck_a_chord = f.distinct_repliers >= config.min_repliers && f.distinct_repliers >= config.chord_factor * s.baseline_median;
  return s;
}

void rank(std::vector<MessageFigures>& figures, const parsers::TallyConfig& config) {
  std::vector<std::pair<double, std::size_t>> keyed;
  for (std::size_t i = 0; i < figures.size(); ++i) keyed.emplace_back(chord_score(figures[i], config).score, i);
  std::sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
    const MessageFigures& x = figures[a.second];
    const MessageFigures& y = figures[b.second];
    if (a.first != b.first) return a.first > b.first;
    if (x.distinct_repliers != y.distinct_repliers) return x.distinct_repliers > y.distinct_repliers;
    if (x.sent_at != y.sent_at) return x.sent_at > y.sent_at;
    return x.message_id < y.message_id;
  });
  std::vector<MessageFigures> out;
  out.reserve(figures.size());
  for (const auto& k : keyed) out.push_back(std::move(figures[k.second]));
  figures = std::move(out);
}

Result<std::vector<MessageFigures>> top_figures(TallyStore& store, const TopQuery& q, const parsers::TallyConfig& config) {
  constexpr int batch = 500;
  const int min_repliers = q.chords_only ? config.min_repliers : 0;
  std::vector<MessageFigures> kept;
  std::optional<FiguresCursor> after;
  while (true) {
    auto rows = store.figures_by_repliers(q.since, q.until, q.sender, config.baseline_messages, min_repliers, after, batch);
    if (!rows) return rows.error();
    if (rows->empty()) break;
    after = FiguresCursor{rows->back().distinct_repliers, rows->back().row};
    const int last_repliers = rows->back().distinct_repliers;
    const bool more = rows->size() == static_cast<std::size_t>(batch);
    for (auto& f : *rows)
      if (!q.chords_only || chord_score(f, config).struck_a_chord) kept.push_back(std::move(f));
    if (q.limit > 0 && kept.size() >= q.limit) {
      // The limit-th best score so far: what scores less can never be shown.
      std::vector<double> scores;
      scores.reserve(kept.size());
      for (const auto& f : kept) scores.push_back(chord_score(f, config).score);
      std::nth_element(scores.begin(), scores.begin() + static_cast<std::ptrdiff_t>(q.limit - 1), scores.end(),
                       std::greater<>());
      const double threshold = scores[q.limit - 1];
      std::erase_if(kept, [&](const MessageFigures& f) { return chord_score(f, config).score < threshold; });
      // A baseline median is never negative, so no later row scores above
      // its distinct repliers + 1.
      if (last_repliers + 1.0 < threshold) break;
    }
    if (!more) break;
  }
  std::sort(kept.begin(), kept.end(), [](const MessageFigures& a, const MessageFigures& b) {
    return a.sent_at != b.sent_at ? a.sent_at < b.sent_at : a.row < b.row;
  });
  return kept;
}

namespace {

// YYYY-MM-DD (1970 to 2200), at midnight UTC.
std::optional<std::chrono::sys_seconds> parse_date(std::string_view text) {
  using namespace std::chrono;
  int v[3] = {0, 0, 0};
  const std::size_t starts[3] = {0, 5, 8}, lens[3] = {4, 2, 2};
  for (int f = 0; f < 3; ++f)
    for (std::size_t i = starts[f]; i < starts[f] + lens[f]; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      v[f] = v[f] * 10 + (text[i] - '0');
    }
  const year_month_day d{year{v[0]}, month{static_cast<unsigned>(v[1])}, day{static_cast<unsigned>(v[2])}};
  if (!d.ok() || v[0] < 1970 || v[0] > 2200) return std::nullopt;
  return sys_seconds{sys_days{d}.time_since_epoch()};
}

// "90min", "12h", "30d", "2w": up to six digits and a unit, at most 100 years.
std::optional<std::int64_t> parse_period_s(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 6) return std::nullopt;
  std::int64_t n = 0;
  for (std::size_t i = 0; i < digits; ++i) n = n * 10 + (text[i] - '0');
  const std::string_view unit = text.substr(digits);
  std::int64_t seconds = 0;
  if (unit == "min") seconds = n * 60;
  else if (unit == "h") seconds = n * 3600;
  else if (unit == "d") seconds = n * 86400;
  else if (unit == "w") seconds = n * 7 * 86400;
  else return std::nullopt;
  if (seconds > std::int64_t{100} * 366 * 86400) return std::nullopt;
  return seconds;
}

}  // namespace

std::optional<std::chrono::sys_seconds> parse_since(std::string_view text, std::chrono::sys_seconds now) {
  if (text.size() == 10 && text[4] == '-' && text[7] == '-') return parse_date(text);
  const auto seconds = parse_period_s(text);
  if (!seconds) return std::nullopt;
  return now - std::chrono::seconds{*seconds};
}

nlohmann::json figures_json(const MessageFigures& f, const parsers::TallyConfig& config, std::chrono::sys_seconds now) {
  const ChordScore s = chord_score(f, config);
  const auto window_ends = f.sent_at + std::chrono::days{config.reply_window_days};
  auto rounded = [](double v) { return std::round(v * 1000.0) / 1000.0; };
  return {{"message_id", f.message_id},
          {"sender", f.sender},
          {"sender_name", f.sender_name},
          {"subject", f.subject},
          {"sent_at", iso_utc(f.sent_at)},
          {"recipients", f.recipients},
          {"replies", f.replies},
          {"distinct_repliers", f.distinct_repliers},
          {"reply_rate", rounded(s.reply_rate)},
          {"first_reply_after_s", f.first_reply_after_s ? nlohmann::json(*f.first_reply_after_s) : nlohmann::json(nullptr)},
          {"depth", f.depth},
          {"positive", f.positive},
          {"baseline_median", rounded(s.baseline_median)},
          {"baseline_messages", f.baseline.size()},
          {"score", rounded(s.score)},
          {"struck_a_chord", s.struck_a_chord},
          {"window_open", now < window_ends}};
}

std::vector<std::string> kudos_credited(const KudosFact& f) {
  const std::string by = parsers::address_without_plus(f.by);
  std::vector<std::string> out;
  auto credit = [&](const std::string& colleague) {
    const std::string c = parsers::address_without_plus(colleague);
    if (!c.empty() && c != by && std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  };
  if (!f.named.empty()) {
    for (const auto& c : f.named) credit(c);
    return out;
  }
  if (!f.thanks_unnamed || !f.has_parent) return out;
  if (f.root_credits) {
    // "+1, well done!" under "Big thanks to Dave": the thanks are Dave's, and
    // the announcer is not thanked for announcing.
    for (const auto& c : f.root_named) credit(c);
    return out;
  }
  credit(f.parent_sender);
  return out;
}

std::vector<KudosRow> kudos_credits(const std::vector<KudosFact>& facts) {
  std::vector<KudosRow> rows;
  for (const auto& f : facts)
    for (auto& colleague : kudos_credited(f)) rows.push_back({std::move(colleague), f.by, f.message_id, f.sent_at});
  return rows;
}

Result<std::vector<KudosRow>> kudos_since(TallyStore& store, std::chrono::sys_seconds since,
                                          std::optional<std::chrono::sys_seconds> until) {
  auto facts = store.kudos_facts(since, until);
  if (!facts) return facts.error();
  return kudos_credits(*facts);
}

std::string bare_message_id(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '<')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '>' || text.back() == '\n' || text.back() == '\r'))
    text.remove_suffix(1);
  return std::string(text);
}

}  // namespace intake::daemon
