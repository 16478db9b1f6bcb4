// Manager summaries against a fixed clock and seeded requests: which period
// a subscription is due for, and every figure of it in business time (Berlin
// office hours, Monday to Friday 09:00-17:00): medians and 90th percentiles
// across a weekend, target attainment, overdue and due-soon lists, changes
// against the previous period, the bar chart and the departments; the
// requesters' ratings per team and the kudos they give.
#include <gtest/gtest.h>

#include "daemon/respond/template_catalog.hpp"
#include "daemon/summarize/summary.hpp"
#include "daemon/summarize/summary_mailer.hpp"
#include "tests/daemon/fakes/fake_clock.hpp"
#include "tests/daemon/fakes/fake_summary_store.hpp"

namespace intake::daemon {
namespace {

using namespace std::chrono;

// Berlin in November and December is UTC+1.
SysSeconds berlin(int y, unsigned m, unsigned d, int h, int min = 0) {
  return sys_days{year{y} / month{m} / day{d}} + hours{h - 1} + minutes{min};
}

const date::time_zone& zone() { return *date::locate_zone("Europe/Berlin"); }

std::shared_ptr<const BusinessCalendar> office() {
  std::array<std::vector<parsers::TimeRange>, 7> hours{};
  for (int d = 1; d <= 5; ++d) hours[static_cast<std::size_t>(d)] = {{9 * 60, 17 * 60}};
  return std::make_shared<BusinessCalendar>("office", zone(), hours, std::vector<date::local_days>{});
}

parsers::SummaryConfig weekly() {
  parsers::SummaryConfig s;
  s.to = "boss@example.test";
  s.frequency = "weekly";
  s.weekday = 1;
  s.at_min = 8 * 60;
  s.time_zone = "Europe/Berlin";
  return s;
}

TEST(SummarySchedule, weekly_slot_is_the_last_monday_at_eight_and_covers_the_week_before) {
  const SummarySlot slot = latest_slot(weekly(), zone(), berlin(2026, 12, 7, 8, 30));
  EXPECT_EQ(slot.scheduled, berlin(2026, 12, 7, 8));
  EXPECT_EQ(slot.period.start, berlin(2026, 11, 30, 0));
  EXPECT_EQ(slot.period.end, berlin(2026, 12, 7, 0));
  EXPECT_EQ(slot.period.key, "weekly:2026-11-30");
  EXPECT_EQ(slot.period.label, "Monday 30 November to Sunday 6 December 2026");
  EXPECT_EQ(slot.previous.key, "weekly:2026-11-23");
  // Before 08:00 on Monday the slot is still last week's.
  EXPECT_EQ(latest_slot(weekly(), zone(), berlin(2026, 12, 7, 7, 59)).period.key, "weekly:2026-11-23");
  EXPECT_EQ(latest_slot(weekly(), zone(), berlin(2026, 12, 10, 12)).period.key, "weekly:2026-11-30");
}

TEST(SummarySchedule, daily_and_monthly_slots_and_a_dst_change) {
  auto daily = weekly();
  daily.frequency = "daily";
  EXPECT_EQ(latest_slot(daily, zone(), berlin(2026, 12, 7, 9)).period.key, "daily:2026-12-06");
  EXPECT_EQ(latest_slot(daily, zone(), berlin(2026, 12, 7, 7)).period.key, "daily:2026-12-05");
  auto monthly = weekly();
  monthly.frequency = "monthly";
  monthly.day = 2;
  const auto m = latest_slot(monthly, zone(), berlin(2026, 12, 7, 9));
  EXPECT_EQ(m.period.key, "monthly:2026-11");
  EXPECT_EQ(m.period.label, "November 2026");
  EXPECT_EQ(m.scheduled, berlin(2026, 12, 2, 8));
  EXPECT_EQ(m.previous.key, "monthly:2026-10");
  EXPECT_EQ(latest_slot(monthly, zone(), berlin(2026, 12, 1, 9)).period.key, "monthly:2026-10");
  // The week of the October change has 169 hours.
  const auto dst = latest_slot(weekly(), zone(), sys_days{year{2026} / 11 / 2} + hours{12});
  EXPECT_EQ(dst.period.key, "weekly:2026-10-26");
  EXPECT_EQ(duration_cast<hours>(dst.period.end - dst.period.start).count(), 168);
  EXPECT_EQ(duration_cast<hours>(dst.previous.end - dst.previous.start).count(), 169);
}

TEST(SummarySchedule, named_periods) {
  const auto now = berlin(2026, 12, 9, 15);  // a Wednesday
  EXPECT_EQ(named_period("last-week", zone(), now)->key, "weekly:2026-11-30");
  EXPECT_EQ(named_period("this-week", zone(), now)->key, "weekly:2026-12-07");
  EXPECT_EQ(named_period("yesterday", zone(), now)->key, "daily:2026-12-08");
  EXPECT_EQ(named_period("last-month", zone(), now)->key, "monthly:2026-11");
  EXPECT_EQ(named_period("2026-11-01..2026-11-15", zone(), now)->days.size(), 15u);
  EXPECT_FALSE(named_period("fortnight", zone(), now));
  EXPECT_FALSE(named_period("2026-11-15..2026-11-01", zone(), now));
}

TEST(SummaryFigures, business_time_medians_percentiles_attainment_and_changes) {
  SummaryInput in;
  const SummarySlot slot = latest_slot(weekly(), zone(), berlin(2026, 12, 7, 8, 30));
  in.period = slot.period;
  in.previous = slot.previous;
  in.teams = {"it", "hr"};
  in.zone = &zone();
  in.now = berlin(2026, 12, 7, 8, 30);
  const auto cal = office();
  in.calendar_for = [&](const std::string&) { return cal; };
  auto req = [](std::string ref, std::string cat, std::string dept, SysSeconds created) {
    SummaryRequest r;
    r.reference = std::move(ref);
    r.requester = "x@example.test";
    r.category = std::move(cat);
    r.department = std::move(dept);
    r.created = created;
    return r;
  };
  // R1: answered in an hour, resolved after one business day; both targets met.
  auto r1 = req("REQ-1", "it", "Sales", berlin(2026, 11, 30, 9));
  r1.acknowledged = berlin(2026, 11, 30, 9, 1);
  r1.first_response = berlin(2026, 11, 30, 10);
  r1.resolved = berlin(2026, 12, 1, 9);
  r1.due_first_response = berlin(2026, 11, 30, 13);
  r1.due_resolution = berlin(2026, 12, 1, 17);
  // R2: Friday 16:00, answered on Saturday: one business hour, not eighteen.
  auto r2 = req("REQ-2", "it", "Sales", berlin(2026, 12, 4, 16));
  r2.acknowledged = berlin(2026, 12, 4, 16, 2);
  r2.first_response = berlin(2026, 12, 5, 10);
  r2.due_first_response = berlin(2026, 12, 7, 11);
  r2.due_resolution = berlin(2026, 12, 7, 12);  // due within a day of the period's end
  // R3: answered late, resolution overdue at the period's end.
  auto r3 = req("REQ-3", "it", "Finance", berlin(2026, 12, 2, 14));
  r3.acknowledged = berlin(2026, 12, 2, 14);
  r3.first_response = berlin(2026, 12, 3, 11);
  r3.due_first_response = berlin(2026, 12, 3, 10);
  r3.due_resolution = berlin(2026, 12, 4, 12);
  // R4: made on the Sunday before, resolved in the period.
  auto r4 = req("REQ-4", "it", "Sales", berlin(2026, 11, 29, 12));
  r4.first_response = berlin(2026, 11, 30, 9, 30);
  r4.resolved = berlin(2026, 11, 30, 10);
  r4.due_first_response = berlin(2026, 11, 30, 13);
  // R5: the previous week's other request.
  auto r5 = req("REQ-5", "it", "Sales", berlin(2026, 11, 24, 10));
  r5.first_response = berlin(2026, 11, 24, 10, 30);
  r5.resolved = berlin(2026, 11, 24, 12);
  r5.due_first_response = berlin(2026, 11, 24, 14);
  r5.due_resolution = berlin(2026, 11, 25, 17);
  // R6: HR, waiting on its requester; R7: after the period, not counted.
  auto r6 = req("REQ-6", "hr", "Finance", berlin(2026, 12, 1, 10));
  r6.waiting_on_requester = true;
  auto r7 = req("REQ-7", "it", "Sales", berlin(2026, 12, 7, 9));
  in.requests = {r1, r2, r3, r4, r5, r6, r7};
  in.chords = {{"<a@boss>", "Boss", "New office plan", 5, 4}};
  in.kudos = {{"chris@example.test", "Chris Jones", 4}};

  const nlohmann::json v = summary_values(in);
  ASSERT_EQ(v["teams"].size(), 2u);
  const auto& it = v["teams"][0];
  EXPECT_EQ(it["name"], "it");
  EXPECT_EQ(it["received"], 3);
  EXPECT_EQ(it["acknowledged"], 3);
  EXPECT_EQ(it["resolved"], 2);  // R1 and R4
  EXPECT_EQ(it["open"], 2);      // R2 and R3
  EXPECT_EQ(it["ack_median_min"], 1);
  EXPECT_EQ(it["ack_p90_min"], 2);
  EXPECT_EQ(it["first_response_median_min"], 60);  // [60, 60, 300]
  EXPECT_EQ(it["first_response_p90_min"], 300);    // Wed 14-17 and Thu 9-11
  EXPECT_EQ(it["first_response_median"], "1h");
  EXPECT_EQ(it["first_response_p90"], "5h");
  EXPECT_EQ(it["resolution_median_min"], 480);
  EXPECT_EQ(it["first_response_met_pct"], 67);  // 2 of 3
  EXPECT_EQ(it["resolution_met_pct"], 50);      // R1 met, R3 missed, R2 not yet due
  EXPECT_EQ(it["overdue"].size(), 1u);
  EXPECT_EQ(it["overdue"][0]["reference"], "REQ-3");
  EXPECT_EQ(it["overdue"][0]["age"], "4d 10h");
  EXPECT_EQ(it["due_soon"][0]["reference"], "REQ-2");
  // Against the week before: R5 and R4 received, R5 answered in 30 min, 100% met.
  EXPECT_EQ(it["received_change"]["delta"], 1);
  EXPECT_EQ(it["received_change"]["text"], "+1");
  EXPECT_EQ(it["first_response_median_change"]["delta"], 30);
  EXPECT_EQ(it["first_response_median_change"]["text"], "+30min");
  EXPECT_EQ(it["first_response_met_change"]["delta"], -33);
  EXPECT_EQ(it["first_response_met_change"]["arrow"], "\u25BC");
  // One bar per day: Monday, Wednesday and Friday had one request each.
  ASSERT_EQ(it["days"].size(), 7u);
  EXPECT_EQ(it["days"][0]["day"], "Mon 30 Nov");
  std::vector<int> counts;
  for (const auto& d : it["days"]) counts.push_back(d["count"].get<int>());
  EXPECT_EQ(counts, (std::vector<int>{1, 0, 1, 0, 1, 0, 0}));
  EXPECT_EQ(it["days"][0]["width"], 240);
  const auto& hr = v["teams"][1];
  EXPECT_EQ(hr["received"], 1);
  EXPECT_EQ(hr["waiting"], 1);
  EXPECT_TRUE(hr["first_response_median_min"].is_null());
  EXPECT_EQ(hr["first_response_median"], "-");
  // Departments: Finance 2 (R3, R6), Sales 2 (R1, R2); ties in name order.
  ASSERT_EQ(v["departments"].size(), 2u);
  EXPECT_EQ(v["departments"][0]["name"], "Finance");
  EXPECT_EQ(v["departments"][0]["count"], 2);
  EXPECT_EQ(v["departments"][0]["first_response_median_min"], 300);
  EXPECT_EQ(v["departments"][1]["first_response_median_min"], 60);
  EXPECT_EQ(v["total_received"], 4);
  ASSERT_EQ(v["chords"].size(), 1u);
  EXPECT_EQ(v["chords"][0]["subject"], "New office plan");
  EXPECT_EQ(v["chords"][0]["distinct_repliers"], 4);
  EXPECT_EQ(v["kudos"][0]["name"], "Chris Jones");
  EXPECT_EQ(v["kudos"][0]["count"], 4);
  EXPECT_TRUE(v["has_chords"].get<bool>());
}

TEST(SummaryFigures, nearest_rank_and_formatting) {
  using m = std::chrono::minutes;
  EXPECT_EQ(nearest_rank({m{5}, m{1}, m{3}, m{2}}, 0.5), m{2});
  EXPECT_EQ(nearest_rank({m{5}, m{1}, m{3}, m{2}}, 0.9), m{5});
  EXPECT_EQ(nearest_rank({m{7}}, 0.9), m{7});
  EXPECT_EQ(format_minutes(m{45}), "45min");
  EXPECT_EQ(format_minutes(m{185}), "3h 05min");
  EXPECT_EQ(format_minutes(m{1560}), "26h");
}

}  // namespace
}  // namespace intake::daemon

namespace intake::daemon {
namespace {

// The requesters' ratings in a summary, through SummaryMailer and the summary
// port's fake (no tally: kudos come from the ratings alone).
TEST(SummaryRatings, each_team_shows_its_ratings_average_good_share_and_latest_comments_and_good_ones_credit_the_owner) {
  parsers::Config config;
  config.smtp.from = "requests@example.test";
  config.categories.resize(2);
  config.categories[0].name = "it";
  config.categories[1].name = "hr";
  config.employees = {{"dave@example.test", "Dave Okafor", "IT", "", ""}};
  auto templates = TemplateSet::load(INTAKE_TEMPLATES_DIR, required_template_names(), template_variables());
  ASSERT_TRUE(templates) << templates.error().message;
  testing::FakeClock clock{berlin(2026, 12, 7, 8, 30)};
  testing::FakeRandom random;
  testing::FakeSummaryStore store;
  auto rating = [](std::string ref, std::string category, std::string by, std::string owner, int score, std::string comment,
                   SysSeconds at) {
    return FeedbackRow{std::move(ref), std::move(category), std::move(by), "", std::move(owner), score, std::move(comment), at};
  };
  store.feedback = {
      rating("REQ-1", "it", "alice@example.test", "dave@example.test", 5, "great service", berlin(2026, 12, 1, 10)),
      rating("REQ-2", "it", "bob@example.test", "dave@example.test", 4, "", berlin(2026, 12, 2, 10)),
      rating("REQ-3", "it", "carol@example.test", "", 2, "took too long", berlin(2026, 12, 3, 10)),
      rating("REQ-4", "it", "erin@example.test", "dave@example.test", 5, "quick", berlin(2026, 12, 4, 10)),
      rating("REQ-5", "it", "frank@example.test", "dave@example.test", 4, "fine", berlin(2026, 12, 5, 10)),
      rating("REQ-6", "it", "gina@example.test", "dave@example.test", 1, "before the week", berlin(2026, 11, 29, 10)),
  };
  MailComposer mail(config, *templates, clock, random);
  SummaryMailer mailer(config, store, *templates, clock, nullptr, mail);
  const SummarySlot slot = latest_slot(weekly(), zone(), berlin(2026, 12, 7, 8, 30));
  auto rendered = mailer.render_summary(weekly(), slot.period, slot.previous, false);
  ASSERT_TRUE(rendered) << rendered.error().message;
  const std::string& text = rendered->text;
  // Five in the week (REQ-6 was the week before): 5+4+2+5+4 = 20, 4.0; four good.
  EXPECT_NE(text.find("Rated by requesters: 5, average 4.0 of 5, good (4 or 5): 80%"), std::string::npos) << text;
  // The three latest comments, newest first; the empty one is no comment.
  const auto fine = text.find("4/5 \"fine\" (frank@example.test, REQ-5)");
  const auto quick = text.find("5/5 \"quick\" (erin@example.test, REQ-4)");
  const auto slow = text.find("2/5 \"took too long\" (carol@example.test, REQ-3)");
  ASSERT_NE(fine, std::string::npos) << text;
  ASSERT_NE(quick, std::string::npos);
  ASSERT_NE(slow, std::string::npos);
  EXPECT_LT(fine, quick);
  EXPECT_LT(quick, slow);
  EXPECT_EQ(text.find("great service"), std::string::npos);  // a fourth comment is not quoted
  // HR had none: no ratings line for it.
  EXPECT_EQ(text.find("Rated by requesters"), text.rfind("Rated by requesters"));
  // Good ratings with a comment by three colleagues credit Dave; REQ-2 has no comment.
  EXPECT_NE(text.find("Dave Okafor was thanked by 3 colleague(s)"), std::string::npos) << text;
  EXPECT_NE(rendered->html.find("average <strong>4.0</strong> of 5"), std::string::npos);
}

}  // namespace
}  // namespace intake::daemon

namespace intake::daemon {
namespace {

using namespace std::chrono;

// The code points of a UTF-8 line, so that columns are counted as a reader sees them.
std::vector<char32_t> code_points(const std::string& s) {
  std::vector<char32_t> out;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t cp = n == 1 ? char32_t{c} : static_cast<char32_t>(c & (0xFFU >> (n + 1)));
    for (std::size_t k = 1; k < n && i + k < s.size(); ++k)
      cp = (cp << 6) | static_cast<char32_t>(static_cast<unsigned char>(s[i + k]) & 0x3FU);
    out.push_back(cp);
    i += n;
  }
  return out;
}

// Every column the heading starts (after two blanks) starts in every row too
// (the first `columns` of them, when given: cells to the right may be empty).
void expect_columns_line_up(const std::vector<std::string>& lines, std::size_t columns = 100) {
  ASSERT_GE(lines.size(), 2u);
  const auto heading = code_points(lines[0]);
  std::vector<std::size_t> starts;
  for (std::size_t k = 2; k < heading.size(); ++k)
    if (heading[k] != U' ' && heading[k - 1] == U' ' && heading[k - 2] == U' ' && starts.size() < columns) starts.push_back(k);
  ASSERT_FALSE(starts.empty()) << lines[0];
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto row = code_points(lines[i]);
    for (const std::size_t k : starts) {
      ASSERT_LT(k, row.size()) << "row " << i << ": " << lines[i];
      EXPECT_EQ(row[k - 1], U' ') << "column at " << k << " in: " << lines[i] << "\nunder: " << lines[0];
      EXPECT_NE(row[k], U' ') << "column at " << k << " in: " << lines[i] << "\nunder: " << lines[0];
    }
  }
}

SummaryRequest request(std::string ref, std::string category, std::string subject, SysSeconds created) {
  SummaryRequest r;
  r.reference = std::move(ref);
  r.requester = "x@example.test";
  r.category = std::move(category);
  r.subject = std::move(subject);
  r.created = created;
  return r;
}

const SysSeconds scheduled = berlin(2026, 12, 7, 8);  // a Monday's weekly slot

TEST(SummaryLate, a_subscriptions_first_mail_is_not_late_however_long_after_its_time) {
  SummaryHistory first;
  first.intake_since = scheduled - days{60};  // intake has run for two months
  EXPECT_FALSE(summary_late(scheduled, scheduled + days{3}, minutes{15}, first));
  // The same slot for a subscription that had mail before: late.
  SummaryHistory known = first;
  known.sent_before = true;
  EXPECT_TRUE(summary_late(scheduled, scheduled + days{3}, minutes{15}, known));
  EXPECT_FALSE(summary_late(scheduled, scheduled + minutes{15}, minutes{15}, known));  // within the grace
}

TEST(SummaryLate, a_slot_before_intakes_first_cycle_is_not_late) {
  SummaryHistory h;
  h.sent_before = true;
  h.intake_since = scheduled + hours{26};  // set up on Tuesday: Monday's slot came before it
  EXPECT_FALSE(summary_late(scheduled, scheduled + days{2}, minutes{15}, h));
  h.intake_since = scheduled - hours{1};
  EXPECT_TRUE(summary_late(scheduled, scheduled + days{2}, minutes{15}, h));
  h.intake_since.reset();  // unknown: only the time decides
  EXPECT_TRUE(summary_late(scheduled, scheduled + days{2}, minutes{15}, h));
}

// Through the mailer: a new subscription's first mail, after intake ran for
// weeks and three days after its slot, is not marked late; one whose earlier
// period went out is.
TEST(SummaryLate, the_mailer_marks_late_only_a_known_subscriptions_missed_slot) {
  parsers::Config config;
  config.smtp.from = "requests@example.test";
  config.categories.resize(1);
  config.categories[0].name = "it";
  auto fresh = weekly();
  fresh.name = "fresh";
  auto known = weekly();
  known.name = "known";
  config.summaries = {fresh, known};
  auto templates = TemplateSet::load(INTAKE_TEMPLATES_DIR, required_template_names(), template_variables());
  ASSERT_TRUE(templates) << templates.error().message;
  testing::FakeClock clock{berlin(2026, 12, 10, 9)};  // Thursday: Monday's slot is three days past
  testing::FakeRandom random;
  testing::FakeSummaryStore store;
  store.intake_since = berlin(2026, 10, 1, 12);
  store.sent[{"known", "weekly:2026-11-23"}] = "Requests summary: Monday 23 November to Sunday 29 November 2026";
  MailComposer mail(config, *templates, clock, random);
  SummaryMailer mailer(config, store, *templates, clock, nullptr, mail);
  mailer.queue_summaries();
  ASSERT_EQ(store.sent.count({"fresh", "weekly:2026-11-30"}), 1u);
  EXPECT_EQ((store.sent[{"fresh", "weekly:2026-11-30"}]), "Requests summary: Monday 30 November to Sunday 6 December 2026");
  ASSERT_EQ(store.sent.count({"known", "weekly:2026-11-30"}), 1u);
  EXPECT_EQ((store.sent[{"known", "weekly:2026-11-30"}]), "[late] Requests summary: Monday 30 November to Sunday 6 December 2026");
}

// A preview of the running week taken on Thursday: ages, overdue and the
// targets as of now, not as of the week's end.
TEST(SummaryFigures, a_running_period_has_its_figures_as_of_now) {
  const SysSeconds now = berlin(2026, 12, 10, 14);  // Thursday 14:00
  SummaryInput in;
  in.period = named_period("this-week", zone(), now).value();
  in.previous = previous_period(in.period, zone());
  in.teams = {"it"};
  in.zone = &zone();
  in.now = now;
  // A: made ten minutes ago; first response due at 17:00, resolution tomorrow.
  auto a = request("REQ-A", "it", "Printer jam", now - minutes{10});
  a.due_first_response = berlin(2026, 12, 10, 17);
  a.due_resolution = berlin(2026, 12, 11, 12);
  // B: Monday's, answered on time, its resolution due yesterday: overdue.
  auto b = request("REQ-B", "it", "VPN down", berlin(2026, 12, 7, 10));
  b.first_response = berlin(2026, 12, 7, 11);
  b.due_first_response = berlin(2026, 12, 7, 13);
  b.due_resolution = berlin(2026, 12, 9, 12);
  // C: answered on time, its resolution due on Saturday: neither.
  auto c = request("REQ-C", "it", "New laptop", berlin(2026, 12, 8, 9));
  c.first_response = berlin(2026, 12, 8, 10);
  c.due_first_response = berlin(2026, 12, 8, 13);
  c.due_resolution = berlin(2026, 12, 12, 12);
  in.requests = {a, b, c};

  const nlohmann::json v = summary_values(in);
  EXPECT_TRUE(v["running"].get<bool>());
  EXPECT_EQ(v["as_of"], "Thu 10 Dec 14:00");
  const auto& it = v["teams"][0];
  EXPECT_EQ(it["open"], 3);
  ASSERT_EQ(it["overdue"].size(), 1u) << it["overdue"].dump();
  EXPECT_EQ(it["overdue"][0]["reference"], "REQ-B");
  EXPECT_EQ(it["overdue"][0]["subject"], "VPN down");
  EXPECT_EQ(it["overdue"][0]["due"], "Wed 9 Dec 12:00");
  EXPECT_EQ(it["overdue"][0]["due_kind"], "resolution");
  EXPECT_EQ(it["overdue"][0]["age"], "3d 4h");
  ASSERT_EQ(it["due_soon"].size(), 1u) << it["due_soon"].dump();
  EXPECT_EQ(it["due_soon"][0]["reference"], "REQ-A");
  EXPECT_EQ(it["due_soon"][0]["due_kind"], "first response");
  EXPECT_EQ(it["due_soon"][0]["due"], "Thu 10 Dec 17:00");
  EXPECT_EQ(it["due_soon"][0]["age"], "10min");
  // Targets: B and C answered on time; B's resolution missed; A's and C's not due yet.
  EXPECT_EQ(it["first_response_met_pct"], 100);
  EXPECT_EQ(it["resolution_met_pct"], 0);
  EXPECT_EQ(it["on_time_pct"], 67);
  // The chart stops at today.
  ASSERT_EQ(it["days"].size(), 4u);
  EXPECT_EQ(it["days"][3]["day"], "Thu 10 Dec");
  EXPECT_EQ(it["days"][3]["count"], 1);
}

// The overview holds every team in scope under its display name, with the
// changes; teams with nothing get no section, only one line; one bar scale.
TEST(SummaryOverview, every_team_has_a_row_and_quiet_teams_collapse_to_one_line) {
  SummaryInput in;
  const SummarySlot slot = latest_slot(weekly(), zone(), berlin(2026, 12, 7, 8, 30));
  in.period = slot.period;
  in.previous = slot.previous;
  in.teams = {"it", "hr", "facilities", "shipping"};
  in.team_name = [](const std::string& c) { return c == "it" ? std::string("IT") : c == "hr" ? std::string("HR & Payroll") : c; };
  in.zone = &zone();
  in.now = berlin(2026, 12, 7, 8, 30);
  auto it1 = request("REQ-1", "it", "Laptop", berlin(2026, 12, 1, 10));
  it1.first_response = berlin(2026, 12, 1, 11);
  it1.resolved = berlin(2026, 12, 1, 12);
  auto it2 = request("REQ-2", "it", "Dock", berlin(2026, 12, 1, 11));
  auto hr1 = request("REQ-3", "hr", "Payslip", berlin(2026, 12, 2, 10));
  auto old = request("REQ-4", "it", "Mouse", berlin(2026, 11, 24, 10));
  old.resolved = berlin(2026, 11, 24, 12);
  in.requests = {it1, it2, hr1, old};
  in.feedback = {FeedbackRow{"REQ-9", "shipping", "a@example.test", "", "", 5, "", berlin(2026, 12, 3, 10)}};

  const nlohmann::json v = summary_values(in);
  ASSERT_EQ(v["overview"].size(), 4u);
  EXPECT_EQ(v["overview"][0]["name"], "IT");
  EXPECT_EQ(v["overview"][0]["received"], 2);
  EXPECT_EQ(v["overview"][0]["received_change"], "+1");
  EXPECT_EQ(v["overview"][0]["resolved_change"], "=");
  EXPECT_EQ(v["overview"][0]["open"], 1);
  EXPECT_EQ(v["overview"][0]["first_response_median"], "1h");
  EXPECT_EQ(v["overview"][1]["name"], "HR & Payroll");
  EXPECT_EQ(v["overview"][2]["name"], "facilities");
  EXPECT_TRUE(v["overview"][2]["quiet"].get<bool>());
  EXPECT_EQ(v["overview"][2]["received"], 0);
  // Shipping received nothing but was rated: it has a section.
  EXPECT_FALSE(v["overview"][3]["quiet"].get<bool>());
  EXPECT_TRUE(v["overview_has_ratings"].get<bool>());
  ASSERT_EQ(v["teams"].size(), 3u);
  EXPECT_EQ(v["teams"][0]["name"], "IT");
  EXPECT_EQ(v["teams"][1]["name"], "HR & Payroll");
  EXPECT_EQ(v["teams"][2]["name"], "shipping");
  EXPECT_EQ(v["quiet_teams"], "facilities");
  EXPECT_EQ(v["teams_in_scope"], "IT, HR & Payroll, facilities, shipping");
  // One scale: IT's two on Tuesday are the longest bar, HR's one is half of it.
  EXPECT_EQ(v["teams"][0]["days"][1]["width"], 240);
  EXPECT_EQ(v["teams"][1]["days"][2]["width"], 120);
  EXPECT_EQ(v["teams"][1]["days"][2]["text_bar"], "##########");
  // The text lines of the overview line up under their heading.
  std::vector<std::string> lines = {v["overview_heading"]};
  for (const auto& row : v["overview"]) lines.push_back(row["line"]);
  expect_columns_line_up(lines);
  EXPECT_NE(lines[1].find("2 (+1)"), std::string::npos) << lines[1];
}

TEST(SummaryText, aligned_columns_pad_to_the_widest_cell_in_characters) {
  const auto lines = aligned_columns({{"Team", "Received", "On time"}, {"Küche", "12 (▲3)", "-"}, {"HR & Payroll", "1", "80%"}}, "  ");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "  Team          Received  On time");
  EXPECT_EQ(lines[1], "  Küche         12 (▲3)   -");
  EXPECT_EQ(lines[2], "  HR & Payroll  1         80%");
  expect_columns_line_up(lines);
}

// The text part as a manager gets it: the overview first, its columns lined
// up, sections apart, team names as configured, no command to run.
TEST(SummaryText, the_text_part_opens_with_an_aligned_overview_and_separates_its_sections) {
  parsers::Config config;
  config.smtp.from = "requests@example.test";
  config.smtp.from_name = "Help desk";
  config.categories.resize(3);
  config.categories[0].name = "it";
  config.categories[0].display_name = "IT";
  config.categories[1].name = "hr";
  config.categories[1].display_name = "HR & Payroll";
  config.categories[2].name = "facilities";
  auto templates = TemplateSet::load(INTAKE_TEMPLATES_DIR, required_template_names(), template_variables());
  ASSERT_TRUE(templates) << templates.error().message;
  testing::FakeClock clock{berlin(2026, 12, 7, 8, 30)};
  testing::FakeRandom random;
  testing::FakeSummaryStore store;
  auto r1 = request("REQ-1", "it", "Laptop will not start", berlin(2026, 12, 1, 10));
  r1.first_response = berlin(2026, 12, 1, 11);
  r1.due_first_response = berlin(2026, 12, 1, 12);
  r1.due_resolution = berlin(2026, 12, 3, 12);
  auto r2 = request("REQ-2", "hr", "Payslip", berlin(2026, 12, 2, 10));
  r2.resolved = berlin(2026, 12, 2, 12);
  store.requests = {r1, r2};
  store.feedback = {FeedbackRow{"REQ-2", "hr", "a@example.test", "Alice", "", 5, "thanks", berlin(2026, 12, 2, 13)}};
  MailComposer mail(config, *templates, clock, random);
  SummaryMailer mailer(config, store, *templates, clock, nullptr, mail);
  const SummarySlot slot = latest_slot(weekly(), zone(), berlin(2026, 12, 7, 8, 30));
  auto rendered = mailer.render_summary(weekly(), slot.period, slot.previous, false);
  ASSERT_TRUE(rendered) << rendered.error().message;
  const std::string& text = rendered->text;
  std::vector<std::string> all;
  for (std::size_t at = 0; at <= text.size();) {
    const auto nl = text.find('\n', at);
    all.push_back(text.substr(at, nl == std::string::npos ? std::string::npos : nl - at));
    if (nl == std::string::npos) break;
    at = nl + 1;
  }
  const auto heading = std::find(all.begin(), all.end(), "== Overview ==");
  ASSERT_NE(heading, all.end()) << text;
  ASSERT_LT(heading - all.begin() + 4, static_cast<long>(all.size()));
  const std::vector<std::string> overview(heading + 1, heading + 5);  // heading and three teams
  EXPECT_NE(overview[0].find("Team"), std::string::npos) << text;
  EXPECT_NE(overview[1].find("IT "), std::string::npos) << text;
  EXPECT_NE(overview[2].find("HR & Payroll"), std::string::npos) << text;
  EXPECT_NE(overview[3].find("facilities"), std::string::npos) << text;
  expect_columns_line_up(overview);
  // The overview comes before the first team; sections are apart.
  EXPECT_LT(text.find("== Overview =="), text.find("== IT =="));
  EXPECT_NE(text.find("\n\n== IT ==\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\n\n== HR & Payroll ==\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("== facilities =="), std::string::npos) << text;
  EXPECT_NE(text.find("Nothing received, resolved or open at the end: facilities."), std::string::npos) << text;
  EXPECT_NE(text.find("\n\n  Overdue:\n    REQ-1  Laptop will not start  x@example.test  resolution due Thu 3 Dec 12:00  open 5d 14h\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("\n\n  Received per day:\n"), std::string::npos) << text;
  // The times table lines up too.
  const auto times = std::find_if(all.begin(), all.end(), [](const std::string& l) { return l.find("median  90th pct") != std::string::npos; });
  ASSERT_NE(times, all.end()) << text;
  expect_columns_line_up(std::vector<std::string>(times, times + 6), 1);  // the medians; some rows have no p90
  EXPECT_EQ(text.find("intakectl"), std::string::npos) << text;
  EXPECT_EQ(rendered->html.find("intakectl"), std::string::npos);
  // The HTML part: the overview table before the first team's section.
  EXPECT_LT(rendered->html.find(">HR &amp; Payroll</strong>"), rendered->html.find(">IT</td>")) << rendered->html;
  EXPECT_NE(rendered->html.find("<strong>facilities</strong>"), std::string::npos);
}

}  // namespace
}  // namespace intake::daemon

namespace intake::daemon {
namespace {

// A backlog is counted, not dumped: a team's section lists its 20 most
// overdue requests and says how many more there are (1,000,000 requests
// made a summary of 20,000 lines).
TEST(SummaryFigures, a_team_lists_its_twenty_most_overdue_requests_and_counts_the_rest) {
  const SysSeconds now = berlin(2026, 12, 10, 14);
  SummaryInput in;
  in.period = named_period("this-week", zone(), now).value();
  in.previous = previous_period(in.period, zone());
  in.teams = {"it"};
  in.zone = &zone();
  in.now = now;
  for (int i = 0; i < 25; ++i) {
    SummaryRequest r;
    r.reference = "REQ-" + std::to_string(100 + i);
    r.requester = "x@example.test";
    r.category = "it";
    r.subject = "Backlog " + std::to_string(i);
    r.created = berlin(2026, 12, 7, 9);
    r.first_response = berlin(2026, 12, 7, 10);
    r.due_resolution = berlin(2026, 12, 8, 9) + std::chrono::minutes{i};  // REQ-100 most overdue
    in.requests.push_back(r);
  }
  const nlohmann::json v = summary_values(in);
  const auto& it = v["teams"][0];
  EXPECT_EQ(it["overdue_count"], 25);
  ASSERT_EQ(it["overdue"].size(), 20u);
  EXPECT_EQ(it["overdue"][0]["reference"], "REQ-100");
  EXPECT_EQ(it["overdue"][19]["reference"], "REQ-119");
  EXPECT_EQ(it["overdue_more"], 5);
  EXPECT_EQ(it["due_soon_more"], false);
}

}  // namespace
}  // namespace intake::daemon
