// `intakectl status` as a monitoring check (Nagios/Icinga plugin exit codes):
// the health figures from the database judged against thresholds, each
// problem one finding with its level. Pure: no database, no clock; the
// figures come in already measured.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "parsers/config/config.hpp"
#include "daemon/core/record_store.hpp"

namespace intake::daemon {

enum class CheckLevel { ok = 0, warning = 1, critical = 2 };
const char* to_string(CheckLevel level);  // OK, WARNING, CRITICAL

struct CheckThresholds {
  std::int64_t warn_fetch_age_s = 0, crit_fetch_age_s = 0;  // since a mailbox's last successful fetch
  std::int64_t warn_ack_age_s = 900, crit_ack_age_s = 3600;  // of the oldest acknowledgment not yet sent
};
// Fetch ages from the config: warning after max(600 s, 5 poll intervals),
// critical after max(3600 s, 2 maximal backoffs, 20 poll intervals).
CheckThresholds default_thresholds(const parsers::Config& config);

// Acknowledgments still waiting in the outbox (pending or being sent).
struct AckBacklog {
  std::int64_t waiting = 0;
  std::string oldest_reference;     // REQ-n, empty when none waits
  std::int64_t oldest_age_s = -1;   // -1: none waits
};

struct Finding {
  CheckLevel level;
  std::string text;
};

struct HealthAssessment {
  CheckLevel level = CheckLevel::ok;
  std::vector<Finding> findings;  // the problems, most severe first
};

// The instances `intakectl status` lists, in the report's order: running and
// lost ones; those found dead (their process gone, killed or crashed) for as
// long as the database keeps them (7 days); and those stopped cleanly (SIGTERM,
// the end of an `intaked --once`) for a day after they stopped, so past
// --once runs do not pile up. The database keeps them all.
constexpr std::int64_t listed_after_clean_stop_s = 86400;
std::vector<InstanceRow> listed_instances(const std::vector<InstanceRow>& instances);

HealthAssessment assess_health(const parsers::Config& config, const HealthReport& report, const AckBacklog& acks,
                               int required_schema_version, const CheckThresholds& thresholds);

}  // namespace intake::daemon
