// intaked: wires config, store, mailboxes and sender, then runs the cycle
// every poll interval until SIGTERM (or once, with --once).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <thread>

#include "app.hpp"
#include "curl_handle.hpp"
#include "logging.hpp"
#include "migrations.hpp"

namespace {
volatile std::sig_atomic_t stop_requested = 0;
extern "C" void on_stop(int) { stop_requested = 1; }
}  // namespace

int main(int argc, char** argv) {
  using namespace intake::daemon;
  CLI::App app{"intaked: turns mail to shared addresses into tracked requests"};
  std::string config_path = "/etc/intake/intake.toml";
  bool once = false;
  app.add_option("-c,--config", config_path, "config file")->capture_default_str();
  app.add_flag("--once", once, "run one full cycle and exit");
  app.set_version_flag("--version", std::string("intaked ") + version_string);
  CLI11_PARSE(app, argc, argv);

  auto config = load_config_or_report(config_path);
  if (!config) return exit_config;
  if (auto problems = check_environment(*config); !problems.empty()) {
    for (const auto& p : problems) std::cerr << config_path << ": " << p << "\n";
    return exit_config;
  }
  setup_logging(config->daemon.log_level);
  curl_global_setup();
  auto log = stage_logger("main");
  for (const auto& w : security_warnings(*config)) log->warn("{}", w);

  auto runtime = make_runtime(*config);
  if (!runtime) {
    log->critical("{}", runtime.error().message);
    return exit_config;
  }
  const int latest = all_migrations().empty() ? 0 : all_migrations().back().version;
  auto schema = runtime->store->schema_version();
  if (schema && *schema < latest) {
    log->critical("database schema is at version {}, this intaked needs {}: run `intakectl migrate`", *schema, latest);
    return 1;
  }

  std::signal(SIGTERM, on_stop);
  std::signal(SIGINT, on_stop);
  SystemClock clock;
  log->info("intaked {} started: {} mailbox(es), poll every {} s{}", version_string, config->mailboxes.size(),
            config->daemon.poll_interval_s, once ? ", one cycle" : "");
  int failed_cycles = 0;  // in a row: the pause doubles with each, up to max_backoff_s
  while (true) {
    auto t0 = std::chrono::steady_clock::now();
    CycleTotals totals = run_cycle(*runtime, clock);
    run_tally_cycle(*runtime, clock);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    const auto& s = totals.total;
    log->info("cycle done in {} ms: fetched {}, created {}, joined {}, observed {}, duplicates {}, quarantined {}, "
              "acknowledgments sent {}, failed {}",
              ms, s.fetched, s.created, s.joined, s.observed, s.duplicates, s.quarantined, s.acks_sent, s.acks_failed);
    if (once) return totals.any_failure ? 1 : 0;
    failed_cycles = totals.any_failure ? failed_cycles + 1 : 0;
    long long pause_s = config->daemon.poll_interval_s;
    if (failed_cycles > 0) {
      pause_s = std::min<long long>(config->daemon.max_backoff_s,
                                    static_cast<long long>(config->daemon.poll_interval_s) << std::min(failed_cycles, 16));
      log->warn("cycle had failures ({} in a row): next attempt in {} s", failed_cycles, pause_s);
    }
    for (long long i = 0; i < pause_s * 10 && !stop_requested; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (stop_requested) break;
  }
  log->info("intaked stopping on signal");
  return 0;
}
