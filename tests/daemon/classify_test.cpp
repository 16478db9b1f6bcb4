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
