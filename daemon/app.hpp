// Wiring shared by the two executables: config loading with exit 78, the
// store, the templates, and one full cycle over every mailbox.
#pragma once

#include <memory>
#include <string>

#include "config.hpp"
#include "intake_cycle.hpp"
#include "business_calendar.hpp"
#include "pqxx_record_store.hpp"
#include "tally_store.hpp"
#include "templates.hpp"

namespace intake::daemon {

constexpr int exit_config = 78;  // EX_CONFIG (sysexits.h)
constexpr const char* version_string = "0.1.0";

// Prints one line per problem to stderr; nullopt when the config is unusable.
std::optional<parsers::Config> load_config_or_report(const std::string& path);
// Config problems that need the filesystem: password files, templates,
// calendar time zones (tz database) and holidays files.
std::vector<std::string> check_environment(const parsers::Config& config);
// Settings that work but weaken security (verify_tls = false), one line each
// naming the mailbox: intaked logs them as warnings, check-config prints them.
std::vector<std::string> security_warnings(const parsers::Config& config);

struct Runtime {
  parsers::Config config;
  std::unique_ptr<PqxxRecordStore> store;
  TemplateSet templates;
  ServicePolicy service;  // calendars and service levels, zones and holidays loaded
  std::unique_ptr<PqxxTallyStore> tallies;  // reply tallies (own connection)
};

Result<Runtime> make_runtime(const parsers::Config& config);

struct CycleTotals {
  CycleStats total;
  bool any_failure = false;
};
CycleTotals run_cycle(Runtime& runtime, const Clock& clock);
// After the intake cycle: stored messages into the reply tallies, then each
// observed mailbox. Failures are logged, never a failed cycle: the tallies
// must not slow intake down with backoff.
void run_tally_cycle(Runtime& runtime, const Clock& clock);

}  // namespace intake::daemon
