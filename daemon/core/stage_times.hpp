// Time spent per stage of a cycle (wall clock and this thread's CPU), for the
// log and the benchmark, and what one pass over a mailbox or the outbox did.
// Monotonic time and thread CPU time only: never the wall clock's date.
#pragma once

#include <time.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <map>
#include <string>

namespace intake::daemon {

enum class Stage { fetch, parse, classify, store, move, send, count };
struct StageTimes {
  std::array<double, static_cast<std::size_t>(Stage::count)> wall_ms{}, cpu_ms{};
  std::string line() const;  // "fetch 12.3/4.5 ms, parse ..." (wall/cpu)
  void add(const StageTimes& other);  // stage by stage, wall and CPU
};

// Mails sent or failed, by kind: the outbox row's purpose (acknowledgment,
// staff_response, resolved_notice, due_soon_alert, overdue_alert,
// admin_alert, summary, ...).
struct MailCounts {
  std::map<std::string, std::size_t> sent, failed;
  std::size_t total_sent() const;
  std::size_t total_failed() const;
  void count(const std::string& kind, bool sent_ok);
  void add(const MailCounts& other);
  // "2 acknowledgment, 1 summary" (by kind, in name order); "none" for none.
  static std::string text(const std::map<std::string, std::size_t>& by_kind);
  // "sent 2 acknowledgment, 1 summary; failed none"
  std::string line() const;
};

struct CycleStats {
  std::size_t fetched = 0, created = 0, joined = 0, observed = 0, duplicates = 0, quarantined = 0;
  std::size_t mails_sent = 0, mails_failed = 0;  // every kind of mail: the totals of `mails`
  MailCounts mails;
  bool fetch_failed = false;  // a mailbox could not be fetched or a message stored, for now
  bool send_failed = false;   // the mail server could not be reached
  StageTimes stages;
  std::string error;
};

// Times one stage while alive: wall clock and this thread's CPU time.
class StageTimer {
 public:
  StageTimer(StageTimes& times, Stage stage) : times_(times), stage_(stage), wall_(std::chrono::steady_clock::now()), cpu_(cpu_now()) {}
  ~StageTimer() {
    const auto i = static_cast<std::size_t>(stage_);
    times_.wall_ms[i] += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wall_).count();
    times_.cpu_ms[i] += (cpu_now() - cpu_) / 1e6;
  }
  StageTimer(const StageTimer&) = delete;
  StageTimer& operator=(const StageTimer&) = delete;

 private:
  static double cpu_now() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
  }
  StageTimes& times_;
  Stage stage_;
  std::chrono::steady_clock::time_point wall_;
  double cpu_;
};

}  // namespace intake::daemon
