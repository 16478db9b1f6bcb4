// The outbox port (daemon/core/outbox_store.hpp) in memory: rows queued by
// the test (or by the fake intake store's plans, copied over by the test),
// claimed one at a time in order, finished the way the PostgreSQL adapter
// records it (sent, failed for good, back to pending), and the due alerts a
// test sets up, recorded once each.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "daemon/core/outbox_store.hpp"

namespace intake::testing {

class FakeOutboxStore final : public daemon::OutboxStore {
 public:
  struct Row {
    daemon::OutboxItem item;
    std::string status = "pending";  // pending, sending, sent, failed
    std::string last_error;
    bool backing_off = false;  // pending, but not due before its backoff (a refusal that may pass)
  };
  std::vector<Row> rows;
  std::vector<daemon::DueAlert> due;  // what due_alerts answers
  std::set<std::string> alerted;      // "REQ-n kind:soon|overdue", recorded once each
  std::vector<std::string> queued_alerts;  // the subjects of the alert mails queued
  std::optional<Error> claim_error;        // claim_outbox fails with it
  int commits = 0;  // how many commits the adapter would make: one per claim, finish, or finish_and_claim

  void add(std::string purpose, std::string rcpt, std::string reference = "") {
    daemon::OutboxItem item;
    item.id = static_cast<std::int64_t>(rows.size()) + 1;
    item.purpose = std::move(purpose);
    item.reference = std::move(reference);
    item.mail.mail_from = "requests@example.test";
    item.mail.rcpt_to = {std::move(rcpt)};
    item.mail.raw = "Subject: " + item.purpose + "\r\n\r\nbody\r\n";
    rows.push_back({item, "pending", "", false});
  }
  std::size_t count(const std::string& status) const {
    std::size_t n = 0;
    for (const auto& r : rows) n += r.status == status ? 1U : 0U;
    return n;
  }

  Result<std::vector<daemon::OutboxItem>> claim_outbox(int limit, int resend_interrupted_after_s) override {
    (void)resend_interrupted_after_s;
    if (claim_error) return *claim_error;
    ++commits;
    return claim(limit);
  }
  Result<std::vector<daemon::OutboxItem>> finish_and_claim(std::int64_t id, const Status& result, int limit,
                                                           int resend_interrupted_after_s) override {
    (void)resend_interrupted_after_s;
    finish(id, result);
    if (claim_error) return *claim_error;
    ++commits;  // both in one transaction
    return claim(limit);
  }
  Status finish_outbox(std::int64_t id, const Status& result) override {
    ++commits;
    finish(id, result);
    return Ok{};
  }

 private:
  std::vector<daemon::OutboxItem> claim(int limit) {
    std::vector<daemon::OutboxItem> out;
    for (auto& r : rows) {
      if (static_cast<int>(out.size()) >= limit) break;
      if (r.status != "pending" || r.backing_off) continue;
      r.status = "sending";
      ++r.item.attempts;
      out.push_back(r.item);
    }
    return out;
  }
  void finish(std::int64_t id, const Status& result) {
    Row& r = rows.at(static_cast<std::size_t>(id - 1));
    if (result) {
      r.status = "sent";
    } else {
      r.status = result.error().permanent() ? "failed" : "pending";
      r.last_error = result.error().message;
      // As the adapter: a refusal backs off, a server never reached does not.
      r.backing_off = !result.error().permanent() && !result.error().unreachable();
    }
  }

 public:
  Status queue_mail_now(const std::string& purpose, const daemon::QueuedMail& mail) override {
    add(purpose, mail.mail.rcpt_to.empty() ? "" : mail.mail.rcpt_to.front());
    return Ok{};
  }
  Result<std::vector<daemon::DueAlert>> due_alerts(int soon_s) override {
    (void)soon_s;
    std::vector<daemon::DueAlert> out;
    for (const auto& a : due)
      if (alerted.count(tag(a)) == 0) out.push_back(a);
    return out;
  }
  Result<int> queue_due_alerts(const std::vector<daemon::DueAlert>& alerts) override {
    int queued = 0;
    for (const auto& a : alerts) {
      if (!alerted.insert(tag(a)).second) continue;
      if (!a.mail) continue;
      queued_alerts.push_back(a.mail->subject);
      ++queued;
    }
    return queued;
  }

 private:
  static std::string tag(const daemon::DueAlert& a) {
    return a.request.reference + " " + a.kind + (a.overdue ? ":overdue" : ":soon");
  }
};

}  // namespace intake::testing
