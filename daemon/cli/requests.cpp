// intakectl requests list | show | set.
#include <algorithm>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>

#include "daemon/app/app.hpp"
#include "daemon/cli/commands.hpp"
#include "daemon/store/ingest_planner.hpp"
#include "daemon/core/request_status.hpp"
#include "daemon/fetch/intake_cycle.hpp"
#include "daemon/service/health_check.hpp"
#include "parsers/common/email_json.hpp"
#include "parsers/mime/mime_parser.hpp"

namespace intake::daemon::cli {

namespace {

nlohmann::json or_null(const std::string& s) { return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s); }

nlohmann::json request_json(const RequestDetail& r, bool with_events) {
  nlohmann::json j = {{"reference", r.reference},
                      {"requester", r.requester},
                      {"requester_name", r.requester_name},
                      {"requester_department", or_null(r.requester_department)},
                      {"subject", r.subject},
                      {"category", r.category},
                      {"priority", r.priority},
                      {"status", r.status},
                      {"owner", or_null(r.owner)},
                      {"requested_by", or_null(r.requested_by)},
                      {"requested_by_phrase", or_null(r.requested_by_phrase)},
                      {"missing", r.missing},
                      {"due_first_response", or_null(r.due_first_response)},
                      {"due_resolution", or_null(r.due_resolution)},
                      {"created_at", r.created_at},
                      {"acknowledged_at", or_null(r.acknowledged_at)},
                      {"first_response_at", or_null(r.first_response_at)},
                      {"resolved_at", or_null(r.resolved_at)},
                      {"thanks", r.thanks},
                      {"reopened", r.reopened}};
  if (with_events) {
    j["events"] = nlohmann::json::array();
    j["text"] = r.text;
    j["attachments"] = nlohmann::json::array();
    for (const auto& a : r.attachments)
      j["attachments"].push_back({{"filename", a.filename}, {"content_type", a.content_type}, {"size", a.size},
                                  {"inline", a.inline_part}, {"content_id", a.content_id}});
    for (const auto& e : r.events) {
      nlohmann::json ev = {{"type", e.type}, {"at", e.at}, {"by", e.by}, {"detail", e.detail}};
      if (!e.text.empty()) ev["text"] = e.text;
      j["events"].push_back(std::move(ev));
    }
  }
  return j;
}

// `text` line by line behind `prefix` (nothing for no text).
void print_indented(const std::string& text, const char* prefix) {
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::cout << prefix << line << "\n";
    start = end + 1;
  }
}

std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace

int cmd_requests_list(const std::string& path, const std::string& status, const std::string& category, bool json) {
  auto config = load_config_or_report(path);
  if (!config) return exit_config;
  if (!status.empty() && !is_request_status(status)) {
    std::cerr << "unknown status \"" << status << "\" (new, acknowledged, waiting_on_requester, in_progress, resolved, closed)\n";
    return 2;
  }
  auto rt = make_runtime(*config);
  if (!rt) {
    std::cerr << rt.error().message << "\n";
    return exit_config;
  }
  auto rows = rt->store->list_requests(status, category);
  if (!rows) {
    std::cerr << rows.error().message << "\n";
    return 1;
  }
  for (const auto& r : *rows) {
    if (json) std::cout << dump(request_json(r, false)) << "\n";
    else
      std::cout << r.reference << "  " << r.status << "  " << r.category << "/" << r.priority << "  " << r.requester << "  "
                << r.subject << "\n";
  }
  if (!json) std::cout << rows->size() << " request(s)\n";
  return 0;
}

int cmd_requests_outside(const std::string& path, bool json) {
  int rc = 0;
  auto rt = open_runtime(path, rc);
  if (!rt) return rc;
  auto rows = rt->store->list_outside(100);
  if (!rows) {
    std::cerr << rows.error().message << "\n";
    return 1;
  }
  for (const auto& r : *rows) {
    if (json)
      std::cout << dump({{"received_at", r.received_at}, {"mailbox", r.mailbox}, {"from", r.from}, {"subject", r.subject}}) << "\n";
    else std::cout << r.received_at << "  " << r.mailbox << "  " << r.from << "  " << r.subject << "\n";
  }
  if (!json) std::cout << rows->size() << " message(s) from outside (requests.accept_from_domains)\n";
  return 0;
}

namespace {

// When it was acknowledged, first answered and resolved, as far as it went.
void print_times(const RequestDetail& r) {
  std::string line;
  for (const auto& [label, at] : {std::pair<const char*, const std::string*>{"acknowledged ", &r.acknowledged_at},
                                  {"first response ", &r.first_response_at},
                                  {"resolved ", &r.resolved_at}})
    if (!at->empty()) line += (line.empty() ? "" : ", ") + std::string(label) + *at;
  if (!line.empty()) std::cout << "  answered   " << line << "\n";
}

}  // namespace

int cmd_requests_show(const std::string& path, const std::string& reference, bool json) {
  int rc = 0;
  auto rt = open_runtime(path, rc);
  if (!rt) return rc;
  auto r = rt->store->find_request(reference);
  if (!r) {
    std::cerr << r.error().message << "\n";
    return 1;
  }
  if (json) {
    std::cout << dump(request_json(*r, true)) << "\n";
    return 0;
  }
  std::cout << r->reference << "  " << r->subject << "\n"
            << "  requester  " << r->requester_name << " <" << r->requester << ">"
            << (r->requester_department.empty() ? "" : " (" + r->requester_department + ")") << "\n"
            << "  category   " << r->category << ", priority " << r->priority << ", status " << r->status << "\n"
            << "  owner      " << (r->owner.empty() ? "nobody" : r->owner) << "\n";
  if (!r->requested_by.empty()) std::cout << "  wanted by  " << r->requested_by << " (\"" << r->requested_by_phrase << "\")\n";
  if (!r->missing.empty()) {
    std::cout << "  missing   ";
    for (const auto& m : r->missing) std::cout << " " << m << ";";
    std::cout << "\n";
  }
  if (!r->due_first_response.empty()) std::cout << "  due        first response " << r->due_first_response << ", resolution " << r->due_resolution << "\n";
  print_times(*r);
  for (const auto& a : r->attachments)
    std::cout << "  attached   " << a.filename << " (" << a.content_type << ", " << a.size << " bytes"
              << (a.inline_part ? ", inline" : "") << ")\n";
  std::cout << "  text\n";
  print_indented(r->text, "    | ");
  std::cout << "  history\n";
  for (const auto& e : r->events) {
    std::cout << "    " << e.at << "  " << e.type << "  " << e.by << (e.detail.empty() ? "" : "  " + e.detail) << "\n";
    print_indented(e.text, "      | ");
  }
  return 0;
}

namespace {

// What `requests set` asks, checked before anything is opened: 0 when it
// can go on, else the exit code (the reason printed).
int check_set_arguments(const std::string& status, const std::string& owner, const std::string& priority) {
  if (status.empty() && owner.empty() && priority.empty()) {
    std::cerr << "nothing to set: give --status, --owner or --priority\n";
    return 2;
  }
  if (!status.empty() && !is_request_status(status)) {
    std::cerr << "unknown status \"" << status << "\" (new, acknowledged, waiting_on_requester, in_progress, resolved, closed)\n";
    return 2;
  }
  const auto& priorities = request_priorities();
  if (!priority.empty() && std::find(priorities.begin(), priorities.end(), priority) == priorities.end()) {
    std::cerr << "unknown priority \"" << priority << "\" (low, normal, high, urgent)\n";
    return 2;
  }
  return 0;
}

// Decide, then write: the request as read, the plan from it (the status
// machine refuses a move it does not allow), the write; planned again when
// the request changed in between.
Status write_change(RecordStore& store, const std::string& reference, const std::string& by,
                    const std::function<ReplyPlan(const RequestView&)>& decide) {
  Status changed = Ok{};
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto view = store.request_view(reference);
    if (!view) return view.error();
    auto plan = plan_change(*view, decide(*view), by);
    if (!plan) return plan.error();
    auto written = store.write_plans("", {*plan}, std::chrono::sys_seconds{});
    if (written) return Ok{};
    changed = written.error();
    if (!written.error().stale()) break;
  }
  return changed;
}

// What `requests set` asks of a request, as a reply's plan: the new owner is
// sent the request (as after #assign), a resolution tells the requester.
struct AdminChange {
  const std::string& status;
  const std::string& owner;
  const std::string& priority;
  const std::string& by;
};

ReplyPlan admin_plan(const IntakeCycle& cycle, const parsers::Config& config, const AdminChange& change,
                     const RequestView& r) {
  ReplyPlan plan;
  plan.role = "admin";
  if (!change.status.empty()) plan.new_status = parse_request_status(change.status);  // checked before: a known name
  plan.priority = change.priority;
  if (!change.owner.empty()) {
    plan.owner = cycle.resolve_person(change.owner, config.category(r.category));
    if (plan.owner.empty()) plan.owner = change.owner;  // someone outside the directory: kept as given
    if (plan.owner != r.owner)
      if (auto mail = cycle.mail().make_assigned_notice(r, plan.owner, change.by))
        plan.mails.push_back({"assigned_notice", *mail});
  }
  if (plan.new_status == RequestStatus::resolved && r.status != RequestStatus::resolved &&
      status_move_allowed(r.status, RequestStatus::resolved)) {
    plan.first_response = true;
    if (auto mail = cycle.mail().make_resolved_notice(r, nlohmann::json::object()))
      plan.mails.push_back({"resolved_notice", *mail});
  }
  return plan;
}

}  // namespace

int cmd_requests_set(const std::string& path, const std::string& reference, const std::string& status,
                     const std::string& owner, const std::string& priority) {
  auto config = load_config_or_report(path);
  if (!config) return exit_config;
  if (int bad = check_set_arguments(status, owner, priority); bad != 0) return bad;
  auto rt = make_runtime(*config);
  if (!rt) {
    std::cerr << rt.error().message << "\n";
    return exit_config;
  }
  SystemClock clock;
  IntakeCycle cycle(rt->config, *rt->store, rt->templates, clock, &rt->service);
  const char* user = std::getenv("SUDO_USER");
  if (user == nullptr) user = std::getenv("USER");
  const std::string by = std::string("intakectl") + (user ? std::string(" (") + user + ")" : std::string());
  const AdminChange change{status, owner, priority, by};
  auto decide = [&](const RequestView& r) { return admin_plan(cycle, rt->config, change, r); };
  if (auto changed = write_change(*rt->store, reference, by, decide); !changed) {
    std::cerr << changed.error().message << "\n";
    return 1;
  }
  std::cout << reference << ": updated" << (status == "resolved" ? " (resolved notice queued, sent by intaked)" : "") << "\n";
  return 0;
}

}  // namespace intake::daemon::cli
