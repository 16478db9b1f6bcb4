// intakectl parse: a message as intake reads it.
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

int cmd_parse(const std::vector<std::string>& files, bool json) {
  int rc = 0;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::cerr << "intakectl parse: cannot read " << file << "\n";
      rc = 1;
      continue;
    }
    std::ostringstream raw;
    raw << in.rdbuf();
    auto email = intake::parsers::parse_email(raw.str());
    if (json) {
      std::cout << email_to_json(email).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    } else {
      std::cout << "== " << file << "\n"
                << "From:    " << (email.from ? email.from->address : "(none)") << "\n"
                << "Subject: " << email.subject << "\n"
                << "Kind:    " << intake::parsers::to_string(email.kind) << "\n"
                << "Attachments: " << email.attachments.size() << "\n";
      for (const auto& w : email.warnings) std::cout << "Warning: " << w << "\n";
      std::cout << "\n" << email.request_text << "\n";
    }
  }
  return rc;
}

}  // namespace intake::daemon::cli
