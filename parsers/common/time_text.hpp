// Instants as text, one way everywhere: ISO 8601 in UTC with seconds
// ("2026-12-02T09:00:00Z"), as the JSON views, the logs' values and the
// database's text columns carry them.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace intake::parsers {

std::string iso_utc(std::chrono::sys_seconds t);
// "" for none.
std::string iso_utc(const std::optional<std::chrono::sys_seconds>& t);

}  // namespace intake::parsers
