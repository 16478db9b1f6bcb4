// The store port (daemon/core/record_store.hpp) in memory, for the unit
// tests of the fetch → classify → store path: it records what the stages
// ask of it, and fails where the test says, the way PostgreSQL would (a
// refused message: an error that names it; a lost connection: unreachable).
// Only what the intake path uses is implemented; the summary, outbox and
// admin calls answer with an error naming this fake.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "daemon/core/record_store.hpp"

namespace intake::testing {

class FakeRecordStore final : public daemon::RecordStore {
 public:
  using Key = std::tuple<std::string, std::uint64_t, std::uint64_t>;  // mailbox, UIDVALIDITY, UID

  // A message for which this returns an error is refused; `unreachable` on it
  // makes the refusal a lost connection.
  std::function<std::optional<Error>(const daemon::InboundMessage&)> refuse;
  bool groups = false;  // supports_groups(): all or nothing, as one transaction

  std::map<std::string, daemon::MailboxState> states;
  std::vector<std::string> stored_ids;       // Message-IDs ingested, in order
  std::vector<std::string> acknowledgments;     // the subjects of the acknowledgments queued
  std::vector<std::string> acknowledgment_ids;  // and their Message-IDs
  std::map<Key, int> failures;               // count_store_failure
  int failure_calls = 0;
  struct Held {
    std::uint64_t uid;
    std::string reason;
    std::string raw;
  };
  std::vector<Held> quarantined;
  int ingest_calls = 0;
  int group_calls = 0;
  std::vector<std::pair<bool, std::string>> fetch_health;  // record_fetch(ok, error)

  Result<daemon::MailboxState> mailbox_state(const std::string& mailbox) override { return states[mailbox]; }
  Status reset_mailbox(const std::string& mailbox, std::uint64_t uidvalidity) override {
    states[mailbox] = daemon::MailboxState{uidvalidity, 0};
    return Ok{};
  }
  Result<daemon::IngestResult> ingest(const daemon::InboundMessage& m, const daemon::Decision& decision,
                                     const daemon::AckFactory& make_ack, const daemon::ReplyPlanner& plan_reply) override {
    (void)plan_reply;
    ++ingest_calls;
    if (refuse)
      if (auto e = refuse(m)) return *e;
    return write(m, decision, make_ack);
  }
  bool supports_groups() const override { return groups; }
  Result<std::vector<daemon::GroupResult>> store_group(const std::vector<daemon::GroupItem>& items) override {
    ++group_calls;
    for (const auto& item : items)
      if (item.decision != nullptr && refuse)
        if (auto e = refuse(*item.message)) return *e;  // nothing of the group is kept
    std::vector<daemon::GroupResult> out;
    for (const auto& item : items) {
      daemon::GroupResult r;
      if (item.decision != nullptr)
        r.ingest = write(*item.message, *item.decision, item.make_ack);
      else
        r.quarantine_id = hold(*item.message, item.reason);
      out.push_back(r);
    }
    return out;
  }
  Result<int> count_store_failure(const daemon::InboundMessage& m, const std::string& error) override {
    (void)error;
    ++failure_calls;
    return ++failures[Key{m.mailbox, m.uidvalidity, m.uid}];
  }
  Result<std::int64_t> quarantine(const daemon::InboundMessage& m, const std::string& reason, std::int64_t size_bytes,
                                  const std::optional<daemon::QueuedMail>& notice) override {
    (void)size_bytes;
    (void)notice;
    return hold(m, reason);
  }
  Status record_fetch(const std::string& mailbox, bool ok, const std::string& error, int alert_after,
                      const daemon::AlertFactory& make_alert) override {
    (void)mailbox;
    (void)alert_after;
    (void)make_alert;
    fetch_health.emplace_back(ok, error);
    return Ok{};
  }

  // Not on the intake path.
  Result<std::vector<daemon::OutboxItem>> claim_outbox(int, int) override { return unused(); }
  Result<int> queue_due_alerts(int, const daemon::DueAlertFactory&) override { return unused(); }
  Result<std::vector<daemon::SummaryRequest>> summary_requests(std::chrono::sys_seconds, std::chrono::sys_seconds) override {
    return unused();
  }
  Result<bool> summary_already_sent(const std::string&, const std::string&) override { return unused(); }
  Result<bool> queue_summary(const std::string&, const std::string&, std::chrono::sys_seconds, bool,
                             const daemon::QueuedMail&) override {
    return unused();
  }
  Status queue_mail_now(const std::string&, const daemon::QueuedMail&) override { return unused(); }
  Result<daemon::RequestView> request_view(const std::string&) override { return unused(); }
  Status finish_outbox(std::int64_t, const Status&) override { return unused(); }
  Result<std::vector<daemon::RequestDetail>> list_requests(const std::string&, const std::string&) override {
    return unused();
  }
  Result<daemon::RequestDetail> find_request(const std::string&) override { return unused(); }
  Status change_request(const std::string&, const std::string&, const daemon::ReplyPlanner&) override { return unused(); }
  Result<daemon::HealthReport> health() override { return unused(); }
  Result<std::vector<daemon::QuarantineRow>> list_quarantine(bool) override { return unused(); }
  Result<daemon::InboundMessage> load_quarantined(std::int64_t) override { return unused(); }
  Status release_quarantined(std::int64_t) override { return unused(); }

 private:
  static Error unused() { return fail("not part of FakeRecordStore", true); }

  daemon::IngestResult write(const daemon::InboundMessage& m, const daemon::Decision& decision,
                             const daemon::AckFactory& make_ack) {
    daemon::IngestResult r;
    advance(m);
    stored_ids.push_back(m.email.message_id);
    if (!decision.make_request) {
      r.outcome = daemon::IngestOutcome::observed;
      return r;
    }
    r.outcome = daemon::IngestOutcome::created;
    daemon::RequestView view;
    view.id = next_request_;
    view.reference = "REQ-" + std::to_string(1000 + next_request_++);
    view.category = decision.category;
    view.priority = decision.priority;
    view.status = daemon::initial_status(!decision.missing.empty());
    view.requester_address = m.email.from ? m.email.from->address : "";
    view.subject = m.email.subject;
    view.request_message_id = m.email.message_id;
    r.reference = view.reference;
    if (decision.acknowledge && make_ack)
      if (auto ack = make_ack(view)) {
        acknowledgments.push_back(ack->subject);
        acknowledgment_ids.push_back(ack->message_id);
        r.ack_queued = true;
      }
    return r;
  }
  std::int64_t hold(const daemon::InboundMessage& m, const std::string& reason) {
    advance(m);
    quarantined.push_back({m.uid, reason, m.raw});
    return static_cast<std::int64_t>(quarantined.size());
  }
  void advance(const daemon::InboundMessage& m) {
    auto& s = states[m.mailbox];
    s.last_uid = std::max(s.last_uid, m.uid);
  }
  std::int64_t next_request_ = 1;
};

}  // namespace intake::testing
