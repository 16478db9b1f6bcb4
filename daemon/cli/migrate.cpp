// intakectl migrate: the numbered database migrations.
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

int cmd_migrate(const std::string& path) {
  int rc = 0;
  auto rt = open_runtime(path, rc);
  if (!rt) return rc;
  auto v = rt->store->migrate();
  if (!v) {
    std::cerr << v.error().message << "\n";
    return 1;
  }
  std::cout << "schema at version " << *v << "\n";
  return 0;
}


}  // namespace intake::daemon::cli
