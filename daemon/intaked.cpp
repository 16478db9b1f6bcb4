// intaked: wires config, logging, store and the service loop together; the
// loop (service.cpp) runs the cycle every poll interval until SIGTERM (or
// once, with --once) and talks to systemd.
#include <CLI/CLI.hpp>

#include <iostream>

#include <malloc.h>

#include "daemon/app/app.hpp"
#include "daemon/adapters/curl/curl_handle.hpp"
#include "daemon/core/logging.hpp"
#include "daemon/service/service.hpp"
#include "daemon/adapters/systemd/service_notifier.hpp"

// An exception reaching main is a bug; std::terminate (abort, core,
// a restart by systemd) is the intended end for it (STYLE.md: "this should never happen" terminates).
// NOLINTNEXTLINE(bugprone-exception-escape)
int main(int argc, char** argv) {
  using namespace intake::daemon;
  // One malloc arena for every thread: a mailbox pass's fetcher hands big
  // messages to its committer (fetch/intake_cycle.cpp), and a second arena
  // keeps the pages one thread freed away from the other (a 24 MB message
  // peaked 16 MB higher). The threads are few and seldom allocate at once.
  mallopt(M_ARENA_MAX, 1);  // NOLINT(concurrency-mt-unsafe): before any thread starts
  CLI::App app{"intaked: turns mail to shared addresses into tracked requests"};
  std::string config_path = "/etc/intake/intake.toml";
  bool once = false;
  app.add_option("-c,--config", config_path, "config file")->capture_default_str();
  app.add_flag("--once", once, "run one full cycle and exit");
  app.set_version_flag("--version", std::string("intaked ") + version_string);
  CLI11_PARSE(app, argc, argv);

  // Signals first: a SIGHUP or SIGTERM during start-up is kept for the loop.
  ServiceSignals signals;
  install_signal_handlers(signals);
  intake::parsers::Config config;
  if (auto problems = read_config(config_path, config); !problems.empty()) {
    for (const auto& p : problems) std::cerr << p << "\n";
    return exit_config;
  }
  set_journal_writer(systemd_journal_writer());
  setup_logging(config.daemon.log_level, choose_log_target(config.daemon.log_target));
  curl_global_setup();
  auto log = stage_logger("main");
  for (const auto& w : security_warnings(config)) log->warn("{}", w);

  auto runtime = make_runtime(config);
  if (!runtime) {
    log->critical("{}", runtime.error().message);
    return exit_config;
  }
  // An old schema stops intaked; a database that does not answer yet does not
  // (the cycle retries it, and systemd hears READY only once it answers).
  if (auto schema = check_schema(*runtime->store); !schema && schema.error().permanent()) {
    log->critical("{}", schema.error().message);
    return 1;
  }
  SystemdNotifier notifier;
  SystemClock clock;
  Service service({config_path, once}, std::move(runtime.value()), service_edges(), notifier, clock, signals);
  return service.run();
}
