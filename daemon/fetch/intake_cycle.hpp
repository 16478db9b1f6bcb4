// One intake cycle: fetch what is new in a mailbox, parse and classify it,
// store it (request and acknowledgment in one transaction), and only then mark
// it processed on the server; then drain the outbox. Every message ends in one
// explicit outcome, decided here.
#pragma once

#include <array>
#include <cstddef>
#include <string>

#include "daemon/classify/classify.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/core/business_calendar.hpp"
#include "parsers/config/config.hpp"
#include "daemon/core/mail_sender.hpp"
#include "daemon/core/mailbox_source.hpp"
#include "daemon/core/record_store.hpp"
#include "parsers/request/request_fields.hpp"
#include "daemon/tally/tally_store.hpp"
#include "daemon/respond/templates.hpp"

namespace intake::daemon {

// Time spent per stage of a cycle (wall clock and this thread's CPU), for
// the log and the benchmark.
enum class Stage { fetch, parse, classify, store, move, send, count };
struct StageTimes {
  std::array<double, static_cast<std::size_t>(Stage::count)> wall_ms{}, cpu_ms{};
  std::string line() const;  // "fetch 12.3/4.5 ms, parse ..." (wall/cpu)
};

struct CycleStats {
  std::size_t fetched = 0, created = 0, joined = 0, observed = 0, duplicates = 0, quarantined = 0;
  std::size_t acks_sent = 0, acks_failed = 0;
  bool fetch_failed = false;
  bool send_failed = false;  // the mail server could not be reached
  StageTimes stages;
  std::string error;
};

class IntakeCycle {
 public:
  // A staff member or employee named in "#assign bob": their address, or empty.
  std::string resolve_person(std::string_view who, const parsers::CategoryConfig* category) const;
  // A notice to the requester of `request` (resolved_notice, staff_response),
  // threaded to the request; nullopt when the template fails (logged).
  std::optional<QueuedMail> make_request_mail(const std::string& template_name, const RequestView& request,
                                              nlohmann::json values) const;
  // The same to other recipients (the owner team).
  std::optional<QueuedMail> make_request_mail_to(const std::string& template_name, const RequestView& request,
                                                 nlohmann::json extra, const std::vector<parsers::Address>& to) const;
  // The variables every request mail gets (templates/README.md).
  nlohmann::json request_values(const RequestView& request) const;
  // To the owner, else the category's staff, else the admin address.
  std::optional<QueuedMail> make_due_alert(const RequestView& request, const std::string& kind, bool overdue) const;
  // Where summaries find the messages that struck a chord and the kudos.
  void set_tallies(TallyStore* tallies) { tallies_ = tallies; }
  // Queues the due-soon and overdue alerts that are due (once each).
  void queue_due_alerts();
  // Queues each subscription's summary for its latest period when that has
  // not gone out yet (once per period, marked late when past its time).
  void queue_summaries();
  // The summary of `period` for `subscription`, rendered as a mail to its
  // recipient; `late` marks one sent after its time.
  Result<QueuedMail> make_summary(const parsers::SummaryConfig& subscription, const SummaryPeriod& period,
                                  const SummaryPeriod& previous, bool late);
  Result<RenderedMail> render_summary(const parsers::SummaryConfig& subscription, const SummaryPeriod& period,
                                      const SummaryPeriod& previous, bool late);
  IntakeCycle(const parsers::Config& config, RecordStore& store, const TemplateSet& templates, const Clock& clock,
              const ServicePolicy* service = nullptr);
  // classify.hpp's set_due_times with this cycle's service levels; a failure is logged.
  void set_due_times(Decision& decision, std::chrono::sys_seconds arrival) const;
  CycleStats fetch_mailbox(const parsers::MailboxConfig& mailbox, MailboxSource& source);
  CycleStats drain_outbox(MailSender& sender, int max_messages);
  // A quarantined message through parse, classify and store again (after a
  // parser fix); a permanent error says why it still cannot be taken.
  Result<IngestResult> reprocess(InboundMessage message, const parsers::MailboxConfig& mailbox);

 private:
  friend class MailboxRun;  // fetch_mailbox's pass over one mailbox (intake_cycle.cpp)
  // An automatic answer to the sender of `email`, threaded to it.
  QueuedMail make_answer(const parsers::Email& email, const RenderedMail& rendered, const std::string& id_tag,
                         std::vector<std::pair<std::string, std::string>> extra_headers) const;
  std::optional<QueuedMail> make_acknowledgment(const parsers::Email& email, const RequestView& request);
  // What a reply in a request's thread changes: staff commands and responses,
  // missing facts supplied, a thank-you, a reopening.
  ReplyPlan plan_reply(const parsers::Email& email, const RequestView& request);
  void apply_command(const parsers::StaffCommand& command, const RequestView& request,
                     const parsers::CategoryConfig* category, ReplyPlan& plan) const;
  nlohmann::json plain_or_false(const std::optional<std::chrono::sys_seconds>& t, const std::string& zone) const;
  std::chrono::sys_seconds now_seconds() const {
    return std::chrono::time_point_cast<std::chrono::seconds>(clock_.now());
  }
  std::optional<QueuedMail> make_oversized_notice(const parsers::Email& email, const std::string& category,
                                                  std::uint64_t size_bytes);
  std::optional<QueuedMail> make_fetch_alert(const parsers::MailboxConfig& mailbox, int failures, const std::string& error);
  const parsers::Config& config_;
  RecordStore& store_;
  const TemplateSet& templates_;
  const Clock& clock_;
  const ServicePolicy* service_;  // null or not configured: no due times promised
  TallyStore* tallies_ = nullptr;  // null: summaries without chords and kudos
};

}  // namespace intake::daemon
