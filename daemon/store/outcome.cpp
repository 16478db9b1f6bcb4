#include "daemon/store/outcome.hpp"

namespace intake::daemon {

const char* to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::done: return "done";
    case Outcome::retry_later: return "retry_later";
    case Outcome::quarantine: return "quarantine";
  }
  return "retry_later";
}

MessageOutcome decide_outcome(Step step, const Error* error, int failures, int max_attempts) {
  if (error == nullptr) return {Outcome::done, false, ""};
  if (error->unreachable()) return {Outcome::retry_later, false, ""};
  switch (step) {
    case Step::fetch:
      if (error->permanent()) return {Outcome::quarantine, false, error->message};
      return {Outcome::retry_later, false, ""};
    case Step::parse:
      return {Outcome::quarantine, false, error->message};
    case Step::store:
      if (failures >= max_attempts)
        return {Outcome::quarantine, true,
                "could not be stored (" + std::to_string(failures) + " attempts, daemon.max_attempts = " +
                    std::to_string(max_attempts) + "): " + error->message};
      return {Outcome::retry_later, true, ""};
  }
  return {Outcome::retry_later, false, ""};
}

}  // namespace intake::daemon
