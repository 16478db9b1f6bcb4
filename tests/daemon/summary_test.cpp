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
