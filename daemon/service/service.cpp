#include "daemon/service/service.hpp"
#include "parsers/common/time_text.hpp"

#include <csignal>
#include <ctime>
#include <thread>

namespace intake::daemon {

namespace {

ServiceSignals* installed = nullptr;

extern "C" void on_stop_signal(int) {
  if (installed) installed->stop.store(true);
}
extern "C" void on_reload_signal(int) {
  if (installed) installed->reload.store(true);
}

double unix_seconds(const Clock& clock) {
  return std::chrono::duration<double>(clock.now().time_since_epoch()).count();
}

std::string utc_time(const Clock& clock) {
  return parsers::iso_utc(std::chrono::time_point_cast<std::chrono::seconds>(clock.now()));
}

}  // namespace

void install_signal_handlers(ServiceSignals& signals) {
  installed = &signals;
  struct sigaction stop {};
  stop.sa_handler = on_stop_signal;
  sigemptyset(&stop.sa_mask);
  sigaction(SIGTERM, &stop, nullptr);
  sigaction(SIGINT, &stop, nullptr);
  struct sigaction reload {};
  reload.sa_handler = on_reload_signal;
  sigemptyset(&reload.sa_mask);
  sigaction(SIGHUP, &reload, nullptr);
  (void)std::signal(SIGPIPE, SIG_IGN);
}

Service::Service(ServiceSettings settings, Runtime runtime, ServiceEdges edges, ServiceNotifier& notifier, const Clock& clock,
                 ServiceSignals& signals)
    : settings_(std::move(settings)),
      runtime_(std::make_unique<Runtime>(std::move(runtime))),
      edges_(std::move(edges)),
      notifier_(notifier),
      clock_(clock),
      signals_(signals),
      metrics_(version_string),
      log_(stage_logger("service")) {
  const auto& daemon = runtime_->config.daemon;
  registry_ = std::make_unique<InstanceRegistry>(runtime_->database_conninfo,
                                                 this_process(daemon.node_name, version_string), daemon.failover_s);
  registry_->want(wanted_leases(runtime_->config));
  runtime_->set_instance(registry_->id(), registry_->transaction_idle_limit());
}

Service::~Service() = default;

void Service::heartbeat() {
  registry_->beat();  // at most every failover_s / 4 it asks the database
  const auto interval = notifier_.watchdog_interval();
  if (interval.count() == 0) return;
  const auto now = clock_.monotonic();
  // Four pings per interval: one late step does not trip the watchdog.
  if (now - last_ping_ >= interval / 4) {
    notifier_.watchdog();
    last_ping_ = now;
  }
}

void Service::logged_in() {
  if (ready_) return;
  ready_ = true;
  // Config, database (the cycle read the mailbox state first) and an IMAP login all worked.
  notifier_.ready("running: first IMAP login succeeded, first cycle in progress");
  log_->info("ready: config, database and IMAP login checked");
}

void Service::standing_by() {
  if (ready_) return;
  ready_ = true;
  // Config and database checked; the mailboxes are another instance's for now.
  notifier_.ready("standing by: the mailboxes are fetched by other instances; this one sends and takes over");
  log_->info("ready: config and database checked; standing by for the mailboxes held by other instances");
}

void Service::warn_about_watchdog() const {
  const auto interval_s = std::chrono::duration_cast<std::chrono::seconds>(notifier_.watchdog_interval()).count();
  if (interval_s == 0) return;
  // Every IMAP or SMTP step pings; a single step may take its whole timeout.
  const auto& cfg = runtime_->config;
  for (const auto& m : cfg.mailboxes)
    if (2L * m.timeout_s > interval_s)
      log_->warn("mailbox {}: timeout_s = {} is more than half of the watchdog interval ({} s): a slow server may "
                 "get intaked restarted; raise WatchdogSec= or lower timeout_s",
                 m.name, m.timeout_s, interval_s);
  if (2L * cfg.smtp.timeout_s > interval_s)
    log_->warn("smtp: timeout_s = {} is more than half of the watchdog interval ({} s)", cfg.smtp.timeout_s, interval_s);
}

void Service::start_metrics() {
  const std::string& want = runtime_->config.daemon.metrics_listen;
  if (want == metrics_listen_ && (metrics_server_ || want.empty())) return;
  metrics_server_.reset();
  metrics_listen_.clear();
  if (want.empty()) return;
  std::string host;
  int port = 0;
  if (!parsers::split_host_port(want, host, port)) return;  // the config check refused it already
  auto server = edges_.start_metrics(host, port, [this] { return metrics_.render(); });
  if (!server) {
    log_->error("daemon.metrics_listen: {}; no metrics endpoint", server.error().message);
    return;
  }
  metrics_server_ = std::move(server.value());
  metrics_listen_ = want;
  log_->info("metrics on http://{}/metrics", want);
}

void Service::after_cycle(const CycleTotals& totals, double seconds, long long next_pause_s) {
  const auto& s = totals.total;
  const double now = unix_seconds(clock_);
  for (const auto& pass : totals.mailboxes)
    if (!pass.standby) metrics_.add_fetch(pass.mailbox, pass.fetched, pass.ok, now);
  metrics_.add_cycle(s.created, s.mails_sent, s.mails_failed, seconds);
  std::string backlog;
  if (auto h = runtime_->store->health(); h) {
    metrics_.set_backlog(h->outbox_pending + h->outbox_sending, h->quarantine_held);
    backlog = "; outbox " + std::to_string(h->outbox_pending + h->outbox_sending) + ", quarantine " +
              std::to_string(h->quarantine_held);
  }
  last_status_ = "last cycle " + utc_time(clock_) + ": fetched " + std::to_string(s.fetched) + ", created " +
                 std::to_string(s.created) + ", joined " + std::to_string(s.joined) + ", quarantined " +
                 std::to_string(s.quarantined) + ", sent " + std::to_string(s.mails_sent) + ", send failures " +
                 std::to_string(s.mails_failed) + (totals.any_failure ? ", with failures" : "") + backlog +
                 "; next in " + std::to_string(next_pause_s) + " s" +
                 (idle_ && idle_->any_idling() && !totals.any_failure ? " or when mail arrives (IDLE)" : "");
  notifier_.status(last_status_);
}

bool Service::reload() {
  signals_.reload.store(false);
  notifier_.reloading();
  log_->info("SIGHUP: reloading {}", settings_.config_path);
  parsers::Config config;
  auto problems = read_config(settings_.config_path, config);
  std::optional<Runtime> fresh;
  if (problems.empty()) {
    if (auto rt = make_runtime(config); !rt) {
      problems.push_back(rt.error().message);
    } else if (auto schema = check_schema(*rt->store); !schema) {
      problems.push_back("database: " + schema.error().message);
    } else {
      fresh.emplace(std::move(rt.value()));
    }
  }
  if (!fresh) {
    for (const auto& p : problems) log_->error("reload refused: {}", p);
    log_->error("reload refused: {} problem(s); still running with the configuration loaded before", problems.size());
    metrics_.add_reload(false);
    after_reload("reload refused (see the log); running with the previous configuration. " + last_status_);
    return false;
  }
  runtime_ = std::make_unique<Runtime>(std::move(*fresh));
  // node_name and failover_s stay as they were at start: they name this instance.
  registry_->want(wanted_leases(runtime_->config));
  runtime_->set_instance(registry_->id(), registry_->transaction_idle_limit());
  setup_logging(runtime_->config.daemon.log_level, choose_log_target(runtime_->config.daemon.log_target));
  for (const auto& w : security_warnings(runtime_->config)) log_->warn("{}", w);
  start_metrics();
  warn_about_watchdog();
  start_idle();
  metrics_.add_reload(true);
  log_->info("reloaded {}: {} mailbox(es), poll every {} s", settings_.config_path, runtime_->config.mailboxes.size(),
             runtime_->config.daemon.poll_interval_s);
  after_reload("configuration reloaded. " + last_status_);
  return true;
}

void Service::after_reload(const std::string& status) {
  // READY=1 ends the reload; before the first login it would also claim a
  // readiness not yet earned, so then only the status changes.
  if (ready_) notifier_.ready(status);
  else notifier_.status(status);
}

void Service::start_idle() {
  idle_.reset();  // the old connections go first: a reload may point elsewhere
  if (runtime_->config.daemon.idle) idle_ = edges_.make_waiter(runtime_->config, [this] { heartbeat(); });
}

void Service::pause(std::chrono::steady_clock::time_point until, bool watch) {
  if (watch && idle_) {
    // A mailbox that became this instance's ends the wait too: fetch it now.
    (void)idle_->wait(until, [this] { return signals_.stop.load() || signals_.reload.load() || registry_->take_gained(); });
    return;
  }
  while (clock_.monotonic() < until && !signals_.stop.load() && !signals_.reload.load()) {
    heartbeat();
    if (registry_->take_gained()) return;  // a mailbox became this instance's: fetch it now
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

int Service::shut_down() {
  const int flush_s = runtime_->config.daemon.shutdown_flush_s;
  notifier_.stopping("stopping: flushing the outbox (at most " + std::to_string(flush_s) + " s)");
  log_->info("stopping on signal: flushing the outbox for at most {} s", flush_s);
  const auto deadline = clock_.monotonic() + std::chrono::seconds(flush_s);
  FlushResult flushed = flush_outbox(*runtime_, clock_, deadline, [this] { heartbeat(); });
  log_->info("intaked stopped: outbox {} ({} sent, {} failed)",
             flushed.finished ? "flushed" : "not empty, the rest goes out at the next start", flushed.sent,
             flushed.failed);
  idle_.reset();
  registry_->stop("stopped on SIGTERM");
  metrics_server_.reset();
  return 0;
}

int Service::run() {
  const auto& cfg = runtime_->config;
  log_->info("intaked {} started: {} mailbox(es), poll every {} s{}", version_string, cfg.mailboxes.size(),
             cfg.daemon.poll_interval_s, settings_.once ? ", one cycle" : "");
  if (!settings_.once) {
    start_metrics();
    warn_about_watchdog();
    start_idle();
  }
  CycleHooks hooks;
  hooks.heartbeat = [this] { heartbeat(); };
  hooks.on_login = [this] { logged_in(); };
  hooks.stop_requested = [this] { return signals_.stop.load(); };
  hooks.messages_per_round = settings_.once ? 0 : settings_.messages_per_round;
  hooks.instances = registry_.get();
  hooks.on_standby = [this] { standing_by(); };
  int failed_cycles = 0;  // in a row: the pause doubles with each, up to max_backoff_s
  while (true) {
    // Armed before the cycle looks at the folder: mail that lands after that
    // look is announced on this connection and wakes the pause below.
    if (idle_) idle_->arm();
    const auto t0 = clock_.monotonic();
    CycleTotals totals = run_cycle(*runtime_, clock_, hooks);
    if (!signals_.stop.load()) run_tally_cycle(*runtime_, clock_, registry_.get());
    registry_->take_gained();  // what the cycle took it has worked on: only a lease gained while waiting cuts the wait
    const auto seconds = std::chrono::duration<double>(clock_.monotonic() - t0).count();
    const auto& s = totals.total;
    log_->info("cycle done in {} ms: fetched {}, created {}, joined {}, observed {}, duplicates {}, quarantined {}; mail {}",
               static_cast<long long>(seconds * 1000), s.fetched, s.created, s.joined, s.observed, s.duplicates,
               s.quarantined, s.mails.line());
    if (settings_.once) {
      registry_->stop("--once: one cycle done");
      return totals.any_failure ? 1 : 0;
    }
    failed_cycles = totals.any_failure ? failed_cycles + 1 : 0;
    const long long pause_s = pause_after(failed_cycles);
    after_cycle(totals, seconds, pause_s);
    const auto next_cycle = clock_.monotonic() + std::chrono::seconds(pause_s);
    // After failures the backoff holds: new mail must not hammer a broken setup.
    if (stopped_while_waiting(next_cycle, failed_cycles == 0)) return shut_down();
  }
}

long long Service::pause_after(int failed_cycles) const {
  const auto& daemon = runtime_->config.daemon;
  if (failed_cycles == 0) return daemon.poll_interval_s;
  const long long pause_s = std::min<long long>(daemon.max_backoff_s,
                                                static_cast<long long>(daemon.poll_interval_s) << std::min(failed_cycles, 16));
  log_->warn("cycle had failures ({} in a row): next attempt in {} s", failed_cycles, pause_s);
  return pause_s;
}

bool Service::stopped_while_waiting(std::chrono::steady_clock::time_point next_cycle, bool watch) {
  while (true) {
    pause(next_cycle, watch);
    if (signals_.stop.load()) return true;
    if (!signals_.reload.load()) return false;
    // An accepted config takes effect at once with a cycle; after a refused
    // one the old config waits out its pause.
    if (reload()) return false;
  }
}

}  // namespace intake::daemon
