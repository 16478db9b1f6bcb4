#include <gtest/gtest.h>

#include "daemon/fetch/intake_cycle.hpp"

namespace intake::daemon {
namespace {

struct ClassifyTest : ::testing::Test {
  ClassifyTest() {
    mailbox.name = "requests";
    mailbox.address = "requests@example.test";
    mailbox.default_category = "general";
    config.smtp.from = "requests@example.test";
    config.mailboxes = {mailbox};
    email.from = parsers::Address{"Alice", "alice@example.test"};
    email.to = {{"", "requests@example.test"}};
  }
  parsers::MailboxConfig mailbox;
  parsers::Config config;
  parsers::Email email;
  // The fake clock: Wednesday 2 December 2026, 09:00 UTC.
  const std::chrono::sys_seconds now = std::chrono::sys_days{std::chrono::year{2026} / 12 / 2} + std::chrono::hours{9};
};

TEST_F(ClassifyTest, mail_to_the_shared_address_is_a_request_and_acknowledged) {
  auto d = classify(email, mailbox, config, now);
  EXPECT_TRUE(d.make_request);
  EXPECT_TRUE(d.acknowledge);
  EXPECT_EQ(d.category, "general");
}

TEST_F(ClassifyTest, plus_address_counts_as_the_shared_address) {
  email.to = {{"", "Requests+IT@example.test"}};
  EXPECT_TRUE(classify(email, mailbox, config, now).make_request);
}

TEST_F(ClassifyTest, cc_only_is_observed) {
  email.to = {{"", "bob@example.test"}};
  email.cc = {{"", "requests@example.test"}};
  auto d = classify(email, mailbox, config, now);
  EXPECT_FALSE(d.make_request);
  EXPECT_FALSE(d.acknowledge);
}

TEST_F(ClassifyTest, cc_only_makes_a_request_when_the_mailbox_accepts_cc) {
  email.to = {{"", "bob@example.test"}};
  email.cc = {{"", "requests@example.test"}};
  mailbox.accept_cc = true;
  EXPECT_TRUE(classify(email, mailbox, config, now).make_request);
}

TEST_F(ClassifyTest, auto_reply_is_recorded_but_not_acknowledged) {
  email.kind = parsers::MessageKind::auto_reply;
  auto d = classify(email, mailbox, config, now);
  EXPECT_TRUE(d.make_request);
  EXPECT_FALSE(d.acknowledge);
}

TEST_F(ClassifyTest, bounce_is_observed) {
  email.kind = parsers::MessageKind::bounce;
  EXPECT_FALSE(classify(email, mailbox, config, now).make_request);
}

TEST_F(ClassifyTest, own_address_and_loop_header_and_no_reply_get_no_acknowledgment) {
  auto own = email;
  own.from = parsers::Address{"", "requests@example.test"};
  EXPECT_FALSE(classify(own, mailbox, config, now).acknowledge);
  auto looped = email;
  looped.loop_header = "requests@example.test";
  EXPECT_FALSE(classify(looped, mailbox, config, now).acknowledge);
  auto noreply = email;
  noreply.from = parsers::Address{"", "no-reply@vendor.example"};
  EXPECT_FALSE(classify(noreply, mailbox, config, now).acknowledge);
}

TEST_F(ClassifyTest, requested_time_is_read_in_the_requesters_time_zone_against_the_message_date) {
  config.requests.time_zone = "Europe/Berlin";
  parsers::Employee sam;
  sam.address = "sam@example.test";
  sam.time_zone = "America/New_York";
  config.employees = {sam};
  // Written Tuesday 1 December 23:30 in Berlin (22:30 UTC): "tomorrow" is Wednesday there.
  email.date = std::chrono::sys_days{std::chrono::year{2026} / 12 / 1} + std::chrono::hours{22} + std::chrono::minutes{30};
  email.request_text = "Could I have it tomorrow morning?";
  auto d = classify(email, mailbox, config, now);
  ASSERT_TRUE(d.requested_by);
  EXPECT_EQ(*d.requested_by, std::chrono::sys_days{std::chrono::year{2026} / 12 / 2} + std::chrono::hours{11});  // 12:00 CET
  EXPECT_EQ(d.requested_by_phrase, "tomorrow morning");
  EXPECT_EQ(d.time_zone, "Europe/Berlin");
  // The same words from New York, where it was still 17:30 on Tuesday.
  email.from = parsers::Address{"Sam", "sam@example.test"};
  d = classify(email, mailbox, config, now);
  ASSERT_TRUE(d.requested_by);
  EXPECT_EQ(*d.requested_by, std::chrono::sys_days{std::chrono::year{2026} / 12 / 2} + std::chrono::hours{17});  // 12:00 EST
  EXPECT_EQ(d.time_zone, "America/New_York");
}

TEST_F(ClassifyTest, a_date_header_far_from_the_fetch_time_is_not_trusted_for_timeframes) {
  config.requests.time_zone = "UTC";
  email.date = std::chrono::sys_days{std::chrono::year{2019} / 1 / 1};
  email.request_text = "by tomorrow";
  auto d = classify(email, mailbox, config, now);
  ASSERT_TRUE(d.requested_by);
  EXPECT_EQ(*d.requested_by, std::chrono::sys_days{std::chrono::year{2026} / 12 / 3} + std::chrono::hours{17});
}

// A desk calendar in Berlin: Monday to Friday 08:30-12:00 and 13:00-17:30.
parsers::CalendarConfig desk_calendar(const std::string& name, int open_minute, int close_minute) {
  parsers::CalendarConfig c;
  c.name = name;
  c.time_zone = "Europe/Berlin";
  for (std::size_t d = 1; d <= 5; ++d) c.hours[d] = {{open_minute, 12 * 60}, {13 * 60, close_minute}};
  return c;
}

std::chrono::sys_seconds utc(int day, int hour, int minute = 0) {
  return std::chrono::sys_days{std::chrono::year{2026} / 12 / day} + std::chrono::hours{hour} + std::chrono::minutes{minute};
}

// Issue 22: "today" and "EOD" were 17:00 although the team's calendar closes
// at 17:30; "first thing tomorrow" was 12:00.
TEST_F(ClassifyTest, requested_times_follow_the_calendar_of_the_requests_category) {
  config.requests.time_zone = "Europe/Berlin";
  config.calendars = {desk_calendar("desk", 8 * 60 + 30, 17 * 60 + 30), desk_calendar("hr-desk", 10 * 60, 16 * 60)};
  config.service_levels.configured = true;
  config.service_levels.calendar = "desk";
  config.service_levels.categories["hr"].calendar = "hr-desk";
  parsers::CategoryConfig hr;
  hr.name = "hr";
  hr.tags = {"HR"};
  config.categories = {hr};
  const auto requested = [&](const std::string& subject, const std::string& text) {
    email.subject = subject;
    email.request_text = text;
    const auto d = classify(email, mailbox, config, now);
    return d.requested_by;
  };
  // 17:30 and 08:30 in Berlin (CET, UTC+1).
  EXPECT_EQ(requested("Laptop", "Can you do it today?"), utc(2, 16, 30));
  EXPECT_EQ(requested("Laptop", "Need it by EOD"), utc(2, 16, 30));
  EXPECT_EQ(requested("Laptop", "Could someone look at this first thing tomorrow morning?"), utc(3, 7, 30));
  // The hr category is served by its own calendar: 16:00 and 10:00.
  EXPECT_EQ(requested("[HR] Payslip", "Can you do it today?"), utc(2, 15));
  EXPECT_EQ(requested("[HR] Payslip", "first thing tomorrow please"), utc(3, 9));
  // No service levels: the config's only calendar.
  config.service_levels = {};
  config.calendars = {desk_calendar("desk", 8 * 60 + 30, 17 * 60 + 30)};
  EXPECT_EQ(requested("Laptop", "Need it by EOD"), utc(2, 16, 30));
  // No calendar: requests.day_end_hour and a 09:00 opening.
  config.calendars.clear();
  EXPECT_EQ(requested("Laptop", "Need it by EOD"), utc(2, 16));
  EXPECT_EQ(requested("Laptop", "first thing tomorrow please"), utc(3, 8));
}

// Issue 22: "I'm on leave from 21 to 23 December" moved the request's
// resolution due date to 23 December.
TEST_F(ClassifyTest, the_requesters_own_plans_are_no_requested_time_and_leave_the_due_date_alone) {
  config.requests.time_zone = "Europe/Berlin";
  config.calendars = {desk_calendar("desk", 8 * 60 + 30, 17 * 60 + 30)};
  config.service_levels.configured = true;
  config.service_levels.calendar = "desk";
  config.service_levels.targets.first_response = parsers::BusinessDuration{4, parsers::BusinessDuration::Unit::hours};
  config.service_levels.targets.resolution = parsers::BusinessDuration{2, parsers::BusinessDuration::Unit::days};
  auto built = ServicePolicy::build(config);
  ASSERT_TRUE(built.ok());
  email.subject = "New keyboard";
  email.request_text = "Hi, my keyboard lost two keys. I'm on leave from 21 to 23 December.\n\nThanks, Alice";
  auto d = classify(email, mailbox, config, now);
  EXPECT_FALSE(d.requested_by);
  ASSERT_TRUE(set_due_times(d, &built.policy, now).ok());
  // 2 working days from Wednesday 10:00 Berlin: Friday 10:00 (09:00 UTC).
  EXPECT_EQ(d.due_resolution, utc(4, 9));
  email.request_text = "I'm at the airport tomorrow morning.";
  EXPECT_FALSE(classify(email, mailbox, config, now).requested_by);
}

TEST_F(ClassifyTest, a_category_missing_facts_are_listed) {
  parsers::CategoryConfig shipping;
  shipping.name = "shipping";
  shipping.keywords = {"shipment"};
  shipping.needs = {{"the order number", "order\\s*#?\\d{5,}"}, {"the ship date", "ship date:"}};
  config.categories = {shipping};
  email.subject = "Shipment to Lyon";
  email.request_text = "Please send order #123456 soon.";
  auto d = classify(email, mailbox, config, now);
  EXPECT_EQ(d.category, "shipping");
  EXPECT_EQ(d.routing_reason, "keyword shipment");
  EXPECT_EQ(d.missing, std::vector<std::string>{"the ship date"});
}

}  // namespace
}  // namespace intake::daemon

namespace intake::daemon {
namespace {

// While intake waits on the requester for missing facts, no due time is set
// (the acknowledgment promises none); a complete request gets its due times.
TEST(ServiceClockAtArrival, a_request_missing_facts_gets_no_due_times_and_a_complete_one_does) {
  auto load = parsers::parse_config(R"(
[database]
url = "postgresql://x@localhost/x"
[smtp]
host = "mail.example.test"
from = "requests@example.test"
[[mailbox]]
name = "requests"
address = "requests@example.test"
host = "imap.example.test"
username = "requests@example.test"
password_file = "/dev/null"
[[calendar]]
name = "office"
time_zone = "Europe/Berlin"
hours.wed = ["09:00-17:30"]
hours.thu = ["09:00-17:30"]
hours.fri = ["09:00-17:30"]
[service_levels]
calendar = "office"
first_response = "4h"
resolution = "2d"
)");
  ASSERT_TRUE(load.ok()) << load.errors.front().line();
  auto built = ServicePolicy::build(load.config);
  ASSERT_TRUE(built.ok());
  const std::chrono::sys_seconds arrival = std::chrono::sys_days{std::chrono::year{2026} / 12 / 2} + std::chrono::hours{9};
  Decision complete;
  complete.category = "shipping";
  ASSERT_TRUE(set_due_times(complete, &built.policy, arrival));
  ASSERT_TRUE(complete.due_first_response.has_value());
  EXPECT_EQ(*complete.due_first_response, arrival + std::chrono::hours{4});
  Decision waiting = complete;
  waiting.due_first_response.reset();
  waiting.due_resolution.reset();
  waiting.missing = {"the order number"};
  ASSERT_TRUE(set_due_times(waiting, &built.policy, arrival));
  EXPECT_FALSE(waiting.due_first_response.has_value());
  EXPECT_FALSE(waiting.due_resolution.has_value());
}

}  // namespace
}  // namespace intake::daemon

#include "daemon/core/outbox_store.hpp"

namespace intake::daemon {
namespace {

// The team is warned at the earlier of the window (60 min) and half the time
// it had: a 30-minute target is not "due soon" the moment it arrives.
TEST(DueSoonWarning, a_30_minute_target_warns_15_minutes_before_and_not_at_arrival) {
  using std::chrono::minutes;
  const std::chrono::sys_seconds arrival{std::chrono::hours{24 * 20000}};
  const auto due = arrival + minutes{30};
  EXPECT_EQ(due_soon_lead(arrival, due, minutes{60}), minutes{15});
  EXPECT_FALSE(due_soon_at(arrival, arrival, due, minutes{60}));
  EXPECT_FALSE(due_soon_at(arrival + minutes{14}, arrival, due, minutes{60}));
  EXPECT_TRUE(due_soon_at(arrival + minutes{15}, arrival, due, minutes{60}));
  EXPECT_FALSE(due_soon_at(due, arrival, due, minutes{60}));  // then it is overdue
}

TEST(DueSoonWarning, a_4_hour_target_warns_the_window_before) {
  using std::chrono::minutes;
  const std::chrono::sys_seconds arrival{std::chrono::hours{24 * 20000}};
  const auto due = arrival + std::chrono::hours{4};
  EXPECT_EQ(due_soon_lead(arrival, due, minutes{60}), minutes{60});
  EXPECT_FALSE(due_soon_at(due - minutes{61}, arrival, due, minutes{60}));
  EXPECT_TRUE(due_soon_at(due - minutes{60}, arrival, due, minutes{60}));
  // A clock that started late (the facts arrived) counts from there.
  const auto started = due - minutes{40};
  EXPECT_EQ(due_soon_lead(started, due, minutes{60}), minutes{20});
}

}  // namespace
}  // namespace intake::daemon
