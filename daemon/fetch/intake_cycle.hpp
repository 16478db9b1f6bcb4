// One intake cycle over the stages: fetch what is new in a mailbox, parse and
// classify it, store it (request and acknowledgment in one transaction), and
// only then mark it processed on the server; every message ends in one
// outcome (store/outcome.hpp). The mails come from respond/ (MailComposer,
// the outbox drain), the summaries from summarize/ (SummaryMailer), what a
// reply changes from classify/ (ReplyRules).
#pragma once

#include <cstddef>
#include <string>

#include "daemon/classify/classify.hpp"
#include "daemon/classify/reply_rules.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/core/business_calendar.hpp"
#include "parsers/config/config.hpp"
#include "daemon/core/mail_sender.hpp"
#include "daemon/core/mailbox_source.hpp"
#include "daemon/core/record_store.hpp"
#include "parsers/request/request_fields.hpp"
#include "daemon/tally/tally_store.hpp"
#include "daemon/core/stage_times.hpp"
#include "daemon/store/chunk_writer.hpp"
#include "daemon/respond/mail_composer.hpp"
#include "daemon/respond/templates.hpp"
#include "daemon/respond/outbox_drain.hpp"
#include "daemon/summarize/summary_mailer.hpp"

namespace intake::daemon {

// The store ports the cycle's stages use; the PostgreSQL adapter is all of
// them at once (RecordStore), unit tests give one fake each.
struct CycleStores {
  CycleStores(RecordStore& all) : intake(all), outbox(all), summaries(all) {}  // NOLINT(google-explicit-constructor)
  CycleStores(IntakeStore& i, OutboxStore& o, SummaryStore& s) : intake(i), outbox(o), summaries(s) {}
  IntakeStore& intake;
  OutboxStore& outbox;
  SummaryStore& summaries;
};

class IntakeCycle {
 public:
  // `random` null: a generator seeded from the system for this thread.
  IntakeCycle(const parsers::Config& config, const CycleStores& stores, const TemplateSet& templates, const Clock& clock,
              const ServicePolicy* service = nullptr, RandomSource* random = nullptr);
  IntakeCycle(const IntakeCycle&) = delete;
  IntakeCycle& operator=(const IntakeCycle&) = delete;

  // Stage 1 to 4 for one mailbox (MailboxRun in intake_cycle.cpp).
  CycleStats fetch_mailbox(const parsers::MailboxConfig& mailbox, MailboxSource& source);
  // A quarantined message through parse, classify and store again (after a
  // parser fix); a permanent error says why it still cannot be taken.
  Result<IngestResult> reprocess(InboundMessage message, const parsers::MailboxConfig& mailbox);
  // classify.hpp's set_due_times with this cycle's service levels; a failure is logged.
  void set_due_times(Decision& decision, std::chrono::sys_seconds arrival) const;
  // The due times of a request whose clock starts now (ReplyPlan::start_clock),
  // from its category and its priority as the reply leaves it.
  void start_clock(const RequestView& request, ReplyPlan& plan) const;
  // A staff member or employee named in "#assign bob": their address, or empty.
  std::string resolve_person(std::string_view who, const parsers::CategoryConfig* category) const {
    return replies_.resolve_person(who, category);
  }

  // Stage 5 and 7, as the service runs them after the mailboxes.
  CycleStats drain_outbox(MailSender& sender, int max_messages, const std::function<bool()>& stop = {}) {
    return daemon::drain_outbox(stores_.outbox, sender, config_, max_messages, stop);
  }
  void queue_due_alerts() { daemon::queue_due_alerts(stores_.outbox, mail_, config_); }
  void queue_summaries() { summaries_.queue_summaries(); }
  void set_tallies(TallyStore* tallies) { summaries_.set_tallies(tallies); }
  const MailComposer& mail() const { return mail_; }
  SummaryMailer& summaries() { return summaries_; }

 private:
  friend class MailboxRun;  // fetch_mailbox's pass over one mailbox (intake_cycle.cpp)
  // The mails and reply rules the store stage's plans need.
  class CyclePlanMails final : public PlanMails {
   public:
    CyclePlanMails(const IntakeCycle& cycle, const MailComposer& mail, const ReplyRules& replies)
        : cycle_(cycle), mail_(mail), replies_(replies) {}
    std::optional<QueuedMail> acknowledgment(const parsers::Email& email, const RequestView& request) const override {
      return mail_.make_acknowledgment(email, request);
    }
    ReplyPlan reply(const parsers::Email& email, const RequestView& request) const override {
      ReplyPlan plan = replies_.plan(email, request);
      if (plan.start_clock) cycle_.start_clock(request, plan);
      return plan;
    }
    std::optional<QueuedMail> team_notice(const parsers::Email& email, const RequestView& request,
                                          const Decision& decision) const override {
      return mail_.make_team_notice(email, request, decision.requester_department);
    }
    std::optional<QueuedMail> outside_notice(const parsers::Email& email) const override {
      return mail_.make_outside_notice(email);
    }

   private:
    const IntakeCycle& cycle_;
    const MailComposer& mail_;
    const ReplyRules& replies_;
  };
  std::chrono::sys_seconds now_seconds() const {
    return std::chrono::time_point_cast<std::chrono::seconds>(clock_.now());
  }
  const parsers::Config& config_;
  CycleStores stores_;
  const Clock& clock_;
  const ServicePolicy* service_;  // null or not configured: no due times promised
  MailComposer mail_;
  SummaryMailer summaries_;
  ReplyRules replies_;
  CyclePlanMails plan_mails_;
  ChunkWriter writer_;
};

}  // namespace intake::daemon
