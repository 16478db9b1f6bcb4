// What a reply in a request's thread does (ReplyRules), for the requester's
// rating of a resolved request: recorded as feedback, nothing reopened,
// nothing sent; and what is not a rating still doing what it did.
#include "daemon/classify/reply_rules.hpp"

#include <gtest/gtest.h>

#include "daemon/respond/template_catalog.hpp"
#include "parsers/mime/mime_parser.hpp"
#include "tests/daemon/fakes/fake_clock.hpp"

namespace intake::daemon {
namespace {

using testing::FakeClock;
using testing::FakeRandom;

// Every base64 part of a mail intake composed, decoded and joined: enough to
// find a link in its HTML part (the parser keeps no HTML).
std::string decoded_parts(const std::string& raw) {
  static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t at = raw.find("base64\r\n\r\n"); at != std::string::npos; at = raw.find("base64\r\n\r\n", at + 1)) {
    std::uint32_t bits = 0;
    int n = 0;
    for (std::size_t i = at + 10; i < raw.size() && raw[i] != '-'; ++i) {
      const auto v = alphabet.find(raw[i]);
      if (v == std::string::npos) continue;
      bits = (bits << 6) | static_cast<std::uint32_t>(v);
      if ((n += 6) >= 8) out += static_cast<char>((bits >> (n -= 8)) & 0xFF);
    }
    out += '\n';
  }
  return out;
}

struct ReplyRulesTest : ::testing::Test {
  ReplyRulesTest() {
    config.smtp.from = "requests@example.test";
    parsers::CategoryConfig it;
    it.name = "it";
    it.staff = {"dave@example.test"};
    config.categories = {it};
    auto t = TemplateSet::load(INTAKE_TEMPLATES_DIR, required_template_names(), template_variables());
    EXPECT_TRUE(t) << (t ? "" : t.error().message);
    if (t) templates = std::move(t.value());
    request.id = 7;
    request.reference = "REQ-1007";
    request.category = "it";
    request.priority = "normal";
    request.status = RequestStatus::resolved;
    request.requester_address = "alice@example.test";
    request.requester_name = "Alice Martin";
    request.owner = "dave@example.test";
    request.subject = "VPN fails";
  }
  ReplyPlan plan(const std::string& from, const std::string& subject, const std::string& body) {
    const std::string raw = "From: " + from + "\r\nTo: requests@example.test\r\nSubject: " + subject +
                            "\r\nMessage-ID: <r@example.test>\r\nDate: Wed, 02 Dec 2026 08:55:00 +0000\r\n\r\n" + body + "\r\n";
    const parsers::Email email = parsers::parse_email(raw);
    MailComposer mail(config, templates, clock, random);
    return ReplyRules(config, mail).plan(email, request);
  }
  parsers::Config config;
  TemplateSet templates;
  FakeClock clock{std::chrono::sys_days{std::chrono::year{2026} / 12 / 2} + std::chrono::hours{9}};
  FakeRandom random;
  RequestView request;
};

TEST_F(ReplyRulesTest, the_requesters_rating_of_a_resolved_request_is_feedback_that_reopens_and_sends_nothing) {
  const ReplyPlan p = plan("Alice <alice@example.test>", "Re: [REQ-1007] VPN fails: resolved",
                           "5 - great service, thank you Dave!\r\n\r\n> Your request REQ-1007 has been resolved.");
  EXPECT_EQ(p.role, "feedback");
  ASSERT_TRUE(p.feedback.has_value());
  EXPECT_EQ(p.feedback->score, 5);
  EXPECT_EQ(p.feedback->comment, "great service, thank you Dave!");
  EXPECT_FALSE(p.new_status.has_value());
  EXPECT_FALSE(p.reopened);
  EXPECT_FALSE(p.thanks);
  EXPECT_TRUE(p.mails.empty());
  EXPECT_TRUE(p.events.empty());
}

TEST_F(ReplyRulesTest, a_rating_by_the_mailto_link_subject_of_a_closed_request_is_feedback) {
  request.status = RequestStatus::closed;
  const ReplyPlan p = plan("alice@example.test", "[REQ-1007] rating 2", "took too long");
  ASSERT_TRUE(p.feedback.has_value());
  EXPECT_EQ(p.feedback->score, 2);
  EXPECT_EQ(p.feedback->comment, "took too long");
}

TEST_F(ReplyRulesTest, a_plain_thank_you_after_the_resolution_stays_a_thank_you) {
  const ReplyPlan p = plan("alice@example.test", "Re: [REQ-1007] VPN fails: resolved", "Thank you!");
  EXPECT_EQ(p.role, "thanks");
  EXPECT_TRUE(p.thanks);
  EXPECT_FALSE(p.feedback.has_value());
}

TEST_F(ReplyRulesTest, a_problem_after_the_resolution_still_reopens) {
  const ReplyPlan p = plan("alice@example.test", "Re: [REQ-1007] VPN fails: resolved", "1. the VPN still fails\r\n2. so does mail");
  EXPECT_FALSE(p.feedback.has_value());
  EXPECT_TRUE(p.reopened);
  ASSERT_TRUE(p.new_status.has_value());
  EXPECT_EQ(*p.new_status, RequestStatus::in_progress);
}

TEST_F(ReplyRulesTest, the_owner_told_of_a_reopening_reads_the_request_as_the_reply_leaves_it) {
  const ReplyPlan p = plan("alice@example.test", "Re: [REQ-1007] VPN fails: resolved", "It fails again since this morning.");
  ASSERT_EQ(p.mails.size(), 1u);
  EXPECT_EQ(p.mails[0].first, "follow_up_notice");
  EXPECT_EQ(p.mails[0].second.mail.rcpt_to, (std::vector<std::string>{"dave@example.test"}));
  const std::string text = decoded_parts(p.mails[0].second.mail.raw);
  EXPECT_NE(text.find("Status:    in_progress"), std::string::npos) << text;
  EXPECT_EQ(text.find("Status:    resolved"), std::string::npos) << text;
}

TEST_F(ReplyRulesTest, the_staff_told_of_the_missing_facts_supplied_read_that_nothing_is_missing_any_more) {
  parsers::Requirement order;
  order.name = "the order number";
  order.pattern = R"(order\s*(?:number)?\s*\d{5,})";
  config.categories[0].needs = {order};
  request.status = RequestStatus::waiting_on_requester;
  request.owner.clear();
  request.missing = {"the order number"};
  const ReplyPlan p = plan("alice@example.test", "Re: [REQ-1007] VPN fails", "It is order number 48213.");
  ASSERT_EQ(p.mails.size(), 1u);
  const std::string text = decoded_parts(p.mails[0].second.mail.raw);
  EXPECT_NE(text.find("Status:    acknowledged"), std::string::npos) << text;
  EXPECT_EQ(text.find("Missing"), std::string::npos) << text;
}

// A staff mail as it arrives: the trusted server's result above its Received.
std::string delivered_staff_mail(const std::string& results, const std::string& body) {
  return "Received: from mx.example.test by localhost with LMTP; Mon, 7 Dec 2026 12:26:08 +0000\r\n"
         "Authentication-Results: " + results + "\r\n"
         "Received: from client by mx.example.test (Postfix) with ESMTP; Mon, 7 Dec 2026 12:26:08 +0000\r\n"
         "From: Dave <dave@example.test>\r\nTo: requests@example.test\r\nSubject: Re: [REQ-1007] VPN fails\r\n"
         "Message-ID: <s@example.test>\r\n\r\n" + body + "\r\n";
}

TEST_F(ReplyRulesTest, with_trust_configured_an_unauthenticated_staff_mail_applies_nothing_and_tells_the_owner_and_admin_once) {
  config.trust.authserv_ids = {"mx.example.test"};
  config.trust.require_authenticated_commands = true;
  config.daemon.admin_address = "admin@example.test";
  request.status = RequestStatus::in_progress;
  MailComposer mail(config, templates, clock, random);
  const ReplyRules rules(config, mail);
  const parsers::Email forged =
      parsers::parse_email(delivered_staff_mail("mx.example.test; dkim=none", "#status resolved\r\n\r\nAll done, goodbye."));
  ReplyPlan p = rules.plan(forged, request);
  EXPECT_EQ(p.role, "command_rejected");
  EXPECT_FALSE(p.new_status.has_value());
  EXPECT_FALSE(p.first_response);
  ASSERT_EQ(p.events.size(), 1u);
  EXPECT_EQ(p.events[0].type, "command_rejected");
  EXPECT_EQ(p.events[0].detail.rfind("sender not authenticated (no DKIM, DMARC or SPF pass for example.test): #status resolved", 0), 0u)
      << p.events[0].detail;
  ASSERT_EQ(p.mails.size(), 1u);  // nothing to the requester; one notice
  EXPECT_EQ(p.mails[0].first, "command_rejected_notice");
  EXPECT_EQ(p.mails[0].second.mail.rcpt_to, (std::vector<std::string>{"dave@example.test", "admin@example.test"}));
  // Told once per request.
  request.rejected_command_told = true;
  p = rules.plan(forged, request);
  EXPECT_EQ(p.role, "command_rejected");
  EXPECT_TRUE(p.mails.empty());
  // Signed: applied and forwarded.
  const parsers::Email signed_mail = parsers::parse_email(
      delivered_staff_mail("mx.example.test; dkim=pass header.d=example.test", "#status resolved\r\n\r\nAll done, goodbye."));
  p = rules.plan(signed_mail, request);
  EXPECT_EQ(p.role, "staff_command");
  ASSERT_TRUE(p.new_status.has_value());
  EXPECT_EQ(*p.new_status, RequestStatus::resolved);
  ASSERT_EQ(p.mails.size(), 1u);
  EXPECT_EQ(p.mails[0].first, "resolved_notice");
}

TEST_F(ReplyRulesTest, a_number_while_the_request_is_open_is_no_rating) {
  request.status = RequestStatus::in_progress;
  const ReplyPlan p = plan("alice@example.test", "Re: [REQ-1007] VPN fails", "5 - it is urgent now");
  EXPECT_FALSE(p.feedback.has_value());
  EXPECT_EQ(p.role, "reply");
}

TEST_F(ReplyRulesTest, only_the_requester_rates) {
  const ReplyPlan p = plan("bob@example.test", "Re: [REQ-1007] VPN fails: resolved", "5 - great");
  EXPECT_FALSE(p.feedback.has_value());
}

TEST_F(ReplyRulesTest, the_resolved_notice_invites_a_rating_with_mailto_links_to_the_desk) {
  request.status = RequestStatus::in_progress;
  const ReplyPlan q = plan("Dave <dave@example.test>", "Re: [REQ-1007] VPN fails", "#status resolved\r\nYour certificate had expired.");
  ASSERT_EQ(q.mails.size(), 1u);
  EXPECT_EQ(q.mails[0].first, "resolved_notice");
  const std::string raw = decoded_parts(q.mails[0].second.mail.raw);
  for (const char* score : {"1", "2", "3", "4", "5"})
    EXPECT_NE(raw.find(std::string("mailto:requests@example.test?subject=%5BREQ-1007%5D%20rating%20") + score + "\""),
              std::string::npos)
        << raw;
  EXPECT_NE(raw.find("How did we do?"), std::string::npos);
}

}  // namespace
}  // namespace intake::daemon

namespace intake::daemon {
namespace {

// A request that waited on its requester from the start has no due times;
// the reply that moves it on starts its clock, once.
TEST(ServiceClock, the_reply_that_ends_the_first_wait_starts_the_clock) {
  RequestView waiting;
  waiting.status = RequestStatus::waiting_on_requester;
  ReplyPlan facts;
  facts.new_status = RequestStatus::acknowledged;
  EXPECT_TRUE(starts_clock(waiting, facts));
  ReplyPlan taken_up;
  taken_up.new_status = RequestStatus::in_progress;
  EXPECT_TRUE(starts_clock(waiting, taken_up));
}

TEST(ServiceClock, a_reply_that_leaves_the_wait_or_closes_the_request_or_a_request_with_due_times_starts_nothing) {
  RequestView waiting;
  waiting.status = RequestStatus::waiting_on_requester;
  ReplyPlan nothing;
  EXPECT_FALSE(starts_clock(waiting, nothing));
  ReplyPlan resolved;
  resolved.new_status = RequestStatus::resolved;
  EXPECT_FALSE(starts_clock(waiting, resolved));
  // Waiting later in its life (a staff #status waiting): the clock runs already.
  RequestView timed = waiting;
  timed.due_first_response = std::chrono::sys_seconds{std::chrono::hours{1}};
  ReplyPlan facts;
  facts.new_status = RequestStatus::acknowledged;
  EXPECT_FALSE(starts_clock(timed, facts));
  RequestView open;
  open.status = RequestStatus::acknowledged;
  EXPECT_FALSE(starts_clock(open, facts));
}

}  // namespace
}  // namespace intake::daemon
