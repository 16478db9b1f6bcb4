#include "daemon/summarize/summary_mailer.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "daemon/core/logging.hpp"
#include "daemon/tally/tally.hpp"
#include "parsers/common/strings.hpp"

namespace intake::daemon {
Result<QueuedMail> SummaryMailer::make_summary(const parsers::SummaryConfig& subscription, const SummaryPeriod& period,
                                             const SummaryPeriod& previous, bool late) {
  auto rendered = render_summary(subscription, period, previous, late);
  if (!rendered) return rendered.error();
  MessageSpec spec = mail_.spec_for(*rendered, {{"", subscription.to}}, "summary", 10, "auto-generated", true);
  spec.extra_headers.push_back({"X-Intake-Summary", period.key});
  return mail_.to_outbox(spec);
}

Result<RenderedMail> SummaryMailer::render_summary(const parsers::SummaryConfig& subscription, const SummaryPeriod& period,
                                                 const SummaryPeriod& previous, bool late) {
  auto found = find_time_zone(subscription.time_zone);
  if (!found) return fail("summary " + subscription.name + ": " + found.error().message, true);
  const date::time_zone* zone = *found;
  auto rows = store_.summary_requests(previous.start, period.end);
  if (!rows) return rows.error();
  SummaryInput in;
  in.period = period;
  in.previous = previous;
  in.zone = zone;
  in.now = now_seconds();
  in.late = late;
  in.teams = subscription.teams;
  if (in.teams.empty()) {
    for (const auto& c : config_.categories) in.teams.push_back(c.name);
    for (const auto& r : *rows)
      if (std::find(in.teams.begin(), in.teams.end(), r.category) == in.teams.end()) in.teams.push_back(r.category);
  }
  in.requests = std::move(rows.value());
  if (tallies_ != nullptr) {
    // The period's messages that struck a chord, best first, and the
    // colleagues thanked or praised in it (by distinct colleagues).
    TopQuery query;
    query.since = period.start;
    query.until = period.end;
    query.limit = 5;
    query.chords_only = true;
    auto figures = top_figures(*tallies_, query, config_.tally);
    if (!figures) return figures.error();
    std::vector<std::pair<double, ChordMessage>> chords;
    for (const auto& f : *figures) {
      if (f.sent_at >= period.end) continue;
      const ChordScore score = chord_score(f, config_.tally);
      if (score.struck_a_chord)
        chords.push_back({score.score, {f.message_id, f.sender_name.empty() ? f.sender : f.sender_name, f.subject, f.replies,
                                        f.distinct_repliers}});
    }
    std::stable_sort(chords.begin(), chords.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    for (std::size_t i = 0; i < chords.size() && i < 5; ++i) in.chords.push_back(chords[i].second);
    auto kudos = tallies_->kudos_since(period.start);
    if (!kudos) return kudos.error();
    std::map<std::string, std::set<std::string>> thankers;
    for (const auto& k : *kudos)
      if (k.sent_at < period.end) thankers[k.colleague].insert(k.by);
    for (const auto& [colleague, by] : thankers) {
      const parsers::Employee* e = config_.employee(colleague);
      in.kudos.push_back({colleague, e ? e->name : std::string(), static_cast<int>(by.size())});
    }
    std::stable_sort(in.kudos.begin(), in.kudos.end(), [](const Kudos& a, const Kudos& b) { return a.count > b.count; });
    if (in.kudos.size() > 10) in.kudos.resize(10);
  }
  in.calendar_for = [&](const std::string& category) -> std::shared_ptr<const BusinessCalendar> {
    if (service_ == nullptr || !service_->configured()) return nullptr;
    const auto level = service_->level_for(category, "normal");
    return level ? level->calendar : nullptr;
  };
  nlohmann::json values = summary_values(in);
  values["desk_name"] = config_.smtp.from_name.empty() ? config_.smtp.from : config_.smtp.from_name;
  values["recipient"] = subscription.to;
  values["teams_in_scope"] = parsers::join(in.teams);
  return templates_.render("summary", "", values);
}

void SummaryMailer::queue_summaries() {
  auto log = stage_logger("summarize");
  for (const auto& s : config_.summaries) {
    auto found = find_time_zone(s.time_zone);
    if (!found) {
      log->error("summary {}: {}", s.name, found.error().message);
      continue;
    }
    const date::time_zone* zone = *found;
    const SysSeconds now = now_seconds();
    const SummarySlot slot = latest_slot(s, *zone, now);
    auto sent = store_.summary_already_sent(s.name, slot.period.key);
    if (!sent) {
      log->error("summary {}: {}", s.name, sent.error().message);
      continue;
    }
    if (*sent) continue;
    // Late: the daemon was not running (or failing) when it was due. Only
    // the latest period is sent; older missed ones are not made up.
    const auto grace = std::max<std::chrono::seconds>(std::chrono::minutes(15), std::chrono::seconds(2 * config_.daemon.poll_interval_s));
    const bool late = now > slot.scheduled + grace;
    auto mail = make_summary(s, slot.period, slot.previous, late);
    if (!mail) {
      log->error("summary {} for {}: {}", s.name, slot.period.label, mail.error().message);
      continue;
    }
    auto queued = store_.queue_summary(s.name, slot.period.key, slot.scheduled, late, *mail);
    if (!queued) log->error("summary {}: {}", s.name, queued.error().message);
    else if (*queued) log->info("summary {} for {} queued to {}{}", s.name, slot.period.label, s.to, late ? " (late)" : "");
  }
}

}  // namespace intake::daemon
