// Port: what the manager summaries (stage 7) read and record.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "daemon/core/request_values.hpp"
#include "parsers/common/result.hpp"

namespace intake::daemon {

// A request as the summary needs it. Times are UTC.
struct SummaryRequest {
  std::string reference, requester, requester_name, department, category, priority, status;
  std::string subject;  // decoded, as the requester wrote it
  std::chrono::sys_seconds created;
  std::optional<std::chrono::sys_seconds> acknowledged, first_response, resolved, due_first_response, due_resolution;
  bool waiting_on_requester = false;  // its status now
};

// A requester's rating as the summary needs it.
struct FeedbackRow {
  std::string reference, category, requester, requester_name;
  std::string credited;  // the owner when it was given, '' for none
  int score = 0;         // 1 to 5
  std::string comment;
  std::chrono::sys_seconds at;
};

// What decides whether a subscription's summary is late: a first mail, or a
// slot before intake existed, is not.
struct SummaryHistory {
  bool sent_before = false;  // a summary of this subscription was queued before (any period)
  std::optional<std::chrono::sys_seconds> intake_since;  // intake's first cycle (its database set up); none: unknown
};

class SummaryStore {
 public:
  virtual ~SummaryStore() = default;
  // Requests a summary of [period_start, period_end) with the period before it
  // may need: made before the end, and made, still open or resolved since
  // `previous_start`; in request number order (the summary lists ties in it).
  virtual Result<std::vector<SummaryRequest>> summary_requests(std::chrono::sys_seconds previous_start,
                                                               std::chrono::sys_seconds period_end) = 0;
  // The ratings given in [start, end), oldest first.
  virtual Result<std::vector<FeedbackRow>> summary_feedback(std::chrono::sys_seconds start,
                                                            std::chrono::sys_seconds end) = 0;
  virtual Result<bool> summary_already_sent(const std::string& subscription, const std::string& period_key) = 0;
  virtual Result<SummaryHistory> summary_history(const std::string& subscription) = 0;
  // Records the period as sent and queues the mail in one transaction; false
  // when another instance (or an earlier run) recorded it first.
  virtual Result<bool> queue_summary(const std::string& subscription, const std::string& period_key,
                                     std::chrono::sys_seconds scheduled, bool late, const QueuedMail& mail) = 0;
};

}  // namespace intake::daemon
