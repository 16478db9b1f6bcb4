// intakectl summary preview | send.
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

// A summary for `to` (its subscription's teams and zone, else every team in
// requests.time_zone) over a named period: printed, or queued to send.
int cmd_summary(const std::string& path, const std::string& to, const std::string& period_name, bool html, bool send) {
  int rc = 0;
  auto rt = open_runtime(path, rc);
  if (!rt) return rc;
  intake::parsers::SummaryConfig subscription;
  subscription.to = to;
  subscription.time_zone = rt->config.requests.time_zone;
  for (const auto& s : rt->config.summaries)
    if (intake::parsers::address_without_plus(s.to) == intake::parsers::address_without_plus(to)) subscription = s;
  auto found = find_time_zone(subscription.time_zone);
  if (!found) {
    std::cerr << found.error().message << "\n";
    return exit_config;
  }
  const date::time_zone* zone = *found;
  SystemClock clock;
  const auto now = std::chrono::time_point_cast<std::chrono::seconds>(clock.now());
  auto period = named_period(period_name, *zone, now);
  if (!period) {
    std::cerr << period.error().message << "\n";
    return 2;
  }
  IntakeCycle cycle(rt->config, *rt->store, rt->templates, clock, &rt->service);
  cycle.set_tallies(rt->tallies.get());
  if (!send) {
    auto rendered = cycle.summaries().render_summary(subscription, *period, previous_period(*period, *zone), false);
    if (!rendered) {
      std::cerr << rendered.error().message << "\n";
      return 1;
    }
    if (!html) std::cout << "Subject: " << rendered->subject << "\n\n";
    std::cout << (html ? rendered->html : rendered->text);
    return 0;
  }
  auto mail = cycle.summaries().make_summary(subscription, *period, previous_period(*period, *zone), false);
  if (!mail) {
    std::cerr << mail.error().message << "\n";
    return 1;
  }
  {
    if (auto r = rt->store->queue_mail_now("summary", *mail); !r) {
      std::cerr << r.error().message << "\n";
      return 1;
    }
    std::cout << "summary for " << period->label << " queued to " << to << " (sent by intaked)\n";
    return 0;
  }
}

}  // namespace intake::daemon::cli
