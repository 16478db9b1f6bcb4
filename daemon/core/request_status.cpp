#include "daemon/core/request_status.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace intake::daemon {
namespace {

// Everything may be resolved or closed at once (a duplicate, a request
// answered in the hallway); resolved and closed requests are reopened into
// in_progress (a requester's reply that is more than a thank-you).
const std::map<std::string, std::set<std::string>, std::less<>>& moves() {
  static const std::map<std::string, std::set<std::string>, std::less<>> m = {
      {"new", {"acknowledged", "waiting_on_requester", "in_progress", "resolved", "closed"}},
      {"acknowledged", {"waiting_on_requester", "in_progress", "resolved", "closed"}},
      {"waiting_on_requester", {"acknowledged", "in_progress", "resolved", "closed"}},
      {"in_progress", {"waiting_on_requester", "resolved", "closed"}},
      {"resolved", {"in_progress", "closed"}},
      {"closed", {"in_progress"}},
  };
  return m;
}

}  // namespace

const std::vector<std::string>& request_statuses() {
  static const std::vector<std::string> s = {"new", "acknowledged", "waiting_on_requester", "in_progress", "resolved", "closed"};
  return s;
}

bool is_request_status(std::string_view status) {
  const auto& s = request_statuses();
  return std::find(s.begin(), s.end(), status) != s.end();
}

bool status_move_allowed(std::string_view from, std::string_view to) {
  auto it = moves().find(from);
  return it != moves().end() && it->second.count(std::string(to)) > 0;
}

std::string allowed_moves(std::string_view from) {
  auto it = moves().find(from);
  if (it == moves().end()) return "none";
  std::string out;
  for (const auto& s : request_statuses())
    if (it->second.count(s)) out += (out.empty() ? "" : ", ") + s;
  return out;
}

bool is_open_status(std::string_view status) { return status != "resolved" && status != "closed"; }

const std::vector<std::string>& request_priorities() {
  static const std::vector<std::string> p = {"low", "normal", "high", "urgent"};
  return p;
}

}  // namespace intake::daemon
