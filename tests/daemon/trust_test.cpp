// Which Authentication-Results intake believes, and what it makes of them:
// only those a trusted server added above its own Received field; a pass
// must be aligned with the From domain; a forged result below the line, or
// one from another server, counts for nothing.
#include "daemon/classify/trust.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "daemon/classify/classify.hpp"
#include "parsers/mime/auth_results.hpp"
#include "parsers/mime/mime_parser.hpp"

namespace intake::daemon {
namespace {

const std::vector<std::string> trusted = {"mx.example.test"};

// The header block as the stack delivers it: Dovecot's LMTP Received, the
// MX's Authentication-Results, the MX's Received, then what the sender wrote.
parsers::Email delivered(const std::string& results, const std::string& sender_headers = "",
                         const std::string& from = "dave@example.test") {
  const std::string raw =
      "Return-Path: <" + from + ">\r\nDelivered-To: requests@example.test\r\n"
      "Received: from mx.example.test ([127.0.0.1])\r\n\tby localhost with LMTP\r\n\tid x; Mon, 07 Dec 2026 12:26:08 +0000\r\n" +
      (results.empty() ? std::string() : "Authentication-Results: " + results + "\r\n") +
      "Received: from client (localhost [127.0.0.1])\r\n\tby mx.example.test (Postfix) with ESMTP id A0F9\r\n"
      "\tfor <requests@example.test>; Mon,  7 Dec 2026 12:26:08 +0000 (UTC)\r\n" +
      sender_headers + "From: Dave <" + from + ">\r\nTo: requests@example.test\r\nSubject: Re: [REQ-1] x\r\n\r\n#status resolved\r\n";
  return parsers::parse_email(raw);
}

TEST(SenderTrust, a_dkim_pass_aligned_with_the_from_domain_above_the_trusted_received_authenticates) {
  const auto a = authenticate_sender(
      delivered("mx.example.test;\r\n\tdkim=pass (2048-bit key) header.d=example.test header.i=@example.test header.s=stack;"
                "\r\n\tdkim-atps=neutral"),
      trusted);
  EXPECT_EQ(a.verdict, AuthVerdict::passed);
  EXPECT_EQ(a.detail, "dkim=pass header.d=example.test");
}

TEST(SenderTrust, dmarc_and_aligned_spf_passes_count_and_a_subdomain_is_aligned) {
  EXPECT_EQ(authenticate_sender(delivered("mx.example.test; dmarc=pass header.from=example.test"), trusted).verdict,
            AuthVerdict::passed);
  EXPECT_EQ(authenticate_sender(delivered("mx.example.test; spf=pass smtp.mailfrom=bounces@mail.example.test"), trusted).verdict,
            AuthVerdict::passed);
  EXPECT_EQ(authenticate_sender(delivered("MX.Example.Test; dkim=pass header.d=eu.example.test"), trusted).verdict,
            AuthVerdict::passed);
}

TEST(SenderTrust, a_pass_for_another_domain_is_no_pass) {
  const auto a = authenticate_sender(delivered("mx.example.test; dkim=pass header.d=gmail.test; spf=pass smtp.mailfrom=x@gmail.test"),
                                     trusted);
  EXPECT_EQ(a.verdict, AuthVerdict::none);
  EXPECT_EQ(a.detail, "no DKIM, DMARC or SPF pass for example.test");
  EXPECT_EQ(authenticate_sender(delivered("mx.example.test; dkim=pass header.d=notexample.test"), trusted).verdict,
            AuthVerdict::none);
}

TEST(SenderTrust, an_aligned_failure_without_a_pass_is_a_failure_and_dkim_none_is_nothing) {
  const auto failed = authenticate_sender(
      delivered("mx.example.test; dkim=fail reason=\"signature verification failed\" header.d=example.test"), trusted);
  EXPECT_EQ(failed.verdict, AuthVerdict::failed);
  EXPECT_EQ(failed.detail, "dkim=fail header.d=example.test");
  EXPECT_EQ(authenticate_sender(delivered("mx.example.test; dkim=none; dkim-atps=neutral"), trusted).verdict, AuthVerdict::none);
  // One pass is enough, in whichever order.
  EXPECT_EQ(authenticate_sender(delivered("mx.example.test; dkim=fail header.d=example.test; dmarc=pass header.from=example.test"),
                                trusted)
                .verdict,
            AuthVerdict::passed);
}

TEST(SenderTrust, a_result_the_sender_wrote_below_the_trusted_received_is_not_believed) {
  const auto a = authenticate_sender(
      delivered("mx.example.test; dkim=none",
                "Authentication-Results: mx.example.test; dkim=pass header.d=example.test; dmarc=pass header.from=example.test\r\n"),
      trusted);
  EXPECT_EQ(a.verdict, AuthVerdict::none);
}

TEST(SenderTrust, a_result_from_another_server_or_without_an_authserv_id_is_not_believed) {
  EXPECT_EQ(authenticate_sender(delivered("mx.example.test.evil; dkim=pass header.d=example.test"), trusted).verdict,
            AuthVerdict::none);
  EXPECT_EQ(authenticate_sender(delivered("dkim=pass header.d=example.test;dmarc=pass action=none header.from=example.test"), trusted)
                .verdict,
            AuthVerdict::none);
}

TEST(SenderTrust, without_the_trusted_servers_received_nothing_is_believed) {
  const parsers::Email e = parsers::parse_email(
      "Authentication-Results: mx.example.test; dkim=pass header.d=example.test\r\n"
      "Received: from a by relay.elsewhere.test; Mon, 7 Dec 2026 12:00:00 +0000\r\n"
      "From: dave@example.test\r\nSubject: x\r\n\r\nbody\r\n");
  const auto a = authenticate_sender(e, trusted);
  EXPECT_EQ(a.verdict, AuthVerdict::none);
  EXPECT_EQ(a.detail, "no Authentication-Results from mx.example.test above its Received field");
  EXPECT_TRUE(trusted_results(e, trusted).empty());
}

TEST(SenderTrust, the_trace_fields_are_read_in_order_with_each_received_by_host) {
  const parsers::Email e = delivered("mx.example.test; dkim=pass header.d=example.test");
  ASSERT_EQ(e.trace.size(), 3u);
  EXPECT_EQ(e.trace[0].received_by, "localhost");
  ASSERT_TRUE(e.trace[1].auth.has_value());
  EXPECT_EQ(e.trace[1].auth->authserv_id, "mx.example.test");
  EXPECT_EQ(e.trace[2].received_by, "mx.example.test");
  EXPECT_EQ(parsers::received_by_host("from x (helo by evil.test) by Mx.Example.Test (Postfix) with ESMTP; date"),
            "mx.example.test");
  EXPECT_EQ(parsers::received_by_host("from x; Mon, 7 Dec 2026 by nobody"), "");
}

}  // namespace
}  // namespace intake::daemon

namespace intake::daemon {
namespace {

// What the trust verdict does to a new message's decision.
struct TrustedDesk {
  TrustedDesk() {
    mailbox.name = "requests";
    mailbox.address = "requests@example.test";
    mailbox.default_category = "general";
    config.smtp.from = "requests@example.test";
    config.mailboxes = {mailbox};
    config.trust.authserv_ids = {"mx.example.test"};
    config.trust.require_authenticated_commands = true;
  }
  Decision decide(const std::string& results, const std::string& from) {
    return classify(delivered(results, "", from), mailbox, config, std::chrono::sys_seconds{});
  }
  parsers::MailboxConfig mailbox;
  parsers::Config config;
};

TEST(SenderTrust, a_colleagues_address_whose_check_failed_is_outside_and_a_missing_check_is_not) {
  TrustedDesk desk;
  const Decision forged = desk.decide("mx.example.test; dkim=fail header.d=example.test", "dave@example.test");
  EXPECT_TRUE(forged.outside);
  EXPECT_FALSE(forged.make_request);
  EXPECT_EQ(forged.quiet_reason, "authentication failed for the sender's domain (dkim=fail header.d=example.test)");
  const Decision unsigned_mail = desk.decide("mx.example.test; dkim=none", "dave@example.test");
  EXPECT_FALSE(unsigned_mail.outside);
  EXPECT_TRUE(unsigned_mail.make_request);
}

TEST(SenderTrust, outside_mail_is_answered_only_when_configured_and_its_sender_authenticated) {
  TrustedDesk desk;
  const std::string signed_partner = "mx.example.test; dkim=pass header.d=partner.test";
  EXPECT_FALSE(desk.decide(signed_partner, "ann@partner.test").answer_outside) << "requests.outside_notice is off";
  desk.config.requests.outside_notice = true;
  const Decision d = desk.decide(signed_partner, "ann@partner.test");
  EXPECT_TRUE(d.outside);
  EXPECT_TRUE(d.answer_outside);
  EXPECT_FALSE(desk.decide("mx.example.test; dkim=none", "ann@partner.test").answer_outside) << "not authenticated";
  EXPECT_FALSE(desk.decide(signed_partner, "noreply@partner.test").answer_outside);
}

}  // namespace
}  // namespace intake::daemon
