// intakectl: the admin CLI. Each subcommand is a few lines over the libraries.
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

#include "app.hpp"
#include "email_json.hpp"
#include "mime_parser.hpp"

namespace {

using namespace intake::daemon;

int cmd_check_config(const std::string& path) {
  auto config = load_config_or_report(path);
  if (!config) return exit_config;
  auto problems = check_environment(*config);
  for (const auto& p : problems) std::cerr << path << ": " << p << "\n";
  if (!problems.empty()) return exit_config;
  std::cout << path << ": OK (" << config->mailboxes.size() << " mailbox(es))\n";
  return 0;
}

int cmd_migrate(const std::string& path) {
  auto config = load_config_or_report(path);
  if (!config) return exit_config;
  auto rt = make_runtime(*config);
  if (!rt) {
    std::cerr << rt.error().message << "\n";
    return exit_config;
  }
  auto v = rt->store->migrate();
  if (!v) {
    std::cerr << v.error().message << "\n";
    return 1;
  }
  std::cout << "schema at version " << *v << "\n";
  return 0;
}

int cmd_requests_list(const std::string& path, const std::string& status, bool json) {
  auto config = load_config_or_report(path);
  if (!config) return exit_config;
  auto rt = make_runtime(*config);
  if (!rt) {
    std::cerr << rt.error().message << "\n";
    return exit_config;
  }
  auto rows = rt->store->list_requests(status);
  if (!rows) {
    std::cerr << rows.error().message << "\n";
    return 1;
  }
  for (const auto& r : *rows) {
    if (json) {
      nlohmann::json j = {{"reference", r.reference}, {"requester", r.requester},   {"requester_name", r.requester_name},
                          {"subject", r.subject},     {"category", r.category},     {"priority", r.priority},
                          {"status", r.status},       {"owner", r.owner.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.owner)},
                          {"created_at", r.created_at},
                          {"acknowledged_at", r.acknowledged_at.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.acknowledged_at)}};
      std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    } else {
      std::cout << r.reference << "  " << r.status << "  " << r.category << "/" << r.priority << "  " << r.requester
                << "  " << r.subject << "\n";
    }
  }
  if (!json) std::cout << rows->size() << " request(s)\n";
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
  std::string status;
  bool json = false;
  list->add_option("--status", status, "only this status");
  list->add_flag("--json", json, "one JSON object per line");
  auto* parse = app.add_subcommand("parse", "parse message files (no config or database needed)");
  std::vector<std::string> files;
  bool parse_json = false;
  parse->add_option("files", files, "RFC 5322 message files")->required();
  parse->add_flag("--json", parse_json, "one JSON object per message");

  CLI11_PARSE(app, argc, argv);
  if (*check) return cmd_check_config(config_path);
  if (*migrate) return cmd_migrate(config_path);
  if (*list) return cmd_requests_list(config_path, status, json);
  if (*parse) return cmd_parse(files, parse_json);
  return 2;
}
