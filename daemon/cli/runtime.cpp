// intakectl commands' shared opening of the database runtime.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "daemon/app/app.hpp"
#include "daemon/cli/commands.hpp"
#include "daemon/core/request_status.hpp"
#include "daemon/fetch/intake_cycle.hpp"
#include "daemon/service/health_check.hpp"
#include "parsers/common/email_json.hpp"
#include "parsers/mime/mime_parser.hpp"

namespace intake::daemon::cli {

// The runtime a database command needs, from the config at `path`. When it
// cannot be had, the reason is printed and `exit_code` says what to return.
std::optional<Runtime> open_runtime(const std::string& path, int& exit_code) {
  auto config = load_config_or_report(path);
  if (!config) {
    exit_code = exit_config;
    return std::nullopt;
  }
  auto rt = make_runtime(*config);
  if (!rt) {
    std::cerr << rt.error().message << "\n";
    exit_code = exit_config;
    return std::nullopt;
  }
  return std::move(rt).value();
}

}  // namespace intake::daemon::cli
