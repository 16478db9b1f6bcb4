#include "daemon/core/request_status.hpp"

#include <array>

namespace intake::daemon {
namespace {

constexpr std::array<RequestStatus, 6> all = {RequestStatus::new_,        RequestStatus::acknowledged,
                                              RequestStatus::waiting_on_requester, RequestStatus::in_progress,
                                              RequestStatus::resolved,    RequestStatus::closed};

// Everything may be resolved or closed at once (a duplicate, a request
// answered in the hallway); resolved and closed requests are reopened into
// in_progress (a requester's reply that is more than a thank-you).
constexpr unsigned bit(RequestStatus s) { return 1U << static_cast<unsigned>(s); }

unsigned moves_from(RequestStatus from) {
  using S = RequestStatus;
  switch (from) {
    case S::new_: return bit(S::acknowledged) | bit(S::waiting_on_requester) | bit(S::in_progress) | bit(S::resolved) | bit(S::closed);
    case S::acknowledged: return bit(S::waiting_on_requester) | bit(S::in_progress) | bit(S::resolved) | bit(S::closed);
    case S::waiting_on_requester: return bit(S::acknowledged) | bit(S::in_progress) | bit(S::resolved) | bit(S::closed);
    case S::in_progress: return bit(S::waiting_on_requester) | bit(S::resolved) | bit(S::closed);
    case S::resolved: return bit(S::in_progress) | bit(S::closed);
    case S::closed: return bit(S::in_progress);
  }
  return 0;
}

}  // namespace

const char* to_string(RequestStatus status) {
  switch (status) {
    case RequestStatus::new_: return "new";
    case RequestStatus::acknowledged: return "acknowledged";
    case RequestStatus::waiting_on_requester: return "waiting_on_requester";
    case RequestStatus::in_progress: return "in_progress";
    case RequestStatus::resolved: return "resolved";
    case RequestStatus::closed: return "closed";
  }
  return "new";
}

std::optional<RequestStatus> parse_request_status(std::string_view name) {
  for (RequestStatus s : all)
    if (name == to_string(s)) return s;
  return std::nullopt;
}

RequestStatus initial_status(bool facts_missing) {
  return facts_missing ? RequestStatus::waiting_on_requester : RequestStatus::new_;
}

bool status_move_allowed(RequestStatus from, RequestStatus to) { return (moves_from(from) & bit(to)) != 0; }

std::string allowed_moves(RequestStatus from) {
  std::string out;
  for (RequestStatus s : all)
    if (status_move_allowed(from, s)) out += (out.empty() ? "" : ", ") + std::string(to_string(s));
  return out.empty() ? "none" : out;
}

bool is_open_status(RequestStatus status) { return status != RequestStatus::resolved && status != RequestStatus::closed; }

ResolvedMark resolved_mark(RequestStatus to) {
  switch (to) {
    case RequestStatus::resolved: return ResolvedMark::set;
    case RequestStatus::in_progress:
    case RequestStatus::waiting_on_requester:
    case RequestStatus::acknowledged: return ResolvedMark::clear;
    case RequestStatus::new_:
    case RequestStatus::closed: break;
  }
  return ResolvedMark::keep;
}

bool is_reopening(RequestStatus from) { return !is_open_status(from); }

StatusMove acknowledgment_move() { return {RequestStatus::new_, RequestStatus::acknowledged}; }

const std::vector<std::string>& request_statuses() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    v.reserve(all.size());
    for (RequestStatus s : all) v.emplace_back(to_string(s));
    return v;
  }();
  return names;
}

bool is_request_status(std::string_view status) { return parse_request_status(status).has_value(); }

bool status_move_allowed(std::string_view from, std::string_view to) {
  const auto f = parse_request_status(from);
  const auto t = parse_request_status(to);
  return f && t && status_move_allowed(*f, *t);
}

std::string allowed_moves(std::string_view from) {
  const auto f = parse_request_status(from);
  return f ? allowed_moves(*f) : std::string("none");
}

const std::vector<std::string>& request_priorities() {
  static const std::vector<std::string> p = {"low", "normal", "high", "urgent"};
  return p;
}

}  // namespace intake::daemon
