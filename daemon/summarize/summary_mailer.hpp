// Stage 7's schedule: each subscription's summary for its latest complete
// period, rendered from the figures (summary.hpp) and queued once per period
// through the store, marked late when past its time (never a subscription's
// first mail, nor a slot from before intake's first cycle).
#pragma once

#include "daemon/core/business_calendar.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/core/outbox_store.hpp"
#include "daemon/core/summary_store.hpp"
#include "daemon/respond/mail_composer.hpp"
#include "daemon/respond/templates.hpp"
#include "daemon/summarize/summary.hpp"
#include "daemon/tally/tally_store.hpp"
#include "parsers/config/config.hpp"

namespace intake::daemon {

class SummaryMailer {
 public:
  SummaryMailer(const parsers::Config& config, SummaryStore& store, const TemplateSet& templates, const Clock& clock,
                const ServicePolicy* service, const MailComposer& mail)
      : config_(config), store_(store), templates_(templates), clock_(clock), service_(service), mail_(mail) {}
  // Where summaries find the messages that struck a chord and the kudos.
  void set_tallies(TallyStore* tallies) { tallies_ = tallies; }
  // Queues each subscription's summary for its latest period when that has
  // not gone out yet (once per period, marked late when past its time).
  void queue_summaries();
  // The summary of `period` for `subscription`, rendered as a mail to its
  // recipient; `late` marks one sent after its time.
  Result<QueuedMail> make_summary(const parsers::SummaryConfig& subscription, const SummaryPeriod& period,
                                  const SummaryPeriod& previous, bool late);
  Result<RenderedMail> render_summary(const parsers::SummaryConfig& subscription, const SummaryPeriod& period,
                                      const SummaryPeriod& previous, bool late);

 private:
  std::chrono::sys_seconds now_seconds() const {
    return std::chrono::time_point_cast<std::chrono::seconds>(clock_.now());
  }
  const parsers::Config& config_;
  SummaryStore& store_;
  const TemplateSet& templates_;
  const Clock& clock_;
  const ServicePolicy* service_;  // null or not configured: no calendars for the figures
  const MailComposer& mail_;
  TallyStore* tallies_ = nullptr;  // null: summaries without chords and kudos
};

}  // namespace intake::daemon
