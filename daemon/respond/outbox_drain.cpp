#include "daemon/respond/outbox_drain.hpp"

#include <atomic>
#include <future>

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

namespace {

// What the lanes of one drain share: the budget left and whether to stop.
struct LaneShare {
  explicit LaneShare(int max_messages) : left(max_messages) {}
  std::atomic<int> left;
  std::atomic<bool> halt{false};
  // One more mail may be claimed (the budget is taken before the claim).
  bool take() { return !halt.load() && left.fetch_sub(1) > 0; }
};

// One lane from its first claim on, until the outbox is empty, the budget is
// spent, the server is unreachable or a stop is asked for.
CycleStats run_lane(SendLane lane, Result<std::vector<OutboxItem>> items, const parsers::Config& config, LaneShare& share,
                    const std::function<bool()>& stop) {
  CycleStats stats;
  auto log = stage_logger("respond");
  const int resend = config.daemon.resend_interrupted_after_s;
  // One at a time: a crash can then leave at most one row per lane whose send
  // may or may not have completed. Each mail's outcome is committed together
  // with the lane's next claim (finish_and_claim): one durable commit per mail.
  while (true) {
    if (!items) {
      log->error("outbox: {}", items.error().message);
      stats.error = items.error().message;
      break;
    }
    if (items->empty()) break;
    const OutboxItem item = std::move(items->front());
    const Status sent = send_one(*lane.sender, item, !config.smtp.sent_copy.empty(), stats);
    const bool unreachable = !sent && sent.error().unreachable();
    // The other lanes hear of it before this one does anything more.
    const bool first_to_halt = unreachable && !share.halt.exchange(true);
    if (stop && stop()) share.halt = true;
    // The database's part of each mail (its outcome, the next claim) is
    // timed as the store stage, the SMTP transaction as send.
    StageTimer db(stats.stages, Stage::store);
    if (!unreachable && share.take()) {
      items = lane.store->finish_and_claim(item.id, sent, 1, resend);
      continue;
    }
    if (auto r = lane.store->finish_outbox(item.id, sent); !r) log->error("outbox #{}: {}", item.id, r.error().message);
    if (unreachable) {
      stats.send_failed = true;
      stats.error = sent.error().message;
      if (first_to_halt)
        log->error("outbox: the mail server is unreachable, sending stops for this cycle: {}", sent.error().message);
    }
    break;
  }
  return stats;
}

void add_stats(CycleStats& into, const CycleStats& lane) {
  into.mails_sent += lane.mails_sent;
  into.mails_failed += lane.mails_failed;
  into.mails.add(lane.mails);
  into.send_failed = into.send_failed || lane.send_failed;
  if (into.error.empty()) into.error = lane.error;
  into.stages.add(lane.stages);
}

}  // namespace

CycleStats drain_outbox(const std::vector<SendLane>& lanes, const parsers::Config& config, int max_messages,
                        const std::function<bool()>& stop, const std::function<void()>& waiting) {
  CycleStats stats;
  if (lanes.empty()) return stats;
  LaneShare share(max_messages);
  if (!share.take()) return stats;
  const int resend = config.daemon.resend_interrupted_after_s;
  auto first = lanes.front().store->claim_outbox(1, resend);
  // The other lanes only when there is mail to send: most cycles have none.
  std::vector<std::future<CycleStats>> others;
  if (first && !first->empty())
    for (std::size_t i = 1; i < lanes.size(); ++i) {
      if (!share.take()) break;
      others.push_back(std::async(std::launch::async, [&, lane = lanes[i]] {
        return run_lane(lane, lane.store->claim_outbox(1, resend), config, share, stop);
      }));
    }
  std::vector<CycleStats> each{run_lane(lanes.front(), std::move(first), config, share, stop)};
  for (auto& f : others) {
    while (f.wait_for(std::chrono::milliseconds(500)) != std::future_status::ready)
      if (waiting) waiting();
    each.push_back(f.get());
  }
  // Where the time went, connection by connection.
  if (each.size() > 1)
    for (std::size_t i = 0; i < each.size(); ++i) {
      const auto& t = each[i].stages;
      stage_logger("respond")->info("outbox: connection {} of {}: sent {}, failed {}; SMTP {:.0f} ms, database {:.0f} ms (wall)",
                                    i + 1, each.size(), each[i].mails_sent, each[i].mails_failed,
                                    t.wall_ms[static_cast<std::size_t>(Stage::send)],
                                    t.wall_ms[static_cast<std::size_t>(Stage::store)]);
    }
  for (const CycleStats& lane : each) add_stats(stats, lane);
  return stats;
}

CycleStats drain_outbox(OutboxStore& store, MailSender& sender, const parsers::Config& config, int max_messages,
                        const std::function<bool()>& stop) {
  return drain_outbox(std::vector<SendLane>{{&store, &sender}}, config, max_messages, stop);
}
}  // namespace intake::daemon
