// The intake store port (daemon/core/intake_store.hpp) in memory, for the
// unit tests of the fetch → classify → store path: it answers snapshots from
// what it holds, writes plans the way the PostgreSQL adapter does (all of a
// write or nothing, stale when what a plan was decided from changed),
// records what the stages ask of it, and fails where the test says, the way
// PostgreSQL would (a refused message: an error that names it; a lost
// connection: unreachable).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "daemon/core/intake_store.hpp"
#include "parsers/common/strings.hpp"

namespace intake::testing {

class FakeIntakeStore final : public daemon::IntakeStore {
 public:
  using Key = std::tuple<std::string, std::uint64_t, std::uint64_t>;  // mailbox, UIDVALIDITY, UID

  // A message for which this returns an error is refused (and with it the
  // whole write it is in); `unreachable` on it makes the refusal a lost
  // connection.
  std::function<std::optional<Error>(const daemon::InboundMessage&)> refuse;
  // Called before each write: a test changes the store here as another
  // instance would between a snapshot and its write.
  std::function<void(FakeIntakeStore&)> before_write;

  std::map<std::string, daemon::MailboxState> states;
  std::vector<std::string> stored_ids;          // Message-IDs stored (inbound), in order
  std::vector<std::string> acknowledgments;     // the subjects of the acknowledgments queued
  std::vector<std::string> acknowledgment_ids;  // and their Message-IDs
  std::vector<std::string> acknowledged;        // and their recipients
  std::vector<std::string> events;              // "REQ-n type: detail", in order
  std::map<std::int64_t, daemon::RequestView> requests;  // by id
  std::map<std::string, std::int64_t> request_of_message;
  std::map<Key, int> failures;  // count_store_failure
  int failure_calls = 0;
  struct Held {
    std::uint64_t uid;
    std::string reason;
    std::string raw;
  };
  std::vector<Held> quarantined;
  int write_calls = 0;   // write_plans, refused ones included
  int multi_writes = 0;  // of them, writes of more than one plan
  int ingest_calls = 0;  // of them, writes that take in a message (not only quarantines)
  int stale_writes = 0;
  std::vector<std::pair<bool, std::string>> fetch_health;  // record_fetch(ok, error)
  std::vector<std::string> fetch_alerts;                   // the subjects of the admin alerts queued

  Result<daemon::MailboxState> mailbox_state(const std::string& mailbox) override { return states[mailbox]; }
  Status reset_mailbox(const std::string& mailbox, std::uint64_t uidvalidity) override {
    states[mailbox] = daemon::MailboxState{uidvalidity, 0};
    return Ok{};
  }

  Result<daemon::IngestSnapshot> read_snapshot(const daemon::SnapshotQuery& q) override {
    daemon::IngestSnapshot s;
    for (const auto& id : q.message_ids)
      if (std::find(stored_ids.begin(), stored_ids.end(), id) != stored_ids.end()) s.stored_in.insert(id);
    for (const auto& id : q.named_ids) {
      if (std::find(acknowledgment_ids.begin(), acknowledgment_ids.end(), id) != acknowledgment_ids.end())
        s.sent_out.insert(id);
      if (auto it = request_of_message.find(id); it != request_of_message.end()) s.request_of_message.emplace(id, it->second);
    }
    for (const auto& [id, view] : requests)
      if (std::find(q.numbers.begin(), q.numbers.end(), number_of(view)) != q.numbers.end())
        s.request_of_number.emplace(number_of(view), id);
    for (const auto& [id, request] : s.request_of_message) s.requests[request] = requests.at(request);
    for (const auto& [number, request] : s.request_of_number) s.requests[request] = requests.at(request);
    for (const auto& a : q.ack_addresses)
      s.acks_sent[a] = static_cast<int>(std::count(acknowledged.begin(), acknowledged.end(), a));
    for (int i = 0; i < q.reserve; ++i) {
      s.message_rows.push_back(next_row_++);
      s.request_ids.push_back(next_request_++);
    }
    return s;
  }
  Result<std::vector<std::int64_t>> reserve_numbers(int count) override {
    std::vector<std::int64_t> out;
    for (int i = 0; i < count; ++i) out.push_back(next_number_++);
    return out;
  }
  Result<daemon::WrittenPlans> write_plans(const std::string& mailbox, const std::vector<daemon::IngestPlan>& plans,
                                           std::chrono::sys_seconds acks_since) override {
    (void)mailbox;
    (void)acks_since;
    ++write_calls;
    if (plans.size() > 1) ++multi_writes;
    const bool ingests = std::any_of(plans.begin(), plans.end(), [](const daemon::IngestPlan& p) {
      return p.message != nullptr && p.kind != daemon::PlanKind::quarantine;
    });
    if (ingests) ++ingest_calls;
    if (before_write) before_write(*this);
    for (const auto& p : plans)
      if (p.kind != daemon::PlanKind::quarantine && p.message != nullptr && refuse)
        if (auto e = refuse(*p.message)) return *e;  // nothing of the write is kept
    if (auto stale = stale_since(plans)) {
      ++stale_writes;
      return fail(*stale, ErrorKind::stale);
    }
    daemon::WrittenPlans written;
    for (const auto& p : plans) written.quarantine_ids.push_back(write(p));
    return written;
  }
  Result<int> count_store_failure(const daemon::InboundMessage& m, const std::string& error) override {
    (void)error;
    ++failure_calls;
    return ++failures[Key{m.mailbox, m.uidvalidity, m.uid}];
  }
  Result<daemon::FetchHealth> record_fetch(const std::string& mailbox, bool ok, const std::string& error) override {
    fetch_health.emplace_back(ok, error);
    daemon::FetchHealth& h = health_[mailbox];
    if (ok)
      h = {};
    else
      ++h.consecutive_failures;
    return h;
  }
  Result<bool> queue_fetch_alert(const std::string& mailbox, const daemon::QueuedMail& alert) override {
    daemon::FetchHealth& h = health_[mailbox];
    if (h.alerted || h.consecutive_failures == 0) return false;
    h.alerted = true;
    fetch_alerts.push_back(alert.subject);
    return true;
  }

 private:
  static std::int64_t number_of(const daemon::RequestView& v) { return std::stoll(v.reference.substr(4)); }

  // What the adapter checks under its locks: a request changed since it was
  // read, or a message stored meanwhile.
  std::optional<std::string> stale_since(const std::vector<daemon::IngestPlan>& plans) const {
    for (const auto& p : plans) {
      if (p.change && requests.count(p.request_id) > 0 && requests.at(p.request_id).version != p.change->version)
        return "the plans are stale: a request changed since it was read";
      if (p.message != nullptr && p.kind != daemon::PlanKind::quarantine && p.kind != daemon::PlanKind::duplicate &&
          std::find(stored_ids.begin(), stored_ids.end(), stored_id(*p.message)) != stored_ids.end())
        return "the plans are stale: a message was stored meanwhile";
    }
    return std::nullopt;
  }
  static std::string stored_id(const daemon::InboundMessage& m) {
    return m.email.message_id.empty() ? "sha256:" + m.content_sha256 : m.email.message_id;
  }

  std::int64_t write(const daemon::IngestPlan& p) {
    if (p.message != nullptr) advance(*p.message);
    if (p.kind == daemon::PlanKind::quarantine) return hold(*p.message, p.reason);
    if (p.message != nullptr && p.kind != daemon::PlanKind::duplicate) {
      stored_ids.push_back(stored_id(*p.message));
      if (p.request_id != 0 && !p.message->email.message_id.empty())
        request_of_message[p.message->email.message_id] = p.request_id;
    }
    if (p.created) requests[p.request_id] = p.created->view;
    if (p.change) change(p.request_id, *p.change);
    const std::string ref = requests.count(p.request_id) ? requests[p.request_id].reference : "-";
    for (const auto& e : p.events) events.push_back(ref + " " + e.type + ": " + e.detail);
    for (const auto& m : p.mails) {
      if (m.purpose != "acknowledgment") continue;
      acknowledgments.push_back(m.mail.subject);
      acknowledgment_ids.push_back(m.mail.message_id);
      acknowledged.push_back(parsers::ascii_lower(m.mail.mail.rcpt_to.front()));
    }
    return 0;
  }
  void change(std::int64_t id, const daemon::RequestChange& c) {
    daemon::RequestView& v = requests[id];
    if (c.status) v.status = *c.status;
    if (c.missing) v.missing = *c.missing;
    if (!c.owner.empty()) v.owner = c.owner;
    if (!c.priority.empty()) v.priority = c.priority;
    ++v.version;
  }
  std::int64_t hold(const daemon::InboundMessage& m, const std::string& reason) {
    quarantined.push_back({m.uid, reason, m.raw});
    return static_cast<std::int64_t>(quarantined.size());
  }
  void advance(const daemon::InboundMessage& m) {
    auto& s = states[m.mailbox];
    s.last_uid = std::max(s.last_uid, m.uid);
  }
  std::map<std::string, daemon::FetchHealth> health_;
  std::int64_t next_row_ = 1, next_request_ = 1, next_number_ = 1001;
};

}  // namespace intake::testing
