// intakectl render: a template's preview for a request.
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

// A preview of one template for a request, as intake would send it.
int cmd_render(const std::string& path, const std::string& name, const std::string& reference, bool html) {
  int rc = 0;
  auto rt = open_runtime(path, rc);
  if (!rt) return rc;
  auto view = rt->store->request_view(reference);
  if (!view) {
    std::cerr << view.error().message << "\n";
    return 1;
  }
  SystemClock clock;
  IntakeCycle cycle(rt->config, *rt->store, rt->templates, clock, &rt->service);
  nlohmann::json values = cycle.mail().request_values(*view);
  // Variables only some mails have, filled with examples so every tag shows.
  values["response"] = "(the staff member's answer)";
  values["staff_name"] = "(staff member)";
  values["due_kind"] = "resolution";
  values["due"] = values["due_resolution"];
  values["size"] = "31.4 MB";
  values["limit"] = "25.0 MB";
  auto rendered = rt->templates.render(name, view->category, values);
  if (!rendered) {
    std::cerr << rendered.error().message << "\n";
    return 1;
  }
  std::cout << "Subject: " << rendered->subject << "\n\n" << (html ? rendered->html : rendered->text);
  return 0;
}

}  // namespace intake::daemon::cli
