#include "daemon/respond/outbox_drain.hpp"

#include "daemon/core/logging.hpp"

namespace intake::daemon {

void queue_due_alerts(OutboxStore& store, const MailComposer& composer, const parsers::Config& config) {
  auto log = stage_logger("respond");
  auto alerts = store.due_alerts(config.daemon.due_soon_before_min * 60);
  if (!alerts) {
    log->error("due alerts: {}", alerts.error().message);
    return;
  }
  if (alerts->empty()) return;
  for (DueAlert& a : *alerts) a.mail = composer.make_due_alert(a.request, a.kind, a.overdue);
  auto queued = store.queue_due_alerts(*alerts);
  if (!queued) {
    log->error("due alerts: {}", queued.error().message);
    return;
  }
  for (const DueAlert& a : *alerts)
    log->info("{}: {} {} alert {}", a.request.reference, a.kind, a.overdue ? "overdue" : "due-soon",
              a.mail ? "queued" : "not sent: nobody to alert");
}

std::string outbox_subject(const OutboxItem& item) {
  return item.reference.empty() ? "outbox #" + std::to_string(item.id) : item.reference;
}

namespace {

// One claimed row sent (not yet recorded), its outcome logged and counted.
Status send_one(MailSender& sender, const OutboxItem& item, bool sent_copies, CycleStats& stats) {
  auto log = stage_logger("respond");
  const std::string about = outbox_subject(item);
  if (item.interrupted > 0) {
    if (sent_copies)
      log->warn("{}: {} #{} was cut off mid-send {} time(s) (crash?) and no copy of it came back: sending again",
                about, item.purpose, item.id, item.interrupted);
    else
      log->warn("{}: {} #{} was cut off mid-send {} time(s) (crash?); sending again, its recipient may get it twice",
                about, item.purpose, item.id, item.interrupted);
  }
  Status sent = [&] {
    StageTimer t(stats.stages, Stage::send);
    return sender.send(item.mail);
  }();
  stats.mails.count(item.purpose, static_cast<bool>(sent));
  if (sent) {
    ++stats.mails_sent;
    log->info("{}: {} sent to {}", about, item.purpose, item.mail.rcpt_to.empty() ? "?" : item.mail.rcpt_to[0]);
  } else {
    ++stats.mails_failed;
    if (!sent.error().unreachable())
      log->warn("{}: {} not sent ({}): {}", about, item.purpose, sent.error().permanent() ? "permanent" : "will retry",
                sent.error().message);
  }
  return sent;
}

}  // namespace

CycleStats drain_outbox(OutboxStore& store, MailSender& sender, const parsers::Config& config, int max_messages,
                        const std::function<bool()>& stop) {
  CycleStats stats;
  auto log = stage_logger("respond");
  const int resend = config.daemon.resend_interrupted_after_s;
  // One at a time: a crash can then leave at most one row whose send may or
  // may not have completed. Each mail's outcome is committed together with
  // the next row's claim (finish_and_claim): one durable commit per mail.
  int left = max_messages;
  auto items = left > 0 ? store.claim_outbox(1, resend) : Result<std::vector<OutboxItem>>(std::vector<OutboxItem>{});
  while (true) {
    if (!items) {
      log->error("outbox: {}", items.error().message);
      stats.error = items.error().message;
      break;
    }
    if (items->empty()) break;
    const OutboxItem item = std::move(items->front());
    --left;
    const Status sent = send_one(sender, item, !config.smtp.sent_copy.empty(), stats);
    const bool unreachable = !sent && sent.error().unreachable();
    if (left > 0 && !unreachable && !(stop && stop())) {
      items = store.finish_and_claim(item.id, sent, 1, resend);
      continue;
    }
    if (auto r = store.finish_outbox(item.id, sent); !r) log->error("outbox #{}: {}", item.id, r.error().message);
    if (unreachable) {
      stats.send_failed = true;
      stats.error = sent.error().message;
      log->error("outbox: the mail server is unreachable, sending stops for this cycle: {}", sent.error().message);
    }
    break;
  }
  return stats;
}
}  // namespace intake::daemon
