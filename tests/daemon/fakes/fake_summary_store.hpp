// The summary port (daemon/core/summary_store.hpp) in memory: the requests a
// test sets up, their ratings, and each (subscription, period) recorded once with its mail.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daemon/core/summary_store.hpp"

namespace intake::testing {

class FakeSummaryStore final : public daemon::SummaryStore {
 public:
  std::vector<daemon::SummaryRequest> requests;
  std::vector<daemon::FeedbackRow> feedback;  // oldest first
  std::map<std::pair<std::string, std::string>, std::string> sent;  // (subscription, period) → mail subject
  std::optional<std::chrono::sys_seconds> intake_since;  // intake's first cycle; none: unknown

  Result<std::vector<daemon::SummaryRequest>> summary_requests(std::chrono::sys_seconds previous_start,
                                                               std::chrono::sys_seconds period_end) override {
    std::vector<daemon::SummaryRequest> out;
    for (const auto& r : requests)
      if (r.created < period_end && (r.created >= previous_start || !r.resolved || *r.resolved >= previous_start))
        out.push_back(r);
    return out;
  }
  Result<std::vector<daemon::FeedbackRow>> summary_feedback(std::chrono::sys_seconds start,
                                                            std::chrono::sys_seconds end) override {
    std::vector<daemon::FeedbackRow> out;
    for (const auto& f : feedback)
      if (f.at >= start && f.at < end) out.push_back(f);
    return out;
  }
  Result<bool> summary_already_sent(const std::string& subscription, const std::string& period_key) override {
    return sent.count({subscription, period_key}) > 0;
  }
  Result<daemon::SummaryHistory> summary_history(const std::string& subscription) override {
    daemon::SummaryHistory h;
    for (const auto& [key, subject] : sent)
      if (key.first == subscription) h.sent_before = true;
    h.intake_since = intake_since;
    return h;
  }
  Result<bool> queue_summary(const std::string& subscription, const std::string& period_key, std::chrono::sys_seconds,
                             bool, const daemon::QueuedMail& mail) override {
    return sent.emplace(std::make_pair(subscription, period_key), mail.subject).second;
  }
};

}  // namespace intake::testing
