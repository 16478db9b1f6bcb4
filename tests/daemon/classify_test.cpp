#include <gtest/gtest.h>

#include "intake_cycle.hpp"

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
};

TEST_F(ClassifyTest, mail_to_the_shared_address_is_a_request_and_acknowledged) {
  auto d = classify(email, mailbox, config);
  EXPECT_TRUE(d.make_request);
  EXPECT_TRUE(d.acknowledge);
  EXPECT_EQ(d.category, "general");
}

TEST_F(ClassifyTest, plus_address_counts_as_the_shared_address) {
  email.to = {{"", "Requests+IT@example.test"}};
  EXPECT_TRUE(classify(email, mailbox, config).make_request);
}

TEST_F(ClassifyTest, cc_only_is_observed) {
  email.to = {{"", "bob@example.test"}};
  email.cc = {{"", "requests@example.test"}};
  auto d = classify(email, mailbox, config);
  EXPECT_FALSE(d.make_request);
  EXPECT_FALSE(d.acknowledge);
}

TEST_F(ClassifyTest, cc_only_makes_a_request_when_the_mailbox_accepts_cc) {
  email.to = {{"", "bob@example.test"}};
  email.cc = {{"", "requests@example.test"}};
  mailbox.accept_cc = true;
  EXPECT_TRUE(classify(email, mailbox, config).make_request);
}

TEST_F(ClassifyTest, auto_reply_is_recorded_but_not_acknowledged) {
  email.kind = parsers::MessageKind::auto_reply;
  auto d = classify(email, mailbox, config);
  EXPECT_TRUE(d.make_request);
  EXPECT_FALSE(d.acknowledge);
}

TEST_F(ClassifyTest, bounce_is_observed) {
  email.kind = parsers::MessageKind::bounce;
  EXPECT_FALSE(classify(email, mailbox, config).make_request);
}

TEST_F(ClassifyTest, own_address_and_loop_header_and_no_reply_get_no_acknowledgment) {
  auto own = email;
  own.from = parsers::Address{"", "requests@example.test"};
  EXPECT_FALSE(classify(own, mailbox, config).acknowledge);
  auto looped = email;
  looped.loop_header = "requests@example.test";
  EXPECT_FALSE(classify(looped, mailbox, config).acknowledge);
  auto noreply = email;
  noreply.from = parsers::Address{"", "no-reply@vendor.example"};
  EXPECT_FALSE(classify(noreply, mailbox, config).acknowledge);
}

}  // namespace
}  // namespace intake::daemon
