// Port: the outbox (stage 5): claiming due mail and recording how each send
// went, mail queued by hand, and the due-soon and overdue alerts, decided
// and rendered by the stage between a read (due_alerts) and a write
// (queue_due_alerts) that records each alert once.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/core/mail_sender.hpp"
#include "daemon/core/request_values.hpp"
#include "parsers/common/result.hpp"

namespace intake::daemon {

struct OutboxItem {
  std::int64_t id = 0;
  std::string purpose;
  std::string reference;
  OutgoingMail mail;
  int attempts = 0;
  int interrupted = 0;  // earlier sends of this row cut off by a crash
};

// An open request whose first-response or resolution due time is near or past
// and not yet alerted for: kind "first_response" or "resolution".
// How long before a due time its team is warned: the earlier of `window`
// (daemon.due_soon_before_min) and half the time the team had (from the
// start of the request's clock to the due time), so a 30-minute target warns
// 15 minutes before, not the moment the request arrives, and a 4-hour one
// `window` before.
inline std::chrono::seconds due_soon_lead(std::chrono::sys_seconds clock_start, std::chrono::sys_seconds due,
                                          std::chrono::seconds window) {
  const std::chrono::seconds half = due > clock_start ? (due - clock_start) / 2 : std::chrono::seconds{0};
  return std::min(window, half);
}
// Whether a due time not yet past is due soon at `now`.
inline bool due_soon_at(std::chrono::sys_seconds now, std::chrono::sys_seconds clock_start, std::chrono::sys_seconds due,
                        std::chrono::seconds window) {
  return now < due && now >= due - due_soon_lead(clock_start, due, window);
}

struct DueAlert {
  RequestView request;
  std::string kind;
  bool overdue = false;
  std::optional<QueuedMail> mail;  // rendered by the stage; none: nobody to alert
};

class OutboxStore {
 public:
  virtual ~OutboxStore() = default;
  // Up to `limit` due rows, marked 'sending' (committed) before they are sent.
  virtual Result<std::vector<OutboxItem>> claim_outbox(int limit, int resend_interrupted_after_s) = 0;
  // How the send went: sent (a delivered acknowledgment makes the status
  // machine's move, core/request_status.hpp), failed for good, or retried.
  virtual Status finish_outbox(std::int64_t id, const Status& result) = 0;
  // finish_outbox of one row and claim_outbox of the next, committed
  // together: one durable commit per mail instead of two. An adapter without
  // transactions may do the two calls.
  virtual Result<std::vector<OutboxItem>> finish_and_claim(std::int64_t id, const Status& result, int limit,
                                                           int resend_interrupted_after_s) {
    if (auto finished = finish_outbox(id, result); !finished) return finished.error();
    return claim_outbox(limit, resend_interrupted_after_s);
  }
  // A mail queued by hand (intakectl summary send): queued, not recorded.
  virtual Status queue_mail_now(const std::string& purpose, const QueuedMail& mail) = 0;
  // The alerts due within `soon_s` or past (up to 500, the nearest first),
  // read without locks; their mails are left for the stage to render.
  virtual Result<std::vector<DueAlert>> due_alerts(int soon_s) = 0;
  // Records each alert once and queues its mail (or records that nobody could
  // be alerted); one another instance recorded first is skipped. Returns how
  // many mails were queued.
  virtual Result<int> queue_due_alerts(const std::vector<DueAlert>& alerts) = 0;
};

}  // namespace intake::daemon
