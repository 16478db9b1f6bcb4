#include "daemon/cli/tally_cli.hpp"

#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "daemon/app/app.hpp"
#include "parsers/request/request_fields.hpp"
#include "daemon/core/logging.hpp"
#include "daemon/tally/tally.hpp"
#include "daemon/tally/tally_stage.hpp"
#include "daemon/tally/tally_store.hpp"

namespace intake::daemon {

struct TallyCommands {
  CLI::App* top = nullptr;
  CLI::App* show = nullptr;
  CLI::App* kudos = nullptr;
  CLI::App* import = nullptr;
  std::string since = "30d", sender, kudos_since = "7d", manager, message_id, path;
  int limit = 20;
  bool json = false;
};

namespace {

std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

std::chrono::sys_seconds now_s() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

// Config, store and stage, with the tallies brought up to date with what the
// shared mailboxes stored (so a report never lags behind intaked's cycle).
struct Session {
  parsers::Config config;
  std::unique_ptr<TallyStore> store;
  SystemClock clock;
  std::unique_ptr<TallyStage> stage;
};

std::optional<int> open_session(const std::string& config_path, Session& s, bool catch_up) {
  auto config = load_config_or_report(config_path);
  if (!config) return exit_config;
  setup_logging("warn");
  s.config = std::move(*config);
  auto store = make_tally_store(s.config);
  if (!store) {
    std::cerr << store.error().message << "\n";
    return exit_config;
  }
  s.store = std::move(store.value());
  s.stage = std::make_unique<TallyStage>(s.config, *s.store, s.clock, archive_reader());
  if (auto r = s.stage->prepare(); !r) {
    std::cerr << r.error().message << "\n";
    return 1;
  }
  if (catch_up)
    if (auto r = s.stage->catch_up(); !r) {
      std::cerr << r.error().message << "\n";
      return 1;
    }
  return std::nullopt;
}

std::optional<std::chrono::sys_seconds> since_or_report(const std::string& text) {
  auto t = parse_since(text, now_s());
  if (!t) std::cerr << "--since \"" << text << "\": give a period like 30d, 12h, 2w, 90min or a date like 2026-01-31\n";
  return t;
}

std::string seconds_text(std::int64_t s) {
  std::ostringstream out;
  if (s < 3600) out << s / 60 << " min";
  else if (s < 86400) out << std::fixed << std::setprecision(1) << static_cast<double>(s) / 3600 << " h";
  else out << std::fixed << std::setprecision(1) << static_cast<double>(s) / 86400 << " d";
  return out.str();
}

int cmd_top(const TallyCommands& c, const std::string& config_path) {
  const auto since = since_or_report(c.since);
  if (!since) return 2;
  if (c.limit < 1) {
    std::cerr << "--limit must be at least 1\n";
    return 2;
  }
  Session s;
  if (auto rc = open_session(config_path, s, true)) return *rc;
  TopQuery query;
  query.since = *since;
  query.sender = c.sender;
  query.limit = static_cast<std::size_t>(c.limit);
  auto rows = top_figures(*s.store, query, s.config.tally);
  if (!rows) {
    std::cerr << rows.error().message << "\n";
    return 1;
  }
  rank(*rows, s.config.tally);
  if (rows->size() > static_cast<std::size_t>(c.limit)) rows->resize(static_cast<std::size_t>(c.limit));
  const auto now = now_s();
  if (c.json) {  // a list: one object per line, like every --json list
    for (const auto& f : *rows) std::cout << dump(figures_json(f, s.config.tally, now)) << "\n";
    return 0;
  }
  for (const auto& f : *rows) {
    const ChordScore score = chord_score(f, s.config.tally);
    std::cout << std::fixed << std::setprecision(2) << score.score << (score.struck_a_chord ? "  STRUCK A CHORD" : "") << "  "
              << iso_utc(f.sent_at) << "  " << f.sender << "  " << f.subject << "\n"
              << "      " << f.replies << " replies from " << f.distinct_repliers << " of " << f.recipients
              << " recipients (" << std::setprecision(0) << score.reply_rate * 100 << "%), " << f.positive << " positive, depth "
              << f.depth << (f.first_reply_after_s ? ", first reply after " + seconds_text(*f.first_reply_after_s) : "")
              << std::setprecision(1) << "; sender's median " << score.baseline_median << " over " << f.baseline.size()
              << " message(s)\n";
  }
  std::cout << rows->size() << " message(s) since " << iso_utc(*since) << "\n";
  return 0;
}

int cmd_show(const TallyCommands& c, const std::string& config_path) {
  Session s;
  if (auto rc = open_session(config_path, s, true)) return *rc;
  auto t = s.store->thread(bare_message_id(c.message_id), s.config.tally.baseline_messages);
  if (!t) {
    std::cerr << t.error().message << "\n";
    return 1;
  }
  const auto now = now_s();
  if (c.json) {
    nlohmann::json j = figures_json(t->message, s.config.tally, now);
    j["thread"] = nlohmann::json::array();
    for (const auto& r : t->replies)
      j["thread"].push_back({{"message_id", r.message_id},
                             {"from", r.sender},
                             {"from_name", r.sender_name},
                             {"sent_at", iso_utc(r.sent_at)},
                             {"kind", r.kind},
                             {"level", r.level},
                             {"positive", r.positive},
                             {"positive_words", r.positive_words},
                             {"counted", r.counted},
                             {"not_counted_because", r.counted ? nlohmann::json(nullptr) : nlohmann::json(r.not_counted_because)}});
    std::cout << dump(j) << "\n";
    return 0;
  }
  const MessageFigures& f = t->message;
  const ChordScore score = chord_score(f, s.config.tally);
  std::cout << "<" << f.message_id << ">  " << f.subject << "\n"
            << "  from       " << f.sender << ", " << iso_utc(f.sent_at) << ", to " << f.recipients << " recipient(s)\n"
            << "  replies    " << f.replies << " from " << f.distinct_repliers << " colleague(s), " << f.positive
            << " positive, depth " << f.depth << "\n"
            << std::fixed << std::setprecision(2) << "  score      " << score.score << " (sender's median "
            << score.baseline_median << " over " << f.baseline.size() << " message(s))"
            << (score.struck_a_chord ? ": struck a chord" : "") << "\n";
  for (const auto& r : t->replies)
    std::cout << "    " << std::string(static_cast<std::size_t>(std::min(r.level, 10)) * 2, ' ') << iso_utc(r.sent_at) << "  "
              << r.sender << (r.positive ? "  positive" : "")
              << (r.counted ? std::string() : "  (not counted: " + r.not_counted_because + ")") << "\n";
  return 0;
}

// Who was credited, by how many distinct colleagues in how many messages.
struct Credit {
  std::set<std::string> by, messages;
};
using Credits = std::vector<std::pair<std::string, Credit>>;

// Most colleagues first, then most messages.
Credits credits_of(const std::vector<KudosRow>& rows) {
  std::map<std::string, Credit> credits;
  for (const auto& k : rows) {
    credits[k.colleague].by.insert(k.by);
    credits[k.colleague].messages.insert(k.message_id);
  }
  Credits ordered(credits.begin(), credits.end());
  std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
    if (a.second.by.size() != b.second.by.size()) return a.second.by.size() > b.second.by.size();
    return a.second.messages.size() > b.second.messages.size();
  });
  return ordered;
}

// --manager: the colleague is in the directory with that manager.
bool managed_by(const parsers::Employee* e, const std::string& manager) {
  return manager.empty() ||
         (e != nullptr && parsers::address_without_plus(e->manager) == parsers::address_without_plus(manager));
}

nlohmann::json text_or_null(const std::string& text) { return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text); }

nlohmann::json credit_json(const std::string& who, const parsers::Employee* e, const Credit& credit) {
  return {{"colleague", who},
          {"name", e ? nlohmann::json(e->name) : nlohmann::json(nullptr)},
          {"department", e ? text_or_null(e->department) : nlohmann::json(nullptr)},
          {"manager", e ? text_or_null(e->manager) : nlohmann::json(nullptr)},
          {"thanked_by", credit.by.size()},
          {"messages", credit.messages.size()},
          {"by", credit.by}};
}

void print_credit(const std::string& who, const parsers::Employee* e, const Credit& credit) {
  const std::string name = e && !e->name.empty() ? e->name : who;
  std::cout << name << " was thanked by " << credit.by.size() << " colleague" << (credit.by.size() == 1 ? "" : "s")
            << " (" << credit.messages.size() << " message" << (credit.messages.size() == 1 ? "" : "s") << ")"
            << (e && !e->department.empty() ? ", " + e->department : std::string()) << "\n";
}

int cmd_kudos(const TallyCommands& c, const std::string& config_path) {
  const auto since = since_or_report(c.kudos_since);
  if (!since) return 2;
  Session s;
  if (auto rc = open_session(config_path, s, true)) return *rc;
  auto rows = kudos_since(*s.store, *since);
  if (!rows) {
    std::cerr << rows.error().message << "\n";
    return 1;
  }
  std::size_t shown = 0;
  for (const auto& [who, credit] : credits_of(*rows)) {
    const parsers::Employee* e = s.config.employee(who);
    if (!managed_by(e, c.manager)) continue;
    ++shown;
    if (c.json) std::cout << dump(credit_json(who, e, credit)) << "\n";  // a list: one object per line
    else print_credit(who, e, credit);
  }
  if (!c.json) std::cout << shown << " colleague(s) credited since " << iso_utc(*since) << "\n";
  return 0;
}

int cmd_import(const TallyCommands& c, const std::string& config_path) {
  Session s;
  if (auto rc = open_session(config_path, s, false)) return *rc;
  auto r = s.stage->import(c.path);
  if (!r) {
    std::cerr << "import " << c.path << ": " << r.error().message << "\n";
    return 1;
  }
  std::cout << c.path << ": " << r->read << " message(s) read, " << r->added << " added to the tallies, " << r->known
            << " already known, " << r->skipped << " skipped" << (r->truncated ? ", " + std::to_string(r->truncated) + " cut at 4 MiB" : "")
            << "\n";
  return 0;
}

}  // namespace

std::shared_ptr<TallyCommands> add_tally_commands(CLI::App& app) {
  auto c = std::make_shared<TallyCommands>();
  auto* tally = app.add_subcommand("tally", "reply tallies: which messages struck a chord");
  tally->require_subcommand(1);
  c->top = tally->add_subcommand("top", "messages ranked by how they did against their sender's own baseline");
  c->top->add_option("--since", c->since, "sent in this period (30d, 12h, 2w) or since a date (2026-01-31)")->capture_default_str();
  c->top->add_option("--sender", c->sender, "only this sender's messages");
  c->top->add_option("--limit", c->limit, "at most this many")->capture_default_str();
  c->top->add_flag("--json", c->json, "one JSON object per line");
  c->show = tally->add_subcommand("show", "one message with each reply");
  c->show->add_option("message-id", c->message_id, "its Message-ID, with or without <>")->required();
  c->show->add_flag("--json", c->json, "one JSON object");
  c->kudos = app.add_subcommand("kudos", "colleagues thanked or praised by name, for the managers' summaries");
  c->kudos->add_option("--since", c->kudos_since, "period (7d) or date")->capture_default_str();
  c->kudos->add_option("--manager", c->manager, "only colleagues whose manager (in the employee directory) this is");
  c->kudos->add_flag("--json", c->json, "one JSON object per line");
  c->import = app.add_subcommand("import", "load an mbox file or a Maildir folder into the tallies (observe only)");
  c->import->add_option("path", c->path, "mbox file or Maildir folder")->required();
  return c;
}

std::optional<int> run_tally_commands(const TallyCommands& c, const std::string& config_path) {
  if (*c.top) return cmd_top(c, config_path);
  if (*c.show) return cmd_show(c, config_path);
  if (*c.kudos) return cmd_kudos(c, config_path);
  if (*c.import) return cmd_import(c, config_path);
  return std::nullopt;
}

}  // namespace intake::daemon
