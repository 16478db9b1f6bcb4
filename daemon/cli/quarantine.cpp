// intakectl quarantine list | retry.
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

int cmd_quarantine_list(const std::string& path, bool all, bool json) {
  int rc = 0;
  auto rt = open_runtime(path, rc);
  if (!rt) return rc;
  auto rows = rt->store->list_quarantine(all);
  if (!rows) {
    std::cerr << rows.error().message << "\n";
    return 1;
  }
  for (const auto& q : *rows) {
    if (json) {
      nlohmann::json j = {{"id", q.id},         {"mailbox", q.mailbox}, {"uidvalidity", q.uidvalidity}, {"uid", q.uid},
                          {"reason", q.reason}, {"status", q.status},   {"created_at", q.created_at},   {"bytes", q.raw_bytes}};
      std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    } else {
      std::cout << "#" << q.id << "  " << q.status << "  " << q.created_at << "  " << q.mailbox << " uid " << q.uid << "  "
                << q.raw_bytes << " bytes  " << q.reason << "\n";
    }
  }
  if (!json) std::cout << rows->size() << " message(s)\n";
  return 0;
}

int cmd_quarantine_retry(const std::string& path, std::int64_t id) {
  int rc = 0;
  auto rt = open_runtime(path, rc);
  if (!rt) return rc;
  auto msg = rt->store->load_quarantined(id);
  if (!msg) {
    std::cerr << msg.error().message << "\n";
    return 1;
  }
  auto box = std::find_if(rt->config.mailboxes.begin(), rt->config.mailboxes.end(),
                          [&](const intake::parsers::MailboxConfig& m) { return m.name == msg->mailbox; });
  if (box == rt->config.mailboxes.end()) {
    std::cerr << "quarantined message #" << id << " came from mailbox " << msg->mailbox << ", which is not configured\n";
    return 1;
  }
  SystemClock clock;
  IntakeCycle cycle(rt->config, *rt->store, rt->templates, clock, &rt->service);
  auto result = cycle.reprocess(std::move(*msg), *box);
  if (!result) {
    std::cerr << "quarantined message #" << id << " still cannot be taken: " << result.error().message << "\n";
    return 1;
  }
  // Ingest is exactly once by Message-ID or content hash, so a crash between
  // these two steps makes the next retry a harmless duplicate.
  if (auto r = rt->store->release_quarantined(id); !r) {
    std::cerr << r.error().message << "\n";
    return 1;
  }
  std::cout << "#" << id << ": " << to_string(result->outcome)
            << (result->reference.empty() ? "" : " " + result->reference)
            << (result->ack_queued ? ", acknowledgment queued (sent by intaked)" : "") << "\n";
  return 0;
}

}  // namespace intake::daemon::cli
