#include "daemon/summarize/summary_mailer.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "daemon/core/logging.hpp"
#include "daemon/tally/tally.hpp"
#include "parsers/common/strings.hpp"
#include "parsers/request/rating.hpp"

namespace intake::daemon {
namespace {

// The subscription's teams; when it names none, every category and then any
// other a request was filed under.
std::vector<std::string> teams_in_scope(const parsers::SummaryConfig& subscription, const parsers::Config& config,
                                        const std::vector<SummaryRequest>& rows) {
  std::vector<std::string> teams = subscription.teams;
  if (teams.empty()) {
    for (const auto& c : config.categories) teams.push_back(c.name);
    for (const auto& r : rows)
      if (std::find(teams.begin(), teams.end(), r.category) == teams.end()) teams.push_back(r.category);
  }
  return teams;
}

// The period's messages that struck a chord, best first.
Result<std::vector<ChordMessage>> period_chords(TallyStore& tallies, const SummaryPeriod& period,
                                                const parsers::TallyConfig& config) {
  TopQuery query;
  query.since = period.start;
  query.until = period.end;
  query.limit = 5;
  query.chords_only = true;
  auto figures = top_figures(tallies, query, config);
  if (!figures) return figures.error();
  std::vector<std::pair<double, ChordMessage>> chords;
  for (const auto& f : *figures) {
    if (f.sent_at >= period.end) continue;
    const ChordScore score = chord_score(f, config);
    if (score.struck_a_chord)
      chords.push_back({score.score, {f.message_id, f.sender_name.empty() ? f.sender : f.sender_name, f.subject, f.replies,
                                      f.distinct_repliers}});
  }
  std::stable_sort(chords.begin(), chords.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<ChordMessage> best;
  for (std::size_t i = 0; i < chords.size() && i < 5; ++i) best.push_back(chords[i].second);
  return best;
}

// The colleagues thanked or praised in the period, by distinct colleagues:
// in the mail the tally read (when there is a tally), and, for the owner of
// a request, by a good rating with a comment.
Result<std::vector<Kudos>> period_kudos(TallyStore* tallies, const std::vector<FeedbackRow>& feedback,
                                        const SummaryPeriod& period, const parsers::Config& config) {
  std::map<std::string, std::set<std::string>> thankers;
  if (tallies != nullptr) {
    auto kudos = kudos_since(*tallies, period.start, period.end);
    if (!kudos) return kudos.error();
    for (const auto& k : *kudos)
      thankers[parsers::address_without_plus(k.colleague)].insert(parsers::address_without_plus(k.by));
  }
  // The tally reads the ratings too; a colleague credited twice by the same
  // requester counts once.
  for (const auto& f : feedback)
    if (parsers::is_good_rating(f.score) && !f.comment.empty() && !f.credited.empty())
      thankers[parsers::address_without_plus(f.credited)].insert(parsers::address_without_plus(f.requester));
  std::vector<Kudos> most;
  for (const auto& [colleague, by] : thankers) {
    const parsers::Employee* e = config.employee(colleague);
    most.push_back({colleague, e ? e->name : std::string(), static_cast<int>(by.size())});
  }
  std::stable_sort(most.begin(), most.end(), [](const Kudos& a, const Kudos& b) { return a.count > b.count; });
  if (most.size() > 10) most.resize(10);
  return most;
}

}  // namespace

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
  in.teams = teams_in_scope(subscription, config_, *rows);
  in.team_name = [this](const std::string& category) { return config_.team_name(category); };
  in.requests = std::move(rows.value());
  auto feedback = store_.summary_feedback(period.start, period.end);
  if (!feedback) return feedback.error();
  in.feedback = std::move(feedback.value());
  if (tallies_ != nullptr) {
    auto chords = period_chords(*tallies_, period, config_.tally);
    if (!chords) return chords.error();
    in.chords = std::move(chords.value());
  }
  auto kudos = period_kudos(tallies_, in.feedback, period, config_);
  if (!kudos) return kudos.error();
  in.kudos = std::move(kudos.value());
  in.calendar_for = [&](const std::string& category) -> std::shared_ptr<const BusinessCalendar> {
    if (service_ == nullptr || !service_->configured()) return nullptr;
    const auto level = service_->level_for(category, "normal");
    return level ? level->calendar : nullptr;
  };
  nlohmann::json values = summary_values(in);
  values["desk_name"] = config_.smtp.from_name.empty() ? config_.smtp.from : config_.smtp.from_name;
  values["recipient"] = subscription.to;
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
    // Late: the daemon was not running (or failing) when it was due; never
    // a subscription's first mail, nor a slot before intake existed. Only the
    // latest period is sent; older missed ones are not made up.
    auto history = store_.summary_history(s.name);
    if (!history) {
      log->error("summary {}: {}", s.name, history.error().message);
      continue;
    }
    const auto grace = std::max<std::chrono::seconds>(std::chrono::minutes(15), std::chrono::seconds(2 * config_.daemon.poll_interval_s));
    const bool late = summary_late(slot.scheduled, now, grace, *history);
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
