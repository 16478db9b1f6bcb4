// Wiring shared by the two executables: config loading with exit 78, the
// store, the templates, and one full cycle over every mailbox.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include "parsers/config/config.hpp"
#include "daemon/fetch/intake_cycle.hpp"
#include "daemon/core/business_calendar.hpp"
#include "daemon/adapters/postgres/instance_registry.hpp"
#include "daemon/adapters/postgres/pqxx_record_store.hpp"
#include "daemon/adapters/postgres/pqxx_tally_store.hpp"
#include "daemon/tally/tally_store.hpp"
#include "daemon/respond/templates.hpp"
#include "daemon/core/observed_mailbox.hpp"
#include "daemon/core/wake_ups.hpp"

namespace intake::daemon {

constexpr int exit_config = 78;  // EX_CONFIG (sysexits.h)
constexpr const char* version_string = INTAKE_VERSION;  // the project() version in CMakeLists.txt

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
  std::string database_conninfo;            // with the password: for the instance registry's own connection
  // The database connections of the sending lanes after the first (which
  // uses `store`): smtp.connections - 1 of them, each used by one thread.
  std::vector<std::unique_ptr<PqxxRecordStore>> lane_stores;
  // The instance every store works for (PqxxRecordStore::set_instance).
  void set_instance(const std::string& instance_id, std::chrono::milliseconds transaction_idle_limit);
};

Result<Runtime> make_runtime(const parsers::Config& config);
// The service's IMAP IDLE and metrics endpoint, over their adapters.
ServiceEdges service_edges();
// mbox and Maildir archives for `intakectl import`, over GMime's adapter.
ArchiveReader archive_reader();
// The tally store alone (intakectl tally): an error names the key
// ("database.password_file: ...").
Result<std::unique_ptr<TallyStore>> make_tally_store(const parsers::Config& config);

// Reads and checks the config at `path` (the file, password files, templates);
// one "path: key: problem" line each, none when `out` is usable.
std::vector<std::string> read_config(const std::string& path, parsers::Config& out);
// The database answers and its schema is at least the one this binary needs.
Status check_schema(PqxxRecordStore& store);
int latest_schema_version();

// What the service loop wants to hear from a cycle; all optional (intaked
// --once and the tests run a cycle without any).
struct CycleHooks {
  std::function<void()> heartbeat;        // at every IMAP and SMTP step
  std::function<void()> on_login;         // an IMAP server answered after login
  std::function<bool()> stop_requested;   // checked between rounds and between sends
  std::size_t messages_per_round = 0;     // 0: each mailbox in one go
  // Several instances: a mailbox is fetched only while this instance holds
  // its lease (nullptr: always, as for intakectl and the tests of one cycle).
  InstanceRegistry* instances = nullptr;
  std::function<void()> on_standby;       // another instance holds a mailbox this one would fetch
};

struct MailboxPass {
  std::string mailbox;
  std::size_t fetched = 0;
  bool ok = true;
  bool standby = false;  // another instance holds its lease: not fetched here
};

struct CycleTotals {
  CycleStats total;
  bool any_failure = false;
  bool stopped_early = false;  // a stop request left messages or mails for later
  std::vector<MailboxPass> mailboxes;
};
CycleTotals run_cycle(Runtime& runtime, const Clock& clock, const CycleHooks& hooks = {});

// Sends what is due in the outbox until none is left or `deadline` passes
// (one send may run past it by at most smtp.timeout_s).
struct FlushResult {
  std::size_t sent = 0, failed = 0;
  bool finished = false;  // nothing due was left
};
FlushResult flush_outbox(Runtime& runtime, const Clock& clock, std::chrono::steady_clock::time_point deadline,
                         const std::function<void()>& heartbeat);
// After the intake cycle: stored messages into the reply tallies, then each
// observed mailbox. Failures are logged, never a failed cycle: the tallies
// must not slow intake down with backoff.
// With `instances`, only while this instance holds the "tallies" lease.
void run_tally_cycle(Runtime& runtime, const Clock& clock, InstanceRegistry* instances = nullptr);
// The leases an instance with this config wants: each mailbox, and the tallies.
std::set<std::string> wanted_leases(const parsers::Config& config);
// Not a possible mailbox name in practice: mailbox names are plain words.
inline constexpr const char* tallies_lease = "(tallies)";

}  // namespace intake::daemon
