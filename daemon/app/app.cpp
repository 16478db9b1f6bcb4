#include "daemon/app/app.hpp"

#include <atomic>
#include <iostream>

#include "daemon/core/business_calendar.hpp"
#include "daemon/core/local_time.hpp"
#include "daemon/respond/outbox_drain.hpp"
#include "daemon/respond/template_catalog.hpp"
#include "daemon/adapters/imap/curl_imap_source.hpp"
#include "daemon/adapters/smtp/curl_smtp_sender.hpp"
#include "daemon/core/logging.hpp"
#include "daemon/adapters/postgres/migrations.hpp"
#include "daemon/fetch/round_source.hpp"
#include "daemon/adapters/files/secrets.hpp"
#include "daemon/tally/tally_stage.hpp"
#include "daemon/adapters/files/token_source.hpp"
#include "daemon/adapters/archive/mail_archive.hpp"
#include "daemon/adapters/imap/idle_watch.hpp"
#include "daemon/adapters/imap/observed_imap.hpp"
#include "daemon/adapters/metrics/metrics_server.hpp"

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

namespace {

// A password file that cannot be read, a token file that gives no token.
void check_secrets(const parsers::Config& config, std::vector<std::string>& problems) {
  auto secret = [&](const std::string& key, const std::string& file) {
    if (file.empty()) return;
    if (auto r = read_secret_file(file); !r) problems.push_back(key + ": " + r.error().message);
  };
  // Readable now; its content may well be expired, it is re-read at each connect.
  auto token = [&](const std::string& key, const std::string& file) {
    if (file.empty()) return;
    if (auto t = FileTokenSource(file).token(); !t) problems.push_back(key + ": " + t.error().message);
  };
  secret("database.password_file", config.database.password_file);
  secret("smtp.password_file", config.smtp.password_file);
  for (std::size_t i = 0; i < config.mailboxes.size(); ++i) {
    const std::string& name = config.mailboxes[i].name;
    secret(parsers::entry_key("mailbox", i, name, "password_file"), config.mailboxes[i].password_file);
    token(parsers::entry_key("mailbox", i, name, "token_file"), config.mailboxes[i].token_file);
  }
  for (std::size_t i = 0; i < config.observed.size(); ++i) {
    const std::string& name = config.observed[i].name;
    secret(parsers::entry_key("observe", i, name, "password_file"), config.observed[i].password_file);
    token(parsers::entry_key("observe", i, name, "token_file"), config.observed[i].token_file);
  }
}

// Each zone named outside the calendars is in the tz database.
void check_zones(const parsers::Config& config, std::vector<std::string>& problems) {
  auto zone = [&](const std::string& key, const std::string& name) {
    if (auto why = time_zone_error(name); !why.empty()) problems.push_back(key + ": " + why);
  };
  for (std::size_t i = 0; i < config.summaries.size(); ++i)
    zone("summary[" + std::to_string(i) + "].time_zone", config.summaries[i].time_zone);
  zone("requests.time_zone", config.requests.time_zone);
  for (std::size_t i = 0; i < config.employees.size(); ++i)
    if (!config.employees[i].time_zone.empty())
      zone(parsers::entry_key("employee", i, config.employees[i].name, "time_zone"), config.employees[i].time_zone);
}

}  // namespace

std::vector<std::string> check_environment(const parsers::Config& config) {
  std::vector<std::string> problems;
  check_secrets(config, problems);
  if (auto t = TemplateSet::load(config.daemon.templates_dir, required_templates, template_variables()); !t)
    problems.push_back("daemon.templates_dir: " + t.error().message);
  // Calendars: each zone in the tz database, each holidays file read and valid.
  for (const auto& e : ServicePolicy::build(config).errors) problems.push_back(e.line());
  check_zones(config, problems);
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
  if (!config.service_levels.configured)
    warnings.push_back("service_levels: none configured: acknowledgments promise no timeframe; set [service_levels] "
                       "(and a [[calendar]]) to what the teams can keep");
  if (config.trust.authserv_ids.empty())
    warnings.push_back("trust: no authserv_id: staff commands and responses are not authenticated (anyone who writes "
                       "From: a staff address can give them); set [trust] authserv_id to the receiving server's");
  else if (!config.trust.require_authenticated_commands)
    warnings.push_back("trust: require_authenticated_commands = false: staff commands and responses are not authenticated");
  return warnings;
}

ArchiveReader archive_reader() { return read_mail_archive; }

ServiceEdges service_edges() {
  ServiceEdges edges;
  edges.make_waiter = [](const parsers::Config& config, std::function<void()> heartbeat) -> std::unique_ptr<MailWaiter> {
    return std::make_unique<IdleWatch>(config, IdleSettings{}, std::move(heartbeat));
  };
  edges.start_metrics = [](const std::string& host, int port,
                           std::function<std::string()> text) -> Result<std::unique_ptr<MetricsEndpoint>> {
    auto server = MetricsServer::start(host, port, std::move(text));
    if (!server) return server.error();
    return std::unique_ptr<MetricsEndpoint>(std::move(server.value()));
  };
  return edges;
}

Result<std::unique_ptr<TallyStore>> make_tally_store(const parsers::Config& config) {
  auto password = read_secret_file(config.database.password_file);
  if (!password) return fail("database.password_file: " + password.error().message, true);
  return std::unique_ptr<TallyStore>(
      std::make_unique<PqxxTallyStore>(conninfo_with_password(config.database.url, password.value())));
}

Result<Runtime> make_runtime(const parsers::Config& config) {
  auto templates = TemplateSet::load(config.daemon.templates_dir, required_templates, template_variables());
  if (!templates) return templates.error();
  auto db_password = read_secret_file(config.database.password_file);
  if (!db_password) return db_password.error();
  auto service = ServicePolicy::build(config);
  if (!service.ok()) return fail(service.errors.front().line());
  const std::string conninfo = conninfo_with_password(config.database.url, db_password.value());
  Runtime rt{config, std::make_unique<PqxxRecordStore>(conninfo), std::move(templates.value()),
             std::move(service.policy), nullptr, conninfo, {}};
  rt.tallies = std::make_unique<PqxxTallyStore>(conninfo);
  for (int i = 1; i < config.smtp.connections; ++i) rt.lane_stores.push_back(std::make_unique<PqxxRecordStore>(conninfo));
  return rt;
}

void Runtime::set_instance(const std::string& instance_id, std::chrono::milliseconds transaction_idle_limit) {
  store->set_instance(instance_id, transaction_idle_limit);
  for (auto& s : lane_stores) s->set_instance(instance_id, transaction_idle_limit);
}

namespace {

// Tells the service loop about each SMTP step (watchdog heartbeat).
class HeartbeatSender final : public MailSender {
 public:
  HeartbeatSender(MailSender& inner, const std::function<void()>& heartbeat) : inner_(inner), heartbeat_(heartbeat) {}
  Status send(const OutgoingMail& mail) override {
    if (heartbeat_) heartbeat_();
    return inner_.send(mail);
  }

 private:
  MailSender& inner_;
  const std::function<void()>& heartbeat_;
};

constexpr int max_sends_per_cycle = 10000;

}  // namespace

std::vector<std::string> read_config(const std::string& path, parsers::Config& out) {
  std::vector<std::string> lines;
  auto load = parsers::load_config(path);
  if (!load.ok()) {
    for (const auto& e : load.errors) lines.push_back(path + ": " + e.line());
    return lines;
  }
  for (const auto& p : check_environment(load.config)) lines.push_back(path + ": " + p);
  if (lines.empty()) out = std::move(load.config);
  return lines;
}

int latest_schema_version() { return all_migrations().empty() ? 0 : all_migrations().back().version; }

Status check_schema(PqxxRecordStore& store) {
  auto schema = store.schema_version();
  if (!schema) return schema.error();
  if (*schema < latest_schema_version())
    return fail("database schema is at version " + std::to_string(*schema) + ", this intaked needs " +
                    std::to_string(latest_schema_version()) + ": run `intakectl migrate`",
                true);
  return Ok{};
}

namespace {

// One cycle of intaked (run_cycle): the mailboxes this instance holds, then
// the alerts and summaries, then the outbox.
class CycleRun {
 public:
  CycleRun(Runtime& rt, const Clock& clock, const CycleHooks& hooks)
      : rt_(rt), hooks_(hooks), cycle_(rt.config, *rt.store, rt.templates, clock, &rt.service) {
    cycle_.set_tallies(rt.tallies.get());
  }

  CycleTotals run() {
    for (const auto& mailbox : rt_.config.mailboxes) {
      if (stop()) {
        totals_.stopped_early = true;
        break;
      }
      fetch(mailbox);
    }
    auto smtp_password = read_secret_file(rt_.config.smtp.password_file);
    if (!smtp_password) {
      stage_logger("respond")->error("smtp: {}", smtp_password.error().message);
      totals_.any_failure = true;
      return totals_;
    }
    cycle_.queue_summaries();
    // The acknowledgments go out first, so that a due alert queued after them
    // shows the status they leave (acknowledged, not new).
    const bool reached = send(smtp_password.value());
    cycle_.queue_due_alerts();
    if (reached && !totals_.stopped_early) send(smtp_password.value());
    log_sent();
    return totals_;
  }

 private:
  bool stop() const { return hooks_.stop_requested && hooks_.stop_requested(); }

  void fetch(const parsers::MailboxConfig& mailbox) {
    if (hooks_.instances && !hooks_.instances->hold(mailbox.name)) {
      // Another instance fetches it (or the database cannot say who): nothing to do here.
      const bool elsewhere = !hooks_.instances->holder_of(mailbox.name).empty();
      if (elsewhere && hooks_.on_standby) hooks_.on_standby();
      totals_.any_failure = totals_.any_failure || !elsewhere;
      totals_.mailboxes.push_back({mailbox.name, 0, elsewhere, true});
      return;
    }
    auto password = read_secret_file(mailbox.password_file);
    if (!password) {
      stage_logger("fetch")->error("mailbox {}: {}", mailbox.name, password.error().message);
      totals_.any_failure = true;
      totals_.mailboxes.push_back({mailbox.name, 0, false});
      return;
    }
    const auto max_message_bytes = static_cast<std::size_t>(rt_.config.daemon.max_message_bytes);
    CurlImapSource source = mailbox.auth == parsers::ImapAuth::xoauth2
                                ? CurlImapSource(mailbox, make_token_source(mailbox), max_message_bytes)
                                : CurlImapSource(mailbox, password.value(), max_message_bytes);
    RoundSource rounds(source, hooks_.messages_per_round, hooks_.heartbeat, hooks_.on_login);
    MailboxPass pass{mailbox.name, 0, true};
    // Round after round until the folder is done, a round fails, or a stop is asked for.
    while (true) {
      CycleStats s = cycle_.fetch_mailbox(mailbox, rounds);
      pass.fetched += s.fetched;
      pass.ok = !s.fetch_failed;
      add(s);
      if (s.fetch_failed || !rounds.more()) break;
      if (hooks_.instances && !hooks_.instances->holds(mailbox.name)) break;  // lost it (logged by the registry)
      if (stop()) {
        totals_.stopped_early = true;
        stage_logger("fetch")->info("mailbox {}: stopping between messages; the rest waits for the next start",
                                    mailbox.name);
        break;
      }
    }
    totals_.any_failure = totals_.any_failure || !pass.ok;
    totals_.mailboxes.push_back(pass);
  }

  void add(const CycleStats& s) {
    totals_.total.fetched += s.fetched;
    totals_.total.created += s.created;
    totals_.total.joined += s.joined;
    totals_.total.observed += s.observed;
    totals_.total.duplicates += s.duplicates;
    totals_.total.quarantined += s.quarantined;
  }

  // False: the server could not be reached (the rest wait, logged once).
  // smtp.connections lanes, each with its SMTP connection and its database
  // connection; the first on this thread, where the watchdog's heartbeat is.
  bool send(const std::string& smtp_password) {
    if (stop()) {
      totals_.stopped_early = true;
      return true;
    }
    std::vector<std::unique_ptr<CurlSmtpSender>> smtp;
    std::vector<SendLane> lanes;
    for (std::size_t i = 0; i <= rt_.lane_stores.size(); ++i) {
      smtp.push_back(std::make_unique<CurlSmtpSender>(rt_.config.smtp, smtp_password, make_token_source(rt_.config.smtp)));
      lanes.push_back({i == 0 ? static_cast<OutboxStore*>(rt_.store.get()) : rt_.lane_stores[i - 1].get(), smtp.back().get()});
    }
    HeartbeatSender first(*smtp.front(), hooks_.heartbeat);
    lanes.front().sender = &first;
    // A stop request is seen between any two sends, on every lane.
    std::atomic<bool> stopped{false};
    const auto stop_seen = [&] {
      const bool s = stop();
      if (s) stopped = true;
      return s;
    };
    const auto waiting = [&] {
      if (hooks_.heartbeat) hooks_.heartbeat();
    };
    const CycleStats sent = drain_outbox(lanes, rt_.config, max_sends_per_cycle, stop_seen, waiting);
    totals_.stopped_early = totals_.stopped_early || stopped;
    totals_.total.mails_sent += sent.mails_sent;
    totals_.total.mails_failed += sent.mails_failed;
    totals_.total.mails.add(sent.mails);
    send_times_.add(sent.stages);
    if (sent.send_failed || !sent.error.empty()) {  // the server is unreachable: the rest wait (logged once)
      totals_.any_failure = true;
      return false;
    }
    return true;
  }

  void log_sent() const {
    const StageTimes& send_times = send_times_;
    if (totals_.total.mails_sent + totals_.total.mails_failed > 0)
      stage_logger("respond")->info(
          "outbox: {}; send time (wall/cpu): {:.1f}/{:.1f} ms; outbox database time (wall/cpu): {:.1f}/{:.1f} ms",
          totals_.total.mails.line(), send_times.wall_ms[static_cast<std::size_t>(Stage::send)],
          send_times.cpu_ms[static_cast<std::size_t>(Stage::send)], send_times.wall_ms[static_cast<std::size_t>(Stage::store)],
          send_times.cpu_ms[static_cast<std::size_t>(Stage::store)]);
  }

  Runtime& rt_;
  const CycleHooks& hooks_;
  IntakeCycle cycle_;
  CycleTotals totals_;
  StageTimes send_times_;
};

}  // namespace

CycleTotals run_cycle(Runtime& rt, const Clock& clock, const CycleHooks& hooks) { return CycleRun(rt, clock, hooks).run(); }

std::set<std::string> wanted_leases(const parsers::Config& config) {
  std::set<std::string> leases{tallies_lease};
  for (const auto& m : config.mailboxes) leases.insert(m.name);
  return leases;
}

void run_tally_cycle(Runtime& rt, const Clock& clock, InstanceRegistry* instances) {
  if (instances && !instances->hold(tallies_lease)) return;  // another instance keeps the tallies
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

FlushResult flush_outbox(Runtime& rt, const Clock& clock, std::chrono::steady_clock::time_point deadline,
                         const std::function<void()>& heartbeat) {
  FlushResult result;
  auto smtp_password = read_secret_file(rt.config.smtp.password_file);
  if (!smtp_password) {
    stage_logger("respond")->error("smtp: {}", smtp_password.error().message);
    return result;
  }
  IntakeCycle cycle(rt.config, *rt.store, rt.templates, clock, &rt.service);
  CurlSmtpSender smtp(rt.config.smtp, smtp_password.value(), make_token_source(rt.config.smtp));
  HeartbeatSender sender(smtp, heartbeat);
  while (clock.monotonic() < deadline) {
    CycleStats sent = cycle.drain_outbox(sender, 1);
    result.sent += sent.mails_sent;
    result.failed += sent.mails_failed;
    if (sent.mails_sent + sent.mails_failed == 0) {
      result.finished = sent.error.empty();
      break;
    }
  }
  return result;
}

}  // namespace intake::daemon
