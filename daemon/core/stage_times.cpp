#include "daemon/core/stage_times.hpp"

#include <cstdio>

namespace intake::daemon {

void StageTimes::add(const StageTimes& other) {
  for (std::size_t s = 0; s < wall_ms.size(); ++s) {
    wall_ms[s] += other.wall_ms[s];
    cpu_ms[s] += other.cpu_ms[s];
  }
}

std::string StageTimes::line() const {
  static const char* names[] = {"fetch", "parse", "classify", "store", "move", "send"};
  std::string out;
  for (std::size_t i = 0; i < wall_ms.size(); ++i) {
    char buf[96];
    (void)std::snprintf(buf, sizeof buf, "%s%s %.1f/%.1f ms", out.empty() ? "" : ", ", names[i], wall_ms[i], cpu_ms[i]);  // a log line: cut short at worst
    out += buf;
  }
  return out;
}

std::size_t MailCounts::total_sent() const {
  std::size_t n = 0;
  for (const auto& [kind, count] : sent) n += count;
  return n;
}

std::size_t MailCounts::total_failed() const {
  std::size_t n = 0;
  for (const auto& [kind, count] : failed) n += count;
  return n;
}

void MailCounts::count(const std::string& kind, bool sent_ok) { ++(sent_ok ? sent : failed)[kind.empty() ? "mail" : kind]; }

void MailCounts::add(const MailCounts& other) {
  for (const auto& [kind, count] : other.sent) sent[kind] += count;
  for (const auto& [kind, count] : other.failed) failed[kind] += count;
}

std::string MailCounts::text(const std::map<std::string, std::size_t>& by_kind) {
  std::string out;
  for (const auto& [kind, count] : by_kind)
    if (count > 0) out += (out.empty() ? "" : ", ") + std::to_string(count) + " " + kind;
  return out.empty() ? "none" : out;
}

std::string MailCounts::line() const { return "sent " + text(sent) + "; failed " + text(failed); }

}  // namespace intake::daemon
