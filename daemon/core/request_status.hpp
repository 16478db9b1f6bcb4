// The life of a request: its statuses and the moves between them, decided
// here and nowhere else (the store, the cycle and intakectl all ask this).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace intake::daemon {

// new, acknowledged, waiting_on_requester, in_progress, resolved, closed
const std::vector<std::string>& request_statuses();
bool is_request_status(std::string_view status);
// Staying in the same status is not a move (and not allowed: nothing to record).
bool status_move_allowed(std::string_view from, std::string_view to);
// One line for humans: which statuses `from` may move to.
std::string allowed_moves(std::string_view from);
bool is_open_status(std::string_view status);  // not resolved, not closed

const std::vector<std::string>& request_priorities();  // low, normal, high, urgent

}  // namespace intake::daemon
