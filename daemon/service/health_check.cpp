#include "daemon/service/health_check.hpp"

#include <algorithm>

namespace intake::daemon {

const char* to_string(CheckLevel level) {
  switch (level) {
    case CheckLevel::ok: return "OK";
    case CheckLevel::warning: return "WARNING";
    case CheckLevel::critical: return "CRITICAL";
  }
  return "CRITICAL";
}

CheckThresholds default_thresholds(const parsers::Config& config) {
  CheckThresholds t;
  const std::int64_t poll = config.daemon.poll_interval_s, backoff = config.daemon.max_backoff_s;
  t.warn_fetch_age_s = std::max<std::int64_t>(600, 5 * poll);
  t.crit_fetch_age_s = std::max({std::int64_t{3600}, 2 * backoff, 20 * poll});
  return t;
}

HealthAssessment assess_health(const parsers::Config& config, const HealthReport& report, const AckBacklog& acks,
                               int required_schema_version, const CheckThresholds& t) {
  HealthAssessment a;
  auto add = [&](CheckLevel level, std::string text) { a.findings.push_back({level, std::move(text)}); };
  if (report.schema_version < required_schema_version)
    add(CheckLevel::critical, "database schema is at version " + std::to_string(report.schema_version) +
                                  ", the installed binaries need " + std::to_string(required_schema_version) +
                                  ": run intakectl migrate");
  for (const auto& configured : config.mailboxes) {
    auto it = std::find_if(report.mailboxes.begin(), report.mailboxes.end(),
                           [&](const MailboxHealth& m) { return m.mailbox == configured.name; });
    const std::string name = "mailbox " + configured.name;
    if (it == report.mailboxes.end()) {
      add(CheckLevel::warning, name + ": never fetched (is intaked running?)");
      continue;
    }
    const bool alerting = it->consecutive_failures >= config.daemon.alert_after_failures;
    if (it->consecutive_failures > 0)
      add(alerting ? CheckLevel::critical : CheckLevel::warning,
          name + ": " + std::to_string(it->consecutive_failures) + " failed fetch(es) in a row: " + it->last_error);
    if (it->seconds_since_success < 0) {
      if (it->consecutive_failures == 0) add(CheckLevel::warning, name + ": never fetched successfully");
    } else if (it->seconds_since_success > t.crit_fetch_age_s) {
      add(CheckLevel::critical, name + ": last successful fetch " + std::to_string(it->seconds_since_success) +
                                    " s ago (critical over " + std::to_string(t.crit_fetch_age_s) + " s)");
    } else if (it->seconds_since_success > t.warn_fetch_age_s) {
      add(CheckLevel::warning, name + ": last successful fetch " + std::to_string(it->seconds_since_success) +
                                   " s ago (warning over " + std::to_string(t.warn_fetch_age_s) + " s)");
    }
  }
  if (acks.oldest_age_s > t.crit_ack_age_s)
    add(CheckLevel::critical, "acknowledgment of " + acks.oldest_reference + " waiting for " +
                                  std::to_string(acks.oldest_age_s) + " s (critical over " +
                                  std::to_string(t.crit_ack_age_s) + " s)");
  else if (acks.oldest_age_s > t.warn_ack_age_s)
    add(CheckLevel::warning, "acknowledgment of " + acks.oldest_reference + " waiting for " +
                                 std::to_string(acks.oldest_age_s) + " s (warning over " +
                                 std::to_string(t.warn_ack_age_s) + " s)");
  if (report.outbox_failed > 0)
    add(CheckLevel::warning, "outbox: " + std::to_string(report.outbox_failed) + " mail(s) failed for good (5xx)");
  if (report.quarantine_held > 0)
    add(CheckLevel::warning, "quarantine: " + std::to_string(report.quarantine_held) +
                                 " message(s) held (intakectl quarantine list)");
  if (report.quiet_by_flood_24h > 0)
    add(CheckLevel::warning, std::to_string(report.quiet_by_flood_24h) +
                                 " request(s) recorded without acknowledgment by the flood caps in the last 24 h"
                                 " (daemon.auto_reply_limit, daemon.employee_auto_reply_limit)");
  std::stable_sort(a.findings.begin(), a.findings.end(),
                   [](const Finding& x, const Finding& y) { return static_cast<int>(x.level) > static_cast<int>(y.level); });
  for (const auto& f : a.findings) a.level = std::max(a.level, f.level);
  return a;
}

std::vector<InstanceRow> listed_instances(const std::vector<InstanceRow>& instances) {
  std::vector<InstanceRow> listed;
  for (const auto& i : instances) {
    const bool stopped = i.seconds_since_stop >= 0;
    const bool found_dead = i.stop_reason.rfind(found_dead_stop_reason, 0) == 0;
    if (stopped && !found_dead && i.seconds_since_stop > listed_after_clean_stop_s) continue;
    listed.push_back(i);
  }
  return listed;
}

}  // namespace intake::daemon
