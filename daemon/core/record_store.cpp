#include "daemon/core/record_store.hpp"

namespace intake::daemon {

const char* to_string(IngestOutcome outcome) {
  switch (outcome) {
    case IngestOutcome::created: return "created";
    case IngestOutcome::joined: return "joined";
    case IngestOutcome::observed: return "observed";
    case IngestOutcome::duplicate: return "duplicate";
  }
  return "duplicate";
}

}  // namespace intake::daemon
