// intakectl status: health as a monitoring check.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "daemon/app/app.hpp"
#include "daemon/cli/commands.hpp"
#include "daemon/core/request_status.hpp"
#include "daemon/fetch/intake_cycle.hpp"
#include "daemon/service/health_check.hpp"
#include "parsers/common/email_json.hpp"
#include "parsers/mime/mime_parser.hpp"

namespace intake::daemon::cli {

namespace {

std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

// An empty text or a negative count is "none": null in the JSON.
nlohmann::json text_or_null(const std::string& text) { return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text); }
nlohmann::json count_or_null(std::int64_t n) { return n < 0 ? nlohmann::json(nullptr) : nlohmann::json(n); }

int print_database_down(const std::string& why, bool json) {
  if (json) {
    nlohmann::json j = {{"level", "CRITICAL"}, {"healthy", false}, {"version", version_string}, {"error", why}};
    std::cout << dump(j) << "\n";
  } else {
    std::cout << "CRITICAL - database: " << why << "\n";
  }
  return static_cast<int>(CheckLevel::critical);
}

nlohmann::json mailbox_json(const MailboxHealth& m) {
  return {{"mailbox", m.mailbox},
          {"last_success_at", text_or_null(m.last_success_at)},
          {"seconds_since_success", count_or_null(m.seconds_since_success)},
          {"consecutive_failures", m.consecutive_failures},
          {"last_error", m.last_error},
          {"admin_alerted", m.alerted}};
}

nlohmann::json instance_json(const InstanceRow& i) {
  return {{"id", i.id},
          {"node", i.node},
          {"pid", i.pid},
          {"version", i.version},
          {"state", i.state},
          {"started_at", i.started_at},
          {"last_heartbeat_at", i.heartbeat_at},
          {"seconds_since_heartbeat", i.seconds_since_heartbeat},
          {"stopped_at", text_or_null(i.stopped_at)},
          {"stop_reason", i.stop_reason},
          {"holds", i.holds}};
}

void print_json(const HealthAssessment& a, const HealthReport& h, const AckBacklog& acks, int required) {
  nlohmann::json j = {{"level", to_string(a.level)},
                      {"healthy", a.level == CheckLevel::ok},
                      {"version", version_string},
                      {"schema_version", h.schema_version},
                      {"schema_version_required", required},
                      {"outbox", {{"pending", h.outbox_pending}, {"sending", h.outbox_sending},
                                  {"failed", h.outbox_failed}, {"interrupted", h.outbox_interrupted}}},
                      {"quarantine_held", h.quarantine_held},
                      {"acknowledgments_waiting", acks.waiting},
                      {"oldest_waiting_acknowledgment", nullptr},
                      {"problems", nlohmann::json::array()},
                      {"mailboxes", nlohmann::json::array()}};
  if (acks.oldest_age_s >= 0)
    j["oldest_waiting_acknowledgment"] = {{"reference", acks.oldest_reference}, {"age_s", acks.oldest_age_s}};
  for (const auto& f : a.findings) j["problems"].push_back({{"level", to_string(f.level)}, {"text", f.text}});
  for (const auto& m : h.mailboxes) j["mailboxes"].push_back(mailbox_json(m));
  j["instances"] = nlohmann::json::array();
  for (const auto& i : h.instances) j["instances"].push_back(instance_json(i));
  j["lease_events"] = nlohmann::json::array();
  for (const auto& e : h.lease_events)
    j["lease_events"].push_back({{"lease", e.lease}, {"at", e.at}, {"from", e.from}, {"to", e.to}, {"reason", e.reason}});
  std::cout << dump(j) << "\n";
}

void print_mailbox_line(const MailboxHealth& m) {
  std::cout << "mailbox " << m.mailbox << ": ";
  if (m.seconds_since_success < 0) std::cout << "never fetched successfully";
  else std::cout << "last fetched " << m.seconds_since_success << " s ago (" << m.last_success_at << ")";
  if (m.consecutive_failures > 0)
    std::cout << ", " << m.consecutive_failures << " failure(s) in a row" << (m.alerted ? ", admin alerted" : "")
              << ": " << m.last_error;
  std::cout << "\n";
}

void print_instance_line(const InstanceRow& i) {
  std::cout << "instance " << i.node << " pid " << i.pid << ": intaked " << i.version << ", " << i.state;
  if (i.state == "stopped") std::cout << " at " << i.stopped_at << " (" << i.stop_reason << ")";
  else std::cout << ", last heartbeat " << i.seconds_since_heartbeat << " s ago (" << i.heartbeat_at << ")";
  std::string holds;
  for (const auto& l : i.holds) holds += (holds.empty() ? "" : ", ") + l;
  if (i.state != "stopped") std::cout << ", holds " << (holds.empty() ? "nothing (standing by)" : holds);
  std::cout << "\n";
}

void print_text(const HealthAssessment& a, const HealthReport& h, const AckBacklog& acks, int required) {
  // First line: the plugin output with performance data after the bar.
  std::cout << to_string(a.level) << " - "
            << (a.level == CheckLevel::ok ? std::string("healthy")
                                          : std::to_string(a.findings.size()) + " problem(s): " + a.findings.front().text)
            << " | outbox=" << h.outbox_pending + h.outbox_sending << " outbox_failed=" << h.outbox_failed
            << " quarantine=" << h.quarantine_held << " oldest_ack_age=" << std::max<std::int64_t>(acks.oldest_age_s, 0)
            << "s\n";
  for (const auto& f : a.findings) std::cout << to_string(f.level) << ": " << f.text << "\n";
  std::cout << "intakectl " << version_string << ", database schema version " << h.schema_version << " (needs "
            << required << ")\n";
  for (const auto& m : h.mailboxes) print_mailbox_line(m);
  std::cout << "outbox: " << h.outbox_pending << " pending, " << h.outbox_sending << " sending, " << h.outbox_failed
            << " failed, " << h.outbox_interrupted << " resent after an interrupted send\n";
  std::cout << "acknowledgments waiting: " << acks.waiting;
  if (acks.oldest_age_s >= 0) std::cout << ", oldest " << acks.oldest_reference << " for " << acks.oldest_age_s << " s";
  std::cout << "\n";
  std::cout << "quarantine: " << h.quarantine_held << " held (intakectl quarantine list)\n";
  for (const auto& i : h.instances) print_instance_line(i);
  for (const auto& e : h.lease_events)
    std::cout << "lease " << e.lease << " " << e.at << ": " << (e.from.empty() ? "-" : e.from) << " -> "
              << (e.to.empty() ? "released" : e.to) << " (" << e.reason << ")\n";
}

}  // namespace

// A monitoring check (Nagios/Icinga plugin codes): exit 0 OK, 1 WARNING, 2
// CRITICAL (the database does not answer, a mailbox failing past
// alert_after_failures or not fetched for too long, an old schema, an
// acknowledgment waiting too long); 78 for a config that does not load.
int cmd_status(const std::string& path, bool json, CheckThresholds thresholds) {
  int rc = 0;
  auto rt = open_runtime(path, rc);
  if (!rt) return rc;
  auto h = rt->store->health();
  if (!h) return print_database_down(h.error().message, json);
  auto acks = rt->store->acknowledgment_backlog();
  if (!acks) return print_database_down(acks.error().message, json);
  const int required = latest_schema_version();
  const HealthAssessment a = assess_health(rt->config, *h, *acks, required, thresholds);
  h->instances = listed_instances(h->instances);
  if (json) print_json(a, *h, *acks, required);
  else print_text(a, *h, *acks, required);
  return static_cast<int>(a.level);
}

}  // namespace intake::daemon::cli
