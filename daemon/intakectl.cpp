// intakectl: the admin CLI, a table of subcommands; each command is a file in
// daemon/cli/ (commands.hpp).
#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "daemon/app/app.hpp"
#include "daemon/cli/commands.hpp"
#include "daemon/cli/tally_cli.hpp"
#include "daemon/service/health_check.hpp"

using namespace intake::daemon;
using namespace intake::daemon::cli;

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
