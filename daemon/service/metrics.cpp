#include "daemon/service/metrics.hpp"

#include <cstdio>

namespace intake::daemon {

namespace {
std::string number(double v) {
  char buf[64];
  (void)std::snprintf(buf, sizeof buf, "%.17g", v);  // at most 24 characters
  return buf;
}
void family(std::string& out, const char* name, const char* type, const char* help) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}
}  // namespace

std::string prometheus_label_value(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

void Metrics::add_fetch(const std::string& mailbox, std::size_t fetched, bool ok, double now_unix_s) {
  std::lock_guard lock(mutex_);
  Mailbox& m = mailboxes_[mailbox];
  m.fetched += fetched;
  if (ok) m.last_success_unix_s = now_unix_s;
  else ++m.fetch_errors;
}

void Metrics::add_cycle(std::size_t requests_created, std::size_t mails_sent, std::size_t mails_failed, double duration_s) {
  std::lock_guard lock(mutex_);
  ++cycles_;
  requests_created_ += requests_created;
  mails_sent_ += mails_sent;
  mails_failed_ += mails_failed;
  last_cycle_s_ = duration_s;
  cycle_seconds_sum_ += duration_s;
}

void Metrics::set_backlog(std::int64_t outbox_depth, std::int64_t quarantine_held) {
  std::lock_guard lock(mutex_);
  outbox_depth_ = outbox_depth;
  quarantine_held_ = quarantine_held;
}

void Metrics::add_reload(bool accepted) {
  std::lock_guard lock(mutex_);
  ++(accepted ? reloads_ok_ : reloads_refused_);
}

std::string Metrics::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  family(out, "intake_build_info", "gauge", "The running intaked's version.");
  out += "intake_build_info{version=\"" + prometheus_label_value(version_) + "\"} 1\n";
  auto per_mailbox = [&](const char* name, const char* type, const char* help, auto value) {
    family(out, name, type, help);
    for (const auto& [mailbox, m] : mailboxes_)
      out += std::string(name) + "{mailbox=\"" + prometheus_label_value(mailbox) + "\"} " + value(m) + "\n";
  };
  per_mailbox("intake_messages_fetched_total", "counter", "Messages fetched from the mailbox since start.",
              [](const Mailbox& m) { return std::to_string(m.fetched); });
  per_mailbox("intake_fetch_errors_total", "counter", "Mailbox passes that failed (connection, login, server, database).",
              [](const Mailbox& m) { return std::to_string(m.fetch_errors); });
  per_mailbox("intake_last_successful_fetch_timestamp_seconds", "gauge",
              "Unix time of the last successful pass over the mailbox; 0: none since start.",
              [](const Mailbox& m) { return number(m.last_success_unix_s); });
  family(out, "intake_requests_created_total", "counter", "Requests created since start.");
  out += "intake_requests_created_total " + std::to_string(requests_created_) + "\n";
  family(out, "intake_outbox_sent_total", "counter",
         "Mails sent from the outbox since start: acknowledgments, oversized notices and admin alerts.");
  out += "intake_outbox_sent_total " + std::to_string(mails_sent_) + "\n";
  family(out, "intake_outbox_send_failures_total", "counter",
         "Outbox sends that failed since start (retried later, or failed for good on a 5xx).");
  out += "intake_outbox_send_failures_total " + std::to_string(mails_failed_) + "\n";
  family(out, "intake_cycle_duration_seconds", "summary", "Duration of intake cycles since start.");
  out += "intake_cycle_duration_seconds_sum " + number(cycle_seconds_sum_) + "\n";
  out += "intake_cycle_duration_seconds_count " + std::to_string(cycles_) + "\n";
  family(out, "intake_last_cycle_duration_seconds", "gauge", "Duration of the last intake cycle.");
  out += "intake_last_cycle_duration_seconds " + number(last_cycle_s_) + "\n";
  if (outbox_depth_ >= 0) {
    family(out, "intake_outbox_depth", "gauge", "Outbox rows waiting to be sent (pending or sending), after the last cycle.");
    out += "intake_outbox_depth " + std::to_string(outbox_depth_) + "\n";
    family(out, "intake_quarantine_held", "gauge", "Messages held in quarantine, after the last cycle.");
    out += "intake_quarantine_held " + std::to_string(quarantine_held_) + "\n";
  }
  family(out, "intake_config_reloads_total", "counter", "SIGHUP reloads since start, by result.");
  out += "intake_config_reloads_total{result=\"accepted\"} " + std::to_string(reloads_ok_) + "\n";
  out += "intake_config_reloads_total{result=\"refused\"} " + std::to_string(reloads_refused_) + "\n";
  return out;
}

}  // namespace intake::daemon
