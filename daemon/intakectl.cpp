// intakectl: the admin CLI, a table of subcommands; each command is a file in
// daemon/cli/ (commands.hpp).
#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/app/app.hpp"
#include "daemon/cli/commands.hpp"
#include "daemon/cli/tally_cli.hpp"
#include "daemon/service/health_check.hpp"

using namespace intake::daemon;
using namespace intake::daemon::cli;

namespace {

// A subcommand and what runs when it is the one given. Each group's options
// live in a shared struct its runners hold, so they outlive the parsing.
struct Command {
  CLI::App* sub = nullptr;
  std::function<int(const std::string& config_path)> run;
};
using Commands = std::vector<Command>;

void add_setup_commands(CLI::App& app, Commands& commands) {
  commands.push_back(
      {app.add_subcommand("check-config", "validate the config file, password files and templates"), cmd_check_config});
  commands.push_back({app.add_subcommand("migrate", "apply the numbered database migrations"), cmd_migrate});
}

void add_request_commands(CLI::App& app, Commands& commands) {
  struct Options {
    std::string status, category, show_ref, set_ref, set_status, set_owner, set_priority;
    bool json = false, show_json = false, outside = false;
  };
  auto o = std::make_shared<Options>();
  auto* requests = app.add_subcommand("requests", "list and inspect requests");
  requests->require_subcommand(1);
  auto* list = requests->add_subcommand("list", "list requests");
  list->add_option("--status", o->status, "only this status");
  list->add_option("--category", o->category, "only this category");
  list->add_flag("--json", o->json, "one JSON object per line");
  list->add_flag("--outside", o->outside, "instead: the latest mail from senders who may not make requests");
  auto* show = requests->add_subcommand("show", "one request with its full history");
  show->add_option("reference", o->show_ref, "REQ-1042")->required();
  show->add_flag("--json", o->show_json, "one JSON object");
  auto* set = requests->add_subcommand("set", "change a request's status, owner or priority");
  set->add_option("reference", o->set_ref, "REQ-1042")->required();
  set->add_option("--status", o->set_status, "new status (only allowed moves)");
  set->add_option("--owner", o->set_owner, "owner: an address, or a staff member's or employee's name");
  set->add_option("--priority", o->set_priority, "low, normal, high or urgent");
  commands.push_back({list, [o](const std::string& config_path) {
                        if (o->outside) return cmd_requests_outside(config_path, o->json);
                        return cmd_requests_list(config_path, o->status, o->category, o->json);
                      }});
  commands.push_back(
      {show, [o](const std::string& config_path) { return cmd_requests_show(config_path, o->show_ref, o->show_json); }});
  commands.push_back({set, [o](const std::string& config_path) {
                        return cmd_requests_set(config_path, o->set_ref, o->set_status, o->set_owner, o->set_priority);
                      }});
}

void add_parse_command(CLI::App& app, Commands& commands) {
  struct Options {
    std::vector<std::string> files;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* parse = app.add_subcommand("parse", "parse message files (no config or database needed)");
  parse->add_option("files", o->files, "RFC 5322 message files")->required();
  parse->add_flag("--json", o->json, "one JSON object per message");
  commands.push_back({parse, [o](const std::string&) { return cmd_parse(o->files, o->json); }});
}

void add_status_command(CLI::App& app, Commands& commands) {
  struct Options {
    bool json = false;
    std::int64_t warn_fetch_age = -1, crit_fetch_age = -1, warn_ack_age = -1, crit_ack_age = -1;  // -1: the default
  };
  auto o = std::make_shared<Options>();
  auto* status = app.add_subcommand(
      "status", "health as a monitoring check (exit 0 OK, 1 WARNING, 2 CRITICAL): fetches, outbox, quarantine, schema");
  status->add_flag("--json", o->json, "one JSON object");
  status->add_option("--warn-fetch-age", o->warn_fetch_age, "seconds since a mailbox's last good fetch (default from the config)");
  status->add_option("--crit-fetch-age", o->crit_fetch_age, "seconds since a mailbox's last good fetch (default from the config)");
  status->add_option("--warn-ack-age", o->warn_ack_age, "seconds the oldest acknowledgment may wait (default 900)");
  status->add_option("--crit-ack-age", o->crit_ack_age, "seconds the oldest acknowledgment may wait (default 3600)");
  commands.push_back({status, [o](const std::string& config_path) {
                        auto config = intake::parsers::load_config(config_path);
                        CheckThresholds t = default_thresholds(config.config);
                        if (o->warn_fetch_age >= 0) t.warn_fetch_age_s = o->warn_fetch_age;
                        if (o->crit_fetch_age >= 0) t.crit_fetch_age_s = o->crit_fetch_age;
                        if (o->warn_ack_age >= 0) t.warn_ack_age_s = o->warn_ack_age;
                        if (o->crit_ack_age >= 0) t.crit_ack_age_s = o->crit_ack_age;
                        return cmd_status(config_path, o->json, t);
                      }});
}

void add_quarantine_commands(CLI::App& app, Commands& commands) {
  struct Options {
    bool all = false, json = false;
    std::int64_t id = 0;
  };
  auto o = std::make_shared<Options>();
  auto* quarantine = app.add_subcommand("quarantine", "messages that could not be taken in");
  quarantine->require_subcommand(1);
  auto* list = quarantine->add_subcommand("list", "list held messages");
  list->add_flag("--all", o->all, "released ones too");
  list->add_flag("--json", o->json, "one JSON object per line");
  auto* retry = quarantine->add_subcommand("retry", "take a held message in again (after a fix)");
  retry->add_option("id", o->id, "its number, from quarantine list")->required();
  commands.push_back({list, [o](const std::string& config_path) { return cmd_quarantine_list(config_path, o->all, o->json); }});
  commands.push_back({retry, [o](const std::string& config_path) { return cmd_quarantine_retry(config_path, o->id); }});
}

void add_render_command(CLI::App& app, Commands& commands) {
  struct Options {
    std::string name, reference;
    bool html = false;
  };
  auto o = std::make_shared<Options>();
  auto* render = app.add_subcommand("render", "preview a template for a request (nothing is sent)");
  render->add_option("template", o->name, "acknowledgment, staff_response, resolved_notice, ...")->required();
  render->add_option("--request", o->reference, "REQ-1042")->required();
  render->add_flag("--html", o->html, "the HTML part instead of the text part");
  commands.push_back(
      {render, [o](const std::string& config_path) { return cmd_render(config_path, o->name, o->reference, o->html); }});
}

void add_summary_commands(CLI::App& app, Commands& commands) {
  struct Options {
    std::string to, period = "last-week";
    bool html = false, text = false;
  };
  auto o = std::make_shared<Options>();
  auto* summary = app.add_subcommand("summary", "manager summaries");
  summary->require_subcommand(1);
  auto* preview = summary->add_subcommand("preview", "print a summary without sending it");
  auto* send_now = summary->add_subcommand("send", "send a summary now (queued; intaked sends it)");
  for (auto* sub : {preview, send_now}) {
    sub->add_option("--to", o->to, "the manager's address (their subscription's teams and zone)")->required();
    sub->add_option("--period", o->period,
                    "today, yesterday, this-week, last-week, this-month, last-month or YYYY-MM-DD..YYYY-MM-DD")
        ->capture_default_str();
  }
  preview->add_flag("--html", o->html, "the HTML part");
  preview->add_flag("--text", o->text, "the text part (the default)");
  commands.push_back({preview, [o](const std::string& config_path) {
                        return cmd_summary(config_path, o->to, o->period, o->html && !o->text, false);
                      }});
  commands.push_back(
      {send_now, [o](const std::string& config_path) { return cmd_summary(config_path, o->to, o->period, false, true); }});
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

  // Added in this order, which is the order of --help.
  Commands commands;
  add_setup_commands(app, commands);
  add_request_commands(app, commands);
  add_parse_command(app, commands);
  add_status_command(app, commands);
  add_quarantine_commands(app, commands);
  add_render_command(app, commands);
  add_summary_commands(app, commands);
  auto tally_commands = add_tally_commands(app);  // tally top/show, kudos, import

  CLI11_PARSE(app, argc, argv);
  if (auto rc = run_tally_commands(*tally_commands, config_path)) return *rc;
  for (const auto& command : commands)
    if (*command.sub) return command.run(config_path);
  return 2;
}
