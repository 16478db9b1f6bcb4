#include "app.hpp"

#include <iostream>

#include "business_calendar.hpp"
#include "local_time.hpp"
#include "template_catalog.hpp"
#include "curl_imap_source.hpp"
#include "curl_smtp_sender.hpp"
#include "logging.hpp"
#include "secrets.hpp"
#include "tally_stage.hpp"
#include "token_source.hpp"

namespace intake::daemon {

namespace {
const std::vector<std::string> required_templates = required_template_names();
}  // namespace

std::optional<parsers::Config> load_config_or_report(const std::string& path) {
  auto load = parsers::load_config(path);
  if (!load.ok()) {
    for (const auto& e : load.errors) std::cerr << path << ": " << e.line() << "\n";
    return std::nullopt;
  }
  return load.config;
}

std::vector<std::string> check_environment(const parsers::Config& config) {
  std::vector<std::string> problems;
  auto secret = [&](const std::string& key, const std::string& file) {
    if (file.empty()) return;
    if (auto r = read_secret_file(file); !r) problems.push_back(key + ": " + r.error().message);
  };
  secret("database.password_file", config.database.password_file);
  secret("smtp.password_file", config.smtp.password_file);
  for (std::size_t i = 0; i < config.mailboxes.size(); ++i) {
    secret("mailbox[" + std::to_string(i) + "].password_file", config.mailboxes[i].password_file);
    // Readable now; its content may well be expired, it is re-read at each connect.
    if (const auto& file = config.mailboxes[i].token_file; !file.empty())
      if (auto t = FileTokenSource(file).token(); !t)
        problems.push_back("mailbox[" + std::to_string(i) + "].token_file: " + t.error().message);
  }
  for (std::size_t i = 0; i < config.observed.size(); ++i) {
    secret("observe[" + std::to_string(i) + "].password_file", config.observed[i].password_file);
    if (const auto& file = config.observed[i].token_file; !file.empty())
      if (auto t = FileTokenSource(file).token(); !t)
        problems.push_back("observe[" + std::to_string(i) + "].token_file: " + t.error().message);
  }
  if (auto t = TemplateSet::load(config.daemon.templates_dir, required_templates, template_variables()); !t)
    problems.push_back("daemon.templates_dir: " + t.error().message);
  // Calendars: each zone in the tz database, each holidays file read and valid.
  for (const auto& e : ServicePolicy::build(config).errors) problems.push_back(e.line());
  for (std::size_t i = 0; i < config.summaries.size(); ++i)
    if (auto why = time_zone_error(config.summaries[i].time_zone); !why.empty())
      problems.push_back("summary[" + std::to_string(i) + "].time_zone: " + why);
  if (auto why = time_zone_error(config.requests.time_zone); !why.empty()) problems.push_back("requests.time_zone: " + why);
  for (std::size_t i = 0; i < config.employees.size(); ++i)
    if (!config.employees[i].time_zone.empty())
      if (auto why = time_zone_error(config.employees[i].time_zone); !why.empty())
        problems.push_back("employee[" + std::to_string(i) + "].time_zone: " + why);
  return problems;
}

std::vector<std::string> security_warnings(const parsers::Config& config) {
  std::vector<std::string> warnings;
  for (const auto& o : config.observed)
    if (!o.verify_tls && o.security != parsers::Security::plain)
      warnings.push_back("observe " + o.name + ": verify_tls = false: the certificate of " + o.host + ":" +
                         std::to_string(o.port) + " is not checked; anyone in between can read the mail and the login");
  for (const auto& m : config.mailboxes)
    if (!m.verify_tls && m.security != parsers::Security::plain)
      warnings.push_back("mailbox " + m.name + ": verify_tls = false: the certificate of " + m.host + ":" +
                         std::to_string(m.port) + " is not checked; anyone in between can read the mail and the login");
  if (!config.smtp.verify_tls && config.smtp.security != parsers::Security::plain)
    warnings.push_back("smtp: verify_tls = false: the certificate of " + config.smtp.host + ":" +
                       std::to_string(config.smtp.port) + " is not checked");
  return warnings;
}

Result<Runtime> make_runtime(const parsers::Config& config) {
  auto templates = TemplateSet::load(config.daemon.templates_dir, required_templates, template_variables());
  if (!templates) return templates.error();
  auto db_password = read_secret_file(config.database.password_file);
  if (!db_password) return db_password.error();
  auto service = ServicePolicy::build(config);
  if (!service.ok()) return fail(service.errors.front().line());
  Runtime rt{config, std::make_unique<PqxxRecordStore>(conninfo_with_password(config.database.url, db_password.value())),
             std::move(templates.value()), std::move(service.policy), nullptr};
  rt.store->set_flood_limit({config.daemon.auto_reply_limit, config.daemon.auto_reply_window_s});
  rt.tallies = std::make_unique<PqxxTallyStore>(conninfo_with_password(config.database.url, db_password.value()));
  return rt;
}

CycleTotals run_cycle(Runtime& rt, const Clock& clock) {
  CycleTotals totals;
  IntakeCycle cycle(rt.config, *rt.store, rt.templates, clock, &rt.service);
  cycle.set_tallies(rt.tallies.get());
  for (const auto& mailbox : rt.config.mailboxes) {
    auto password = read_secret_file(mailbox.password_file);
    if (!password) {
      stage_logger("fetch")->error("mailbox {}: {}", mailbox.name, password.error().message);
      totals.any_failure = true;
      continue;
    }
    const auto max_message_bytes = static_cast<std::size_t>(rt.config.daemon.max_message_bytes);
    CurlImapSource source = mailbox.auth == parsers::ImapAuth::xoauth2
                                ? CurlImapSource(mailbox, make_token_source(mailbox), max_message_bytes)
                                : CurlImapSource(mailbox, password.value(), max_message_bytes);
    CycleStats s = cycle.fetch_mailbox(mailbox, source);
    totals.any_failure = totals.any_failure || s.fetch_failed;
    totals.total.fetched += s.fetched;
    totals.total.created += s.created;
    totals.total.joined += s.joined;
    totals.total.observed += s.observed;
    totals.total.duplicates += s.duplicates;
    totals.total.quarantined += s.quarantined;
  }
  auto smtp_password = read_secret_file(rt.config.smtp.password_file);
  if (!smtp_password) {
    stage_logger("respond")->error("smtp: {}", smtp_password.error().message);
    totals.any_failure = true;
    return totals;
  }
  cycle.queue_due_alerts();
  cycle.queue_summaries();
  CurlSmtpSender sender(rt.config.smtp, smtp_password.value());
  CycleStats sent = cycle.drain_outbox(sender, 10000);
  totals.total.acks_sent = sent.acks_sent;
  totals.total.acks_failed = sent.acks_failed;
  totals.any_failure = totals.any_failure || sent.send_failed || !sent.error.empty();
  return totals;
}

void run_tally_cycle(Runtime& rt, const Clock& clock) {
  auto log = stage_logger("tally");
  TallyStage stage(rt.config, *rt.tallies, clock);
  if (auto r = stage.prepare(); !r) {
    log->error("tallies: {}", r.error().message);
    return;
  }
  if (auto r = stage.catch_up(5000); !r) log->error("tallies: {}", r.error().message);
  for (const auto& mailbox : rt.config.observed) {
    auto password = read_secret_file(mailbox.password_file);
    if (!password) {
      log->error("observe {}: {}", mailbox.name, password.error().message);
      continue;
    }
    CurlReadOnlyImap source = mailbox.auth == parsers::ImapAuth::xoauth2
                                  ? CurlReadOnlyImap(mailbox, make_token_source(mailbox))
                                  : CurlReadOnlyImap(mailbox, password.value());
    if (auto r = stage.observe(mailbox, source); !r) log->error("observe {}: {}", mailbox.name, r.error().message);
  }
}

}  // namespace intake::daemon
