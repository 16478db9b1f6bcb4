// intakectl check-config: the config file, password files and templates.
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

int cmd_check_config(const std::string& path) {
  auto config = load_config_or_report(path);
  if (!config) return exit_config;
  auto problems = check_environment(*config);
  for (const auto& p : problems) std::cerr << path << ": " << p << "\n";
  if (!problems.empty()) return exit_config;
  for (const auto& w : security_warnings(*config)) std::cerr << path << ": warning: " << w << "\n";
  std::cout << path << ": OK (" << config->mailboxes.size() << " mailbox(es))\n";
  return 0;
}

}  // namespace intake::daemon::cli
