// intakectl's commands, one file each in daemon/cli/ (the tally commands in
// tally_cli.*): each takes the config path and its options, prints for a
// person or as JSON, and returns the exit code. intakectl.cpp only wires
// them to the command line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/app/app.hpp"
#include "daemon/service/health_check.hpp"

namespace intake::daemon::cli {

int cmd_check_config(const std::string& path);
int cmd_migrate(const std::string& path);
int cmd_requests_list(const std::string& path, const std::string& status, const std::string& category, bool json);
// The latest 100 messages kept as 'outside'.
int cmd_requests_outside(const std::string& path, bool json);
int cmd_requests_show(const std::string& path, const std::string& reference, bool json);
int cmd_requests_set(const std::string& path, const std::string& reference, const std::string& status,
                     const std::string& owner, const std::string& priority);
int cmd_render(const std::string& path, const std::string& name, const std::string& reference, bool html);
int cmd_summary(const std::string& path, const std::string& to, const std::string& period_name, bool html, bool send);
int cmd_status(const std::string& path, bool json, CheckThresholds thresholds);
int cmd_quarantine_list(const std::string& path, bool all, bool json);
int cmd_quarantine_retry(const std::string& path, std::int64_t id);
int cmd_parse(const std::vector<std::string>& files, bool json);

// The runtime a database command needs, from the config at `path`. When it
// cannot be had, the reason is printed and `exit_code` says what to return.
std::optional<Runtime> open_runtime(const std::string& path, int& exit_code);

}  // namespace intake::daemon::cli
