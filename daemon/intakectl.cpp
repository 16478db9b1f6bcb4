// intakectl: the admin CLI. Each subcommand is a few lines over the libraries.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "daemon/app/app.hpp"
#include "daemon/fetch/intake_cycle.hpp"
#include "daemon/core/request_status.hpp"
#include "parsers/common/email_json.hpp"
#include "daemon/service/health_check.hpp"
#include "parsers/mime/mime_parser.hpp"
#include "daemon/cli/tally_cli.hpp"

namespace {

using namespace intake::daemon;

// The runtime a database command needs, from the config at `path`. When it
// cannot be had, the reason is printed and `exit_code` says what to return.
std::optional<Runtime> open_runtime(const std::string& path, int& exit_code) {
  auto config = load_config_or_report(path);
  if (!config) {
    exit_code = exit_config;
    return std::nullopt;
  }
  auto rt = make_runtime(*config);
  if (!rt) {
    std::cerr << rt.error().message << "\n";
    exit_code = exit_config;
    return std::nullopt;
  }
  return std::move(rt).value();
}

int cmd_check_config(const std::string& path) {
  auto config = load_config_or_report(path);
  if (!config) return exit_config;
  auto problems = check_environment(*config);
  for (const auto& p : problems) std::cerr << path << ": " << p << "\n";
  if (!problems.empty()) return exit_config;
  for (const auto& w : security_warnings(*config)) std::cerr << path << ": warning: " << w << "\n";
  std::cout << path << ": OK (" << config->mailboxes.size() << " mailbox(es))\n";
  return 0;
}

int cmd_migrate(const std::string& path) {
  int rc = 0;
  auto rt = open_runtime(path, rc);
  if (!rt) return rc;
  auto v = rt->store->migrate();
  if (!v) {
    std::cerr << v.error().message << "\n";
    return 1;
  }
  std::cout << "schema at version " << *v << "\n";
  return 0;
}

nlohmann::json or_null(const std::string& s) { return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s); }

nlohmann::json request_json(const RequestDetail& r, bool with_events) {
  nlohmann::json j = {{"reference", r.reference},
                      {"requester", r.requester},
                      {"requester_name", r.requester_name},
                      {"requester_department", or_null(r.requester_department)},
                      {"subject", r.subject},
                      {"category", r.category},
                      {"priority", r.priority},
                      {"status", r.status},
                      {"owner", or_null(r.owner)},
                      {"requested_by", or_null(r.requested_by)},
                      {"requested_by_phrase", or_null(r.requested_by_phrase)},
                      {"missing", r.missing},
                      {"due_first_response", or_null(r.due_first_response)},
                      {"due_resolution", or_null(r.due_resolution)},
                      {"created_at", r.created_at},
                      {"acknowledged_at", or_null(r.acknowledged_at)},
                      {"first_response_at", or_null(r.first_response_at)},
                      {"resolved_at", or_null(r.resolved_at)},
                      {"thanks", r.thanks},
                      {"reopened", r.reopened}};
  if (with_events) {
    j["events"] = nlohmann::json::array();
    for (const auto& e : r.events) j["events"].push_back({{"type", e.type}, {"at", e.at}, {"by", e.by}, {"detail", e.detail}});
  }
  return j;
}

std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

int cmd_requests_list(const std::string& path, const std::string& status, const std::string& category, bool json) {
  auto config = load_config_or_report(path);
  if (!config) return exit_config;
  if (!status.empty() && !is_request_status(status)) {
    std::cerr << "unknown status \"" << status << "\" (new, acknowledged, waiting_on_requester, in_progress, resolved, closed)\n";
    return 2;
  }
  auto rt = make_runtime(*config);
  if (!rt) {
    std::cerr << rt.error().message << "\n";
    return exit_config;
  }
  auto rows = rt->store->list_requests(status, category);
  if (!rows) {
    std::cerr << rows.error().message << "\n";
    return 1;
  }
  for (const auto& r : *rows) {
    if (json) std::cout << dump(request_json(r, false)) << "\n";
    else
      std::cout << r.reference << "  " << r.status << "  " << r.category << "/" << r.priority << "  " << r.requester << "  "
                << r.subject << "\n";
  }
  if (!json) std::cout << rows->size() << " request(s)\n";
  return 0;
}

int cmd_requests_show(const std::string& path, const std::string& reference, bool json) {
  int rc = 0;
  auto rt = open_runtime(path, rc);
  if (!rt) return rc;
  auto r = rt->store->find_request(reference);
  if (!r) {
    std::cerr << r.error().message << "\n";
    return 1;
  }
  if (json) {
    std::cout << dump(request_json(*r, true)) << "\n";
    return 0;
  }
  std::cout << r->reference << "  " << r->subject << "\n"
            << "  requester  " << r->requester_name << " <" << r->requester << ">"
            << (r->requester_department.empty() ? "" : " (" + r->requester_department + ")") << "\n"
            << "  category   " << r->category << ", priority " << r->priority << ", status " << r->status << "\n"
            << "  owner      " << (r->owner.empty() ? "nobody" : r->owner) << "\n";
  if (!r->requested_by.empty()) std::cout << "  wanted by  " << r->requested_by << " (\"" << r->requested_by_phrase << "\")\n";
  if (!r->missing.empty()) {
    std::cout << "  missing   ";
    for (const auto& m : r->missing) std::cout << " " << m << ";";
    std::cout << "\n";
  }
  if (!r->due_first_response.empty()) std::cout << "  due        first response " << r->due_first_response << ", resolution " << r->due_resolution << "\n";
  std::cout << "  history\n";
  for (const auto& e : r->events)
    std::cout << "    " << e.at << "  " << e.type << "  " << e.by << (e.detail.empty() ? "" : "  " + e.detail) << "\n";
  return 0;
}

// A preview of one template for a request, as intake would send it.
int cmd_render(const std::string& path, const std::string& name, const std::string& reference, bool html) {
  int rc = 0;
  auto rt = open_runtime(path, rc);
  if (!rt) return rc;
  auto view = rt->store->request_view(reference);
  if (!view) {
    std::cerr << view.error().message << "\n";
    return 1;
  }
  SystemClock clock;
  IntakeCycle cycle(rt->config, *rt->store, rt->templates, clock, &rt->service);
  nlohmann::json values = cycle.mail().request_values(*view);
  // Variables only some mails have, filled with examples so every tag shows.
  values["response"] = "(the staff member's answer)";
  values["staff_name"] = "(staff member)";
  values["due_kind"] = "resolution";
  values["due"] = values["due_resolution"];
  values["size"] = "31.4 MB";
  values["limit"] = "25.0 MB";
  auto rendered = rt->templates.render(name, view->category, values);
  if (!rendered) {
    std::cerr << rendered.error().message << "\n";
    return 1;
  }
  std::cout << "Subject: " << rendered->subject << "\n\n" << (html ? rendered->html : rendered->text);
  return 0;
}

// A summary for `to` (its subscription's teams and zone, else every team in
// requests.time_zone) over a named period: printed, or queued to send.
int cmd_summary(const std::string& path, const std::string& to, const std::string& period_name, bool html, bool send) {
  int rc = 0;
  auto rt = open_runtime(path, rc);
  if (!rt) return rc;
  intake::parsers::SummaryConfig subscription;
  subscription.to = to;
  subscription.time_zone = rt->config.requests.time_zone;
  for (const auto& s : rt->config.summaries)
    if (intake::parsers::address_without_plus(s.to) == intake::parsers::address_without_plus(to)) subscription = s;
  auto found = find_time_zone(subscription.time_zone);
  if (!found) {
    std::cerr << found.error().message << "\n";
    return exit_config;
  }
  const date::time_zone* zone = *found;
  SystemClock clock;
  const auto now = std::chrono::time_point_cast<std::chrono::seconds>(clock.now());
  auto period = named_period(period_name, *zone, now);
  if (!period) {
    std::cerr << period.error().message << "\n";
    return 2;
  }
  IntakeCycle cycle(rt->config, *rt->store, rt->templates, clock, &rt->service);
  cycle.set_tallies(rt->tallies.get());
  if (!send) {
    auto rendered = cycle.summaries().render_summary(subscription, *period, previous_period(*period, *zone), false);
    if (!rendered) {
      std::cerr << rendered.error().message << "\n";
      return 1;
    }
    if (!html) std::cout << "Subject: " << rendered->subject << "\n\n";
    std::cout << (html ? rendered->html : rendered->text);
    return 0;
  }
  auto mail = cycle.summaries().make_summary(subscription, *period, previous_period(*period, *zone), false);
  if (!mail) {
    std::cerr << mail.error().message << "\n";
    return 1;
  }
  {
    if (auto r = rt->store->queue_mail_now("summary", *mail); !r) {
      std::cerr << r.error().message << "\n";
      return 1;
    }
    std::cout << "summary for " << period->label << " queued to " << to << " (sent by intaked)\n";
    return 0;
  }
}

int cmd_requests_set(const std::string& path, const std::string& reference, const std::string& status,
                     const std::string& owner, const std::string& priority) {
  auto config = load_config_or_report(path);
  if (!config) return exit_config;
  if (status.empty() && owner.empty() && priority.empty()) {
    std::cerr << "nothing to set: give --status, --owner or --priority\n";
    return 2;
  }
  if (!status.empty() && !is_request_status(status)) {
    std::cerr << "unknown status \"" << status << "\" (new, acknowledged, waiting_on_requester, in_progress, resolved, closed)\n";
    return 2;
  }
  const auto& priorities = request_priorities();
  if (!priority.empty() && std::find(priorities.begin(), priorities.end(), priority) == priorities.end()) {
    std::cerr << "unknown priority \"" << priority << "\" (low, normal, high, urgent)\n";
    return 2;
  }
  auto rt = make_runtime(*config);
  if (!rt) {
    std::cerr << rt.error().message << "\n";
    return exit_config;
  }
  SystemClock clock;
  IntakeCycle cycle(rt->config, *rt->store, rt->templates, clock, &rt->service);
  const char* user = std::getenv("SUDO_USER");
  if (user == nullptr) user = std::getenv("USER");
  const std::string by = std::string("intakectl") + (user ? std::string(" (") + user + ")" : std::string());
  std::string refused;
  auto changed = rt->store->change_request(reference, by, [&](const RequestView& r) {
    ReplyPlan plan;
    plan.role = "admin";
    if (!status.empty()) plan.new_status = parse_request_status(status);  // checked before: a known name
    plan.priority = priority;
    if (!owner.empty()) {
      plan.owner = cycle.resolve_person(owner, rt->config.category(r.category));
      if (plan.owner.empty()) plan.owner = owner;  // someone outside the directory: kept as given
    }
    if (plan.new_status == RequestStatus::resolved && r.status != RequestStatus::resolved &&
        status_move_allowed(r.status, RequestStatus::resolved)) {
      plan.first_response = true;
      if (auto mail = cycle.mail().make_request_mail("resolved_notice", r, nlohmann::json::object()))
        plan.mails.push_back({"resolved_notice", *mail});
    }
    return plan;
  });
  if (!changed) {
    std::cerr << changed.error().message << "\n";
    return 1;
  }
  std::cout << reference << ": updated" << (status == "resolved" ? " (resolved notice queued, sent by intaked)" : "") << "\n";
  return 0;
}

// A monitoring check (Nagios/Icinga plugin codes): exit 0 OK, 1 WARNING, 2
// CRITICAL (the database does not answer, a mailbox failing past
// alert_after_failures or not fetched for too long, an old schema, an
// acknowledgment waiting too long); 78 for a config that does not load.
int cmd_status(const std::string& path, bool json, CheckThresholds thresholds) {
  int rc = 0;
  auto rt = open_runtime(path, rc);
  if (!rt) return rc;
  auto h = rt->store->health();
  auto acks = h ? rt->store->acknowledgment_backlog() : intake::Result<AckBacklog>(h.error());
  if (!h || !acks) {
    const std::string why = !h ? h.error().message : acks.error().message;
    if (json) {
      nlohmann::json j = {{"level", "CRITICAL"}, {"healthy", false}, {"version", version_string}, {"error", why}};
      std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    } else {
      std::cout << "CRITICAL - database: " << why << "\n";
    }
    return static_cast<int>(CheckLevel::critical);
  }
  const int required = latest_schema_version();
  const HealthAssessment a = assess_health(rt->config, *h, *acks, required, thresholds);
  const bool healthy = a.level == CheckLevel::ok;
  if (json) {
    nlohmann::json j = {{"level", to_string(a.level)},
                        {"healthy", healthy},
                        {"version", version_string},
                        {"schema_version", h->schema_version},
                        {"schema_version_required", required},
                        {"outbox", {{"pending", h->outbox_pending}, {"sending", h->outbox_sending},
                                    {"failed", h->outbox_failed}, {"interrupted", h->outbox_interrupted}}},
                        {"quarantine_held", h->quarantine_held},
                        {"acknowledgments_waiting", acks->waiting},
                        {"oldest_waiting_acknowledgment", nullptr},
                        {"problems", nlohmann::json::array()},
                        {"mailboxes", nlohmann::json::array()}};
    if (acks->oldest_age_s >= 0)
      j["oldest_waiting_acknowledgment"] = {{"reference", acks->oldest_reference}, {"age_s", acks->oldest_age_s}};
    for (const auto& f : a.findings) j["problems"].push_back({{"level", to_string(f.level)}, {"text", f.text}});
    for (const auto& m : h->mailboxes)
      j["mailboxes"].push_back({{"mailbox", m.mailbox},
                                {"last_success_at", m.last_success_at.empty() ? nlohmann::json(nullptr) : nlohmann::json(m.last_success_at)},
                                {"seconds_since_success", m.seconds_since_success < 0 ? nlohmann::json(nullptr) : nlohmann::json(m.seconds_since_success)},
                                {"consecutive_failures", m.consecutive_failures},
                                {"last_error", m.last_error},
                                {"admin_alerted", m.alerted}});
    j["instances"] = nlohmann::json::array();
    for (const auto& i : h->instances)
      j["instances"].push_back({{"id", i.id},
                                {"node", i.node},
                                {"pid", i.pid},
                                {"version", i.version},
                                {"state", i.state},
                                {"started_at", i.started_at},
                                {"last_heartbeat_at", i.heartbeat_at},
                                {"seconds_since_heartbeat", i.seconds_since_heartbeat},
                                {"stopped_at", i.stopped_at.empty() ? nlohmann::json(nullptr) : nlohmann::json(i.stopped_at)},
                                {"stop_reason", i.stop_reason},
                                {"holds", i.holds}});
    j["lease_events"] = nlohmann::json::array();
    for (const auto& e : h->lease_events)
      j["lease_events"].push_back({{"lease", e.lease}, {"at", e.at}, {"from", e.from}, {"to", e.to}, {"reason", e.reason}});
    std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return static_cast<int>(a.level);
  }
  // First line: the plugin output with performance data after the bar.
  std::cout << to_string(a.level) << " - "
            << (healthy ? std::string("healthy")
                        : std::to_string(a.findings.size()) + " problem(s): " + a.findings.front().text)
            << " | outbox=" << h->outbox_pending + h->outbox_sending << " outbox_failed=" << h->outbox_failed
            << " quarantine=" << h->quarantine_held << " oldest_ack_age=" << std::max<std::int64_t>(acks->oldest_age_s, 0)
            << "s\n";
  for (const auto& f : a.findings) std::cout << to_string(f.level) << ": " << f.text << "\n";
  std::cout << "intakectl " << version_string << ", database schema version " << h->schema_version << " (needs "
            << required << ")\n";
  for (const auto& m : h->mailboxes) {
    std::cout << "mailbox " << m.mailbox << ": ";
    if (m.seconds_since_success < 0) std::cout << "never fetched successfully";
    else std::cout << "last fetched " << m.seconds_since_success << " s ago (" << m.last_success_at << ")";
    if (m.consecutive_failures > 0)
      std::cout << ", " << m.consecutive_failures << " failure(s) in a row" << (m.alerted ? ", admin alerted" : "")
                << ": " << m.last_error;
    std::cout << "\n";
  }
  std::cout << "outbox: " << h->outbox_pending << " pending, " << h->outbox_sending << " sending, " << h->outbox_failed
            << " failed, " << h->outbox_interrupted << " resent after an interrupted send\n";
  std::cout << "acknowledgments waiting: " << acks->waiting;
  if (acks->oldest_age_s >= 0) std::cout << ", oldest " << acks->oldest_reference << " for " << acks->oldest_age_s << " s";
  std::cout << "\n";
  std::cout << "quarantine: " << h->quarantine_held << " held (intakectl quarantine list)\n";
  for (const auto& i : h->instances) {
    std::cout << "instance " << i.node << " pid " << i.pid << ": intaked " << i.version << ", " << i.state;
    if (i.state == "stopped") std::cout << " at " << i.stopped_at << " (" << i.stop_reason << ")";
    else std::cout << ", last heartbeat " << i.seconds_since_heartbeat << " s ago (" << i.heartbeat_at << ")";
    std::string holds;
    for (const auto& l : i.holds) holds += (holds.empty() ? "" : ", ") + l;
    if (i.state != "stopped") std::cout << ", holds " << (holds.empty() ? "nothing (standing by)" : holds);
    std::cout << "\n";
  }
  for (const auto& e : h->lease_events)
    std::cout << "lease " << e.lease << " " << e.at << ": " << (e.from.empty() ? "-" : e.from) << " -> "
              << (e.to.empty() ? "released" : e.to) << " (" << e.reason << ")\n";
  return static_cast<int>(a.level);
}

int cmd_quarantine_list(const std::string& path, bool all, bool json) {
  int rc = 0;
  auto rt = open_runtime(path, rc);
  if (!rt) return rc;
  auto rows = rt->store->list_quarantine(all);
  if (!rows) {
    std::cerr << rows.error().message << "\n";
    return 1;
  }
  for (const auto& q : *rows) {
    if (json) {
      nlohmann::json j = {{"id", q.id},         {"mailbox", q.mailbox}, {"uidvalidity", q.uidvalidity}, {"uid", q.uid},
                          {"reason", q.reason}, {"status", q.status},   {"created_at", q.created_at},   {"bytes", q.raw_bytes}};
      std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    } else {
      std::cout << "#" << q.id << "  " << q.status << "  " << q.created_at << "  " << q.mailbox << " uid " << q.uid << "  "
                << q.raw_bytes << " bytes  " << q.reason << "\n";
    }
  }
  if (!json) std::cout << rows->size() << " message(s)\n";
  return 0;
}

int cmd_quarantine_retry(const std::string& path, std::int64_t id) {
  int rc = 0;
  auto rt = open_runtime(path, rc);
  if (!rt) return rc;
  auto msg = rt->store->load_quarantined(id);
  if (!msg) {
    std::cerr << msg.error().message << "\n";
    return 1;
  }
  auto box = std::find_if(rt->config.mailboxes.begin(), rt->config.mailboxes.end(),
                          [&](const intake::parsers::MailboxConfig& m) { return m.name == msg->mailbox; });
  if (box == rt->config.mailboxes.end()) {
    std::cerr << "quarantined message #" << id << " came from mailbox " << msg->mailbox << ", which is not configured\n";
    return 1;
  }
  SystemClock clock;
  IntakeCycle cycle(rt->config, *rt->store, rt->templates, clock, &rt->service);
  auto result = cycle.reprocess(std::move(*msg), *box);
  if (!result) {
    std::cerr << "quarantined message #" << id << " still cannot be taken: " << result.error().message << "\n";
    return 1;
  }
  // Ingest is exactly once by Message-ID or content hash, so a crash between
  // these two steps makes the next retry a harmless duplicate.
  if (auto r = rt->store->release_quarantined(id); !r) {
    std::cerr << r.error().message << "\n";
    return 1;
  }
  std::cout << "#" << id << ": " << to_string(result->outcome)
            << (result->reference.empty() ? "" : " " + result->reference)
            << (result->ack_queued ? ", acknowledgment queued (sent by intaked)" : "") << "\n";
  return 0;
}

int cmd_parse(const std::vector<std::string>& files, bool json) {
  int rc = 0;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::cerr << "intakectl parse: cannot read " << file << "\n";
      rc = 1;
      continue;
    }
    std::ostringstream raw;
    raw << in.rdbuf();
    auto email = intake::parsers::parse_email(raw.str());
    if (json) {
      std::cout << email_to_json(email).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    } else {
      std::cout << "== " << file << "\n"
                << "From:    " << (email.from ? email.from->address : "(none)") << "\n"
                << "Subject: " << email.subject << "\n"
                << "Kind:    " << intake::parsers::to_string(email.kind) << "\n"
                << "Attachments: " << email.attachments.size() << "\n";
      for (const auto& w : email.warnings) std::cout << "Warning: " << w << "\n";
      std::cout << "\n" << email.request_text << "\n";
    }
  }
  return rc;
}

}  // namespace

// An exception reaching main is a bug; std::terminate (abort, a
// core dump) is the intended end for it (STYLE.md: "this should never happen" terminates).
// NOLINTNEXTLINE(bugprone-exception-escape)
int main(int argc, char** argv) {
  CLI::App app{"intakectl: administer intake"};
  std::string config_path = "/etc/intake/intake.toml";
  app.add_option("-c,--config", config_path, "config file")->capture_default_str();
  app.set_version_flag("--version", std::string("intakectl ") + version_string);
  app.require_subcommand(1);

  auto* check = app.add_subcommand("check-config", "validate the config file, password files and templates");
  auto* migrate = app.add_subcommand("migrate", "apply the numbered database migrations");
  auto* requests = app.add_subcommand("requests", "list and inspect requests");
  requests->require_subcommand(1);
  auto* list = requests->add_subcommand("list", "list requests");
  std::string status, category;
  bool json = false;
  list->add_option("--status", status, "only this status");
  list->add_option("--category", category, "only this category");
  list->add_flag("--json", json, "one JSON object per line");
  auto* show = requests->add_subcommand("show", "one request with its full history");
  std::string show_ref;
  bool show_json = false;
  show->add_option("reference", show_ref, "REQ-1042")->required();
  show->add_flag("--json", show_json, "one JSON object");
  auto* set = requests->add_subcommand("set", "change a request's status, owner or priority");
  std::string set_ref, set_status, set_owner, set_priority;
  set->add_option("reference", set_ref, "REQ-1042")->required();
  set->add_option("--status", set_status, "new status (only allowed moves)");
  set->add_option("--owner", set_owner, "owner: an address, or a staff member's or employee's name");
  set->add_option("--priority", set_priority, "low, normal, high or urgent");
  auto* parse = app.add_subcommand("parse", "parse message files (no config or database needed)");
  std::vector<std::string> files;
  bool parse_json = false;
  parse->add_option("files", files, "RFC 5322 message files")->required();
  parse->add_flag("--json", parse_json, "one JSON object per message");

  auto* status_cmd = app.add_subcommand(
      "status", "health as a monitoring check (exit 0 OK, 1 WARNING, 2 CRITICAL): fetches, outbox, quarantine, schema");
  bool status_json = false;
  status_cmd->add_flag("--json", status_json, "one JSON object");
  std::int64_t warn_fetch_age = -1, crit_fetch_age = -1, warn_ack_age = -1, crit_ack_age = -1;
  status_cmd->add_option("--warn-fetch-age", warn_fetch_age, "seconds since a mailbox's last good fetch (default from the config)");
  status_cmd->add_option("--crit-fetch-age", crit_fetch_age, "seconds since a mailbox's last good fetch (default from the config)");
  status_cmd->add_option("--warn-ack-age", warn_ack_age, "seconds the oldest acknowledgment may wait (default 900)");
  status_cmd->add_option("--crit-ack-age", crit_ack_age, "seconds the oldest acknowledgment may wait (default 3600)");
  auto* quarantine = app.add_subcommand("quarantine", "messages that could not be taken in");
  quarantine->require_subcommand(1);
  auto* q_list = quarantine->add_subcommand("list", "list held messages");
  bool q_all = false, q_json = false;
  q_list->add_flag("--all", q_all, "released ones too");
  q_list->add_flag("--json", q_json, "one JSON object per line");
  auto* q_retry = quarantine->add_subcommand("retry", "take a held message in again (after a fix)");
  std::int64_t q_id = 0;
  q_retry->add_option("id", q_id, "its number, from quarantine list")->required();

  auto* render = app.add_subcommand("render", "preview a template for a request (nothing is sent)");
  std::string render_name, render_ref;
  bool render_html = false;
  render->add_option("template", render_name, "acknowledgment, staff_response, resolved_notice, ...")->required();
  render->add_option("--request", render_ref, "REQ-1042")->required();
  render->add_flag("--html", render_html, "the HTML part instead of the text part");

  auto* summary = app.add_subcommand("summary", "manager summaries");
  summary->require_subcommand(1);
  auto* preview = summary->add_subcommand("preview", "print a summary without sending it");
  auto* send_now = summary->add_subcommand("send", "send a summary now (queued; intaked sends it)");
  std::string summary_to, summary_period = "last-week";
  bool summary_html = false, summary_text = false;
  for (auto* sub : {preview, send_now}) {
    sub->add_option("--to", summary_to, "the manager's address (their subscription's teams and zone)")->required();
    sub->add_option("--period", summary_period,
                    "today, yesterday, this-week, last-week, this-month, last-month or YYYY-MM-DD..YYYY-MM-DD")
        ->capture_default_str();
  }
  preview->add_flag("--html", summary_html, "the HTML part");
  preview->add_flag("--text", summary_text, "the text part (the default)");

  auto tally_commands = add_tally_commands(app);  // tally top/show, kudos, import

  CLI11_PARSE(app, argc, argv);
  if (auto rc = run_tally_commands(*tally_commands, config_path)) return *rc;
  if (*preview) return cmd_summary(config_path, summary_to, summary_period, summary_html && !summary_text, false);
  if (*send_now) return cmd_summary(config_path, summary_to, summary_period, false, true);
  if (*render) return cmd_render(config_path, render_name, render_ref, render_html);
  if (*status_cmd) {
    auto config = intake::parsers::load_config(config_path);
    CheckThresholds t = default_thresholds(config.config);
    if (warn_fetch_age >= 0) t.warn_fetch_age_s = warn_fetch_age;
    if (crit_fetch_age >= 0) t.crit_fetch_age_s = crit_fetch_age;
    if (warn_ack_age >= 0) t.warn_ack_age_s = warn_ack_age;
    if (crit_ack_age >= 0) t.crit_ack_age_s = crit_ack_age;
    return cmd_status(config_path, status_json, t);
  }
  if (*q_list) return cmd_quarantine_list(config_path, q_all, q_json);
  if (*q_retry) return cmd_quarantine_retry(config_path, q_id);
  if (*check) return cmd_check_config(config_path);
  if (*migrate) return cmd_migrate(config_path);
  if (*list) return cmd_requests_list(config_path, status, category, json);
  if (*show) return cmd_requests_show(config_path, show_ref, show_json);
  if (*set) return cmd_requests_set(config_path, set_ref, set_status, set_owner, set_priority);
  if (*parse) return cmd_parse(files, parse_json);
  return 2;
}
