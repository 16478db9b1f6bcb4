// The life of a request: its statuses and the moves between them, decided
// here and nowhere else (the store, the stages and intakectl all ask this).
// The status is a type inside intake; its name is text only at the SQL,
// JSON, template and command-line edges (to_string, parse_request_status).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace intake::daemon {

enum class RequestStatus { new_, acknowledged, waiting_on_requester, in_progress, resolved, closed };

const char* to_string(RequestStatus status);  // "new", "acknowledged", ...
std::optional<RequestStatus> parse_request_status(std::string_view name);

// Where a new request starts: waiting on the requester while facts its
// category needs are missing, else new.
RequestStatus initial_status(bool facts_missing);
// Staying in the same status is not a move (and not allowed: nothing to record).
bool status_move_allowed(RequestStatus from, RequestStatus to);
// One line for humans: which statuses `from` may move to.
std::string allowed_moves(RequestStatus from);
bool is_open_status(RequestStatus status);  // not resolved, not closed

// What an allowed move into `to` does to resolved_at: set on resolving,
// cleared when the request is being worked on again, else kept.
enum class ResolvedMark { keep, set, clear };
ResolvedMark resolved_mark(RequestStatus to);
// A move out of resolved or closed reopens the request (counted).
bool is_reopening(RequestStatus from);
// A delivered acknowledgment moves a request still `new` to `acknowledged`.
struct StatusMove {
  RequestStatus from, to;
};
StatusMove acknowledgment_move();

// The same by name, for the edges (an unknown name is never allowed).
const std::vector<std::string>& request_statuses();  // new, acknowledged, ... in order
bool is_request_status(std::string_view status);
bool status_move_allowed(std::string_view from, std::string_view to);
std::string allowed_moves(std::string_view from);  // "none" for an unknown name

const std::vector<std::string>& request_priorities();  // low, normal, high, urgent

}  // namespace intake::daemon
