// One outcome per message (Postfix's REMOVE or KEEP): every fetched message
// ends in exactly one of done, retry_later or quarantine, decided here from
// what fetch, parse or store said of it. Pure: the failure count comes in
// from the database, the decision goes out; nothing here retries or logs.
#pragma once

#include <string>

#include "parsers/common/result.hpp"

namespace intake::daemon {

enum class Outcome {
  done,         // stored (a request, a reply, observed, a duplicate) or quarantined earlier
  retry_later,  // left on the server for the next attempt
  quarantine,   // held with its reason and raw bytes, moved on
};
const char* to_string(Outcome outcome);

enum class Step { fetch, parse, store };

struct MessageOutcome {
  Outcome outcome = Outcome::done;
  // retry_later only: true when this failure counts towards max_attempts
  // (the message itself may be the cause); false when the server or the
  // database went away (nothing about the message is known).
  bool counted = false;
  std::string reason;  // quarantine: why, for the quarantine row and the log
};

// `error`: null when the step succeeded. `failures` (store only): how many
// times storing this message has failed, this failure included, as counted
// in the database. Rules:
//  - a lost server or database (ErrorKind::unreachable): retry_later, not counted;
//  - fetch: a message the server cannot give (ErrorKind::permanent) is
//    quarantined; anything else is retried later;
//  - parse: a message nothing can be read from is quarantined at once (the
//    parser is deterministic: a second try reads the same);
//  - store: retried (counted) until `failures` reaches `max_attempts`, then
//    quarantined with the error.
MessageOutcome decide_outcome(Step step, const Error* error, int failures, int max_attempts);

}  // namespace intake::daemon
