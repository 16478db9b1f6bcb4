// RecordStore over libpqxx 6.4. Every pqxx exception is caught here and turned
// into an Error; a broken connection is reopened on the next call.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "daemon/service/health_check.hpp"
#include "daemon/core/record_store.hpp"

namespace intake::daemon {

struct PqxxConnection;  // a pqxx::connection, kept out of this header

class PqxxRecordStore final : public RecordStore {
 public:
  explicit PqxxRecordStore(std::string conninfo);
  ~PqxxRecordStore() override;
  PqxxRecordStore(const PqxxRecordStore&) = delete;
  PqxxRecordStore& operator=(const PqxxRecordStore&) = delete;

  Status connect();
  // The instance this store works for (InstanceRegistry::id): fetched mail is
  // recorded only while it holds the mailbox's lease, and outbox rows it
  // claims carry its id. Empty (intakectl, tests): neither. A transaction
  // left idle longer than `transaction_idle_limit` is ended by the server, so
  // a paused instance cannot block a takeover with the locks it holds.
  void set_instance(std::string instance_id, std::chrono::milliseconds transaction_idle_limit) {
    instance_id_ = std::move(instance_id);
    transaction_idle_limit_ = transaction_idle_limit;
  }
  Result<MailboxState> mailbox_state(const std::string& mailbox) override;
  Status reset_mailbox(const std::string& mailbox, std::uint64_t uidvalidity) override;
  Result<int> count_store_failure(const InboundMessage& message, const std::string& error) override;
  Result<IngestSnapshot> read_snapshot(const SnapshotQuery& query) override;
  Result<std::vector<std::int64_t>> reserve_numbers(int count) override;
  Result<WrittenPlans> write_plans(const std::string& mailbox, const std::vector<IngestPlan>& plans,
                                   std::chrono::sys_seconds acks_since) override;
  Result<FetchHealth> record_fetch(const std::string& mailbox, bool ok, const std::string& error) override;
  Result<bool> queue_fetch_alert(const std::string& mailbox, const QueuedMail& alert) override;
  Result<std::vector<OutboxItem>> claim_outbox(int limit, int resend_interrupted_after_s) override;
  Status finish_outbox(std::int64_t id, const Status& result) override;
  Result<std::vector<OutboxItem>> finish_and_claim(std::int64_t id, const Status& result, int limit,
                                                   int resend_interrupted_after_s) override;
  Result<std::vector<DueAlert>> due_alerts(int soon_s) override;
  Result<int> queue_due_alerts(const std::vector<DueAlert>& alerts) override;
  Result<RequestView> request_view(const std::string& reference) override;
  Result<std::vector<SummaryRequest>> summary_requests(std::chrono::sys_seconds previous_start,
                                                       std::chrono::sys_seconds period_end) override;
  Result<std::vector<FeedbackRow>> summary_feedback(std::chrono::sys_seconds start, std::chrono::sys_seconds end) override;
  Result<bool> summary_already_sent(const std::string& subscription, const std::string& period_key) override;
  Result<SummaryHistory> summary_history(const std::string& subscription) override;
  Result<bool> queue_summary(const std::string& subscription, const std::string& period_key,
                             std::chrono::sys_seconds scheduled, bool late, const QueuedMail& mail) override;
  Status queue_mail_now(const std::string& purpose, const QueuedMail& mail) override;
  Result<std::vector<RequestDetail>> list_requests(const std::string& status, const std::string& category) override;
  Result<std::vector<OutsideRow>> list_outside(int limit) override;
  Result<RequestDetail> find_request(const std::string& reference) override;
  Result<HealthReport> health() override;
  Result<std::vector<QuarantineRow>> list_quarantine(bool include_released) override;
  Result<InboundMessage> load_quarantined(std::int64_t id) override;
  Status release_quarantined(std::int64_t id) override;

  // Applies the numbered migrations compiled into the binary; returns the
  // schema version afterwards.
  Result<int> migrate();
  Result<int> schema_version();
  // Acknowledgments still in the outbox (pending or sending) and the oldest
  // one's request, for `intakectl status`.
  Result<AckBacklog> acknowledgment_backlog();

 private:
  template <typename F>
  auto guarded(const char* what, F&& f) -> decltype(f());
  std::string conninfo_;
  std::unique_ptr<PqxxConnection> conn_;
  std::string instance_id_;
  std::chrono::milliseconds transaction_idle_limit_{0};
};

// Adds the password from a file to a libpq URI or key=value string.
std::string conninfo_with_password(const std::string& url, const std::string& password);

}  // namespace intake::daemon
