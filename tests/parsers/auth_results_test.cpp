// Authentication-Results values (RFC 8601): the RFC's own examples, what
// Gmail, Exchange Online, OpenDKIM, OpenDMARC, policyd-spf and Fastmail write,
// and the forgeries and breakage a trust decision must not be fooled by.
#include "parsers/mime/auth_results.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>

namespace intake::parsers {
namespace {

using Properties = std::map<std::string, std::string>;

AuthResults parsed(std::string_view value) {
  auto r = parse_authentication_results(value);
  if (!r) ADD_FAILURE() << "not parsed: " << value;
  return r.value_or(AuthResults{});
}

// --- RFC 8601 Appendix B ---

TEST(AuthResults, rfc_b2_none_after_a_versioned_authserv_id_is_no_result) {
  const AuthResults ar = parsed("example.org 1; none");
  EXPECT_EQ(ar.authserv_id, "example.org");
  EXPECT_TRUE(ar.results.empty());
  EXPECT_EQ(ar.malformed_results, 0u);
}

TEST(AuthResults, rfc_b3_one_spf_result_on_a_folded_line) {
  const AuthResults ar = parsed("example.com;\r\n          spf=pass smtp.mailfrom=example.net");
  EXPECT_EQ(ar.authserv_id, "example.com");
  ASSERT_EQ(ar.results.size(), 1u);
  EXPECT_EQ(ar.results[0].method, "spf");
  EXPECT_EQ(ar.results[0].result, "pass");
  EXPECT_EQ(ar.results[0].properties, (Properties{{"smtp.mailfrom", "example.net"}}));
  EXPECT_EQ(ar.malformed_results, 0u);
}

TEST(AuthResults, rfc_b4_several_methods_from_one_mta) {
  const AuthResults ar = parsed(
      "example.com;\r\n          auth=pass (cram-md5) smtp.auth=sender@example.net;\r\n"
      "          spf=pass smtp.mailfrom=example.net");
  ASSERT_EQ(ar.results.size(), 2u);
  EXPECT_EQ(ar.results[0].method, "auth");
  EXPECT_EQ(ar.results[0].result, "pass");
  EXPECT_EQ(ar.results[0].properties, (Properties{{"smtp.auth", "sender@example.net"}}));
  EXPECT_EQ(ar.results[1].method, "spf");
  EXPECT_EQ(ar.results[1].properties, (Properties{{"smtp.mailfrom", "example.net"}}));

  const AuthResults iprev = parsed("example.com; iprev=pass\r\n          policy.iprev=192.0.2.200");
  ASSERT_EQ(iprev.results.size(), 1u);
  EXPECT_EQ(iprev.results[0].method, "iprev");
  EXPECT_EQ(iprev.results[0].properties, (Properties{{"policy.iprev", "192.0.2.200"}}));
}

TEST(AuthResults, rfc_b6_multi_tiered_dkim_keeps_each_result_and_its_quoted_reason) {
  const AuthResults ar = parsed(
      "example.com;\r\n      dkim=pass reason=\"good signature\"\r\n        header.i=@mail-router.example.net;\r\n"
      "      dkim=fail reason=\"bad signature\"\r\n        header.i=@newyork.example.com");
  ASSERT_EQ(ar.results.size(), 2u);
  EXPECT_EQ(ar.results[0].result, "pass");
  EXPECT_EQ(ar.results[0].reason, "good signature");
  EXPECT_EQ(ar.results[0].properties, (Properties{{"header.i", "@mail-router.example.net"}}));
  EXPECT_EQ(ar.results[1].result, "fail");
  EXPECT_EQ(ar.results[1].reason, "bad signature");
  EXPECT_EQ(ar.results[1].properties, (Properties{{"header.i", "@newyork.example.com"}}));
}

TEST(AuthResults, rfc_b7_comments_between_every_token_are_read_through) {
  const AuthResults ar = parsed(
      "foo.example.net (foobar) 1 (baz);\r\n"
      "    dkim (Because I like it) / 1 (One yay) = (wait for it) fail\r\n"
      "      policy (A dot can go here) . (like that) expired\r\n"
      "      (this surprised me) = (as I wasn't expecting it) 1362471462");
  EXPECT_EQ(ar.authserv_id, "foo.example.net");
  ASSERT_EQ(ar.results.size(), 1u);
  EXPECT_EQ(ar.results[0].method, "dkim");
  EXPECT_EQ(ar.results[0].result, "fail");
  EXPECT_EQ(ar.results[0].properties, (Properties{{"policy.expired", "1362471462"}}));
  EXPECT_EQ(ar.malformed_results, 0u);
}

// --- What real servers write ---

TEST(AuthResults, gmail_dkim_spf_dmarc_with_comments_and_base64_header_b) {
  const AuthResults ar = parsed(
      "mx.google.com;\r\n"
      "       dkim=pass header.i=@example.com header.s=s1 header.b=k8Jz/Hm+;\r\n"
      "       spf=pass (google.com: domain of bounce@example.com designates 192.0.2.10 as permitted sender)"
      " smtp.mailfrom=bounce@example.com;\r\n"
      "       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.com");
  EXPECT_EQ(ar.authserv_id, "mx.google.com");
  ASSERT_EQ(ar.results.size(), 3u);
  EXPECT_EQ(ar.results[0].properties,
            (Properties{{"header.i", "@example.com"}, {"header.s", "s1"}, {"header.b", "k8Jz/Hm+"}}));
  EXPECT_EQ(ar.results[1].method, "spf");
  EXPECT_EQ(ar.results[1].properties, (Properties{{"smtp.mailfrom", "bounce@example.com"}}));
  EXPECT_EQ(ar.results[2].method, "dmarc");
  EXPECT_EQ(ar.results[2].result, "pass");
  EXPECT_EQ(ar.results[2].properties, (Properties{{"header.from", "example.com"}}));
}

TEST(AuthResults, exchange_online_without_authserv_id_has_an_empty_id_and_keeps_action_and_reason) {
  const AuthResults ar = parsed(
      "spf=pass (sender IP is 192.0.2.1)\r\n smtp.mailfrom=contoso.test; dkim=pass (signature was verified)\r\n"
      " header.d=contoso.test;dmarc=pass action=none header.from=contoso.test;compauth=pass\r\n reason=100");
  EXPECT_EQ(ar.authserv_id, "");
  ASSERT_EQ(ar.results.size(), 4u);
  EXPECT_EQ(ar.results[0].method, "spf");
  EXPECT_EQ(ar.results[0].properties, (Properties{{"smtp.mailfrom", "contoso.test"}}));
  EXPECT_EQ(ar.results[1].properties, (Properties{{"header.d", "contoso.test"}}));
  EXPECT_EQ(ar.results[2].properties, (Properties{{"action", "none"}, {"header.from", "contoso.test"}}));
  EXPECT_EQ(ar.results[3].method, "compauth");
  EXPECT_EQ(ar.results[3].reason, "100");
  EXPECT_EQ(ar.malformed_results, 0u);
}

TEST(AuthResults, opendkim_semicolon_inside_a_comment_does_not_split_the_result) {
  const AuthResults ar = parsed(
      "mx.example.test; dkim=pass (1024-bit key; unprotected) header.d=example.test"
      " header.i=@example.test header.b=\"abcd1234\"");
  ASSERT_EQ(ar.results.size(), 1u);
  EXPECT_EQ(ar.results[0].properties,
            (Properties{{"header.d", "example.test"}, {"header.i", "@example.test"}, {"header.b", "abcd1234"}}));
  EXPECT_EQ(ar.malformed_results, 0u);
}

TEST(AuthResults, opendmarc_and_policyd_spf_comments_with_semicolons_and_equals) {
  const AuthResults dmarc = parsed("mail.example.test; dmarc=fail (p=reject dis=none) header.from=example.org");
  ASSERT_EQ(dmarc.results.size(), 1u);
  EXPECT_EQ(dmarc.results[0].result, "fail");
  EXPECT_EQ(dmarc.results[0].properties, (Properties{{"header.from", "example.org"}}));

  const AuthResults spf = parsed(
      "mail.example.test; spf=pass (sender SPF authorized) smtp.mailfrom=example.org\r\n"
      "\t(client-ip=192.0.2.1; helo=mail.example.org; envelope-from=user@example.org; receiver=<UNKNOWN>)");
  ASSERT_EQ(spf.results.size(), 1u);
  EXPECT_EQ(spf.results[0].properties, (Properties{{"smtp.mailfrom", "example.org"}}));
  EXPECT_EQ(spf.malformed_results, 0u);
}

TEST(AuthResults, fastmail_x_methods_and_properties_without_a_ptype_are_kept) {
  const AuthResults ar = parsed(
      "mx3.messagingengine.com;\r\n"
      "    dkim=pass (2048-bit rsa key sha256) header.d=example.test header.i=@example.test header.b=AbCd1234"
      " header.a=rsa-sha256 header.s=fm1 x-bits=2048;\r\n"
      "    dmarc=pass policy.published-domain-policy=none (p=none,d=none,d.eval=none) policy.policy-from=p"
      " header.from=example.test;\r\n"
      "    x-aligned-from=pass (Address match);\r\n"
      "    x-me-sender=none;\r\n"
      "    x-vs=clean score=-100 state=0");
  ASSERT_EQ(ar.results.size(), 5u);
  EXPECT_EQ(ar.results[0].properties.at("x-bits"), "2048");
  EXPECT_EQ(ar.results[0].properties.at("header.a"), "rsa-sha256");
  EXPECT_EQ(ar.results[1].properties,
            (Properties{{"policy.published-domain-policy", "none"}, {"policy.policy-from", "p"},
                        {"header.from", "example.test"}}));
  EXPECT_EQ(ar.results[2].method, "x-aligned-from");
  EXPECT_TRUE(ar.results[2].properties.empty());
  EXPECT_EQ(ar.results[3].method, "x-me-sender");
  EXPECT_EQ(ar.results[3].result, "none");
  EXPECT_EQ(ar.results[4].method, "x-vs");
  EXPECT_EQ(ar.results[4].result, "clean");
  EXPECT_EQ(ar.results[4].properties, (Properties{{"score", "-100"}, {"state", "0"}}));
}

TEST(AuthResults, names_are_folded_to_lower_case_and_values_kept_as_written) {
  const AuthResults ar = parsed("MX.Example.TEST; DKIM/1=PASS Header.D=Example.TEST REASON=\"Key OK\"");
  EXPECT_EQ(ar.authserv_id, "mx.example.test");
  ASSERT_EQ(ar.results.size(), 1u);
  EXPECT_EQ(ar.results[0].method, "dkim");
  EXPECT_EQ(ar.results[0].result, "pass");
  EXPECT_EQ(ar.results[0].properties, (Properties{{"header.d", "Example.TEST"}}));
  EXPECT_EQ(ar.results[0].reason, "Key OK");
}

TEST(AuthResults, quoted_authserv_id_quoted_pairs_and_a_quoted_local_part) {
  const AuthResults ar = parsed(
      "\"mx.example.test\"; spf=pass reason=\"said \\\"ok\\\"\" smtp.mailfrom=\"john doe\"@example.test");
  EXPECT_EQ(ar.authserv_id, "mx.example.test");
  ASSERT_EQ(ar.results.size(), 1u);
  EXPECT_EQ(ar.results[0].reason, "said \"ok\"");
  EXPECT_EQ(ar.results[0].properties, (Properties{{"smtp.mailfrom", "john doe@example.test"}}));
}

TEST(AuthResults, empty_results_and_a_trailing_semicolon_are_not_malformed) {
  const AuthResults ar = parsed("mx.example.test;; dkim=pass header.d=example.test;");
  ASSERT_EQ(ar.results.size(), 1u);
  EXPECT_EQ(ar.malformed_results, 0u);
}

TEST(AuthResults, an_authserv_id_alone_has_no_results) {
  const AuthResults ar = parsed("mx.example.test (nothing checked)");
  EXPECT_EQ(ar.authserv_id, "mx.example.test");
  EXPECT_TRUE(ar.results.empty());
  EXPECT_EQ(ar.malformed_results, 0u);
}

TEST(AuthResults, a_comment_or_quote_right_after_a_value_ends_it) {
  const AuthResults ar =
      parsed("mx.example.test; iprev=pass smtp.remote-ip=192.0.2.1(mail.example.test)policy.iprev=192.0.2.1;"
             " dkim=pass header.b=\"ab/c=\"header.d=example.test");
  ASSERT_EQ(ar.results.size(), 2u);
  EXPECT_EQ(ar.results[0].properties, (Properties{{"smtp.remote-ip", "192.0.2.1"}, {"policy.iprev", "192.0.2.1"}}));
  EXPECT_EQ(ar.results[1].properties, (Properties{{"header.b", "ab/c="}, {"header.d", "example.test"}}));
  EXPECT_EQ(ar.malformed_results, 0u);
}

TEST(AuthResults, the_first_of_a_repeated_property_and_reason_stands) {
  const AuthResults ar =
      parsed("mx.example.test; dkim=pass reason=first header.d=good.test reason=second header.d=evil.test");
  ASSERT_EQ(ar.results.size(), 1u);
  EXPECT_EQ(ar.results[0].reason, "first");
  EXPECT_EQ(ar.results[0].properties, (Properties{{"header.d", "good.test"}}));
}

// --- Forgery and breakage ---

TEST(AuthResults, a_pass_inside_a_comment_is_not_a_result) {
  const AuthResults ar =
      parsed("mx.example.test; spf=fail (dmarc=pass header.from=bank.test; dkim=pass) smtp.mailfrom=evil.test");
  ASSERT_EQ(ar.results.size(), 1u);
  EXPECT_EQ(ar.results[0].method, "spf");
  EXPECT_EQ(ar.results[0].result, "fail");
  EXPECT_EQ(ar.results[0].properties, (Properties{{"smtp.mailfrom", "evil.test"}}));
}

TEST(AuthResults, a_semicolon_inside_a_quoted_local_part_does_not_start_a_result) {
  const AuthResults ar =
      parsed("mx.example.test; spf=fail smtp.mailfrom=\"x; dmarc=pass header.from=bank.test\"@evil.test");
  ASSERT_EQ(ar.results.size(), 1u);
  EXPECT_EQ(ar.results[0].result, "fail");
  EXPECT_EQ(ar.results[0].properties, (Properties{{"smtp.mailfrom", "x; dmarc=pass header.from=bank.test@evil.test"}}));
  EXPECT_EQ(auth_domain(ar.results[0].properties.at("smtp.mailfrom")), "evil.test");
}

TEST(AuthResults, an_unterminated_comment_spoils_its_result_rather_than_hiding_the_rest) {
  const AuthResults ar = parsed("mx.example.test; spf=pass smtp.mailfrom=a.test; dkim=pass (open header.d=bank.test");
  ASSERT_EQ(ar.results.size(), 1u);
  EXPECT_EQ(ar.results[0].method, "spf");
  EXPECT_EQ(ar.malformed_results, 1u);
}

TEST(AuthResults, an_unterminated_quoted_string_spoils_its_result) {
  const AuthResults ar = parsed("mx.example.test; dkim=pass header.b=\"abcd; dmarc=pass header.from=bank.test");
  EXPECT_TRUE(ar.results.empty());
  EXPECT_EQ(ar.malformed_results, 1u);
}

TEST(AuthResults, a_malformed_result_is_counted_and_skipped_and_the_next_one_read) {
  const AuthResults ar = parsed(
      "mx.example.test; dkim pass header.d=a.test; spf=; dmarc=pass stray header.from=b.test;"
      " =pass; arc=pass");
  ASSERT_EQ(ar.results.size(), 1u);
  EXPECT_EQ(ar.results[0].method, "arc");
  EXPECT_EQ(ar.malformed_results, 4u);
}

TEST(AuthResults, a_stray_word_after_the_authserv_id_is_counted_and_the_results_still_read) {
  const AuthResults ar = parsed("mx.example.test garbage here; dkim=pass header.d=example.test");
  EXPECT_EQ(ar.authserv_id, "mx.example.test");
  ASSERT_EQ(ar.results.size(), 1u);
  EXPECT_EQ(ar.malformed_results, 1u);
}

TEST(AuthResults, a_nul_or_control_byte_spoils_the_result_it_stands_in) {
  using namespace std::string_literals;
  const AuthResults ar = parsed("mx.example.test; dkim=pass header.d=ex\0ample.test; spf=pass\x01"s);
  EXPECT_TRUE(ar.results.empty());
  EXPECT_EQ(ar.malformed_results, 2u);
}

TEST(AuthResults, values_with_no_authserv_id_are_not_results) {
  for (const char* value : {"", "   \r\n ", "(only a comment)", "; dkim=pass header.d=example.test", "@@@; spf=pass",
                            "\"\"; dkim=pass", "dkim=", "(unterminated; dkim=pass"}) {
    SCOPED_TRACE(value);
    EXPECT_FALSE(parse_authentication_results(value).has_value());
  }
}

TEST(AuthResults, a_value_over_the_size_bound_is_not_read_and_one_at_it_is) {
  std::string value = "mx.example.test; dkim=pass header.d=example.test (";
  value += std::string(max_auth_results_bytes - value.size() - 1, 'x') + ")";
  ASSERT_EQ(value.size(), max_auth_results_bytes);
  const AuthResults ar = parsed(value);
  ASSERT_EQ(ar.results.size(), 1u);
  EXPECT_EQ(ar.results[0].properties, (Properties{{"header.d", "example.test"}}));
  EXPECT_FALSE(parse_authentication_results(value + " ").has_value());
}

TEST(AuthResults, thousands_of_nested_or_unclosed_parentheses_end_in_a_result_or_a_malformed_count) {
  const std::string nested = "mx.example.test; dkim=pass " + std::string(5000, '(') + std::string(5000, ')') +
                             " header.d=example.test";
  const AuthResults balanced = parsed(nested);
  ASSERT_EQ(balanced.results.size(), 1u);
  EXPECT_EQ(balanced.results[0].properties, (Properties{{"header.d", "example.test"}}));

  const AuthResults open = parsed("mx.example.test; dkim=pass " + std::string(10000, '('));
  EXPECT_TRUE(open.results.empty());
  EXPECT_EQ(open.malformed_results, 1u);
}

TEST(AuthResults, a_value_full_of_results_reads_every_one) {
  std::string value = "mx.example.test";
  std::size_t written = 0;
  while (value.size() + 12 <= max_auth_results_bytes) {
    value += "; x-a=pass";
    ++written;
  }
  const AuthResults ar = parsed(value);
  EXPECT_EQ(ar.results.size(), written);
  EXPECT_EQ(ar.malformed_results, 0u);
}

// A header cut anywhere (a truncating relay, a size limit upstream) must not
// read as more passes than the whole one says.
TEST(AuthResults, a_truncated_header_never_has_more_passes_than_the_whole) {
  const std::string whole =
      "mx.google.com;\r\n dkim=pass header.i=@example.com header.b=\"k8Jz\";\r\n"
      " spf=pass (a; comment) smtp.mailfrom=\"bo unce\"@example.com;\r\n dmarc=fail header.from=example.com";
  auto passes = [](const AuthResults& ar) {
    return std::count_if(ar.results.begin(), ar.results.end(), [](const auto& r) { return r.result == "pass"; });
  };
  const auto whole_passes = passes(parsed(whole));
  ASSERT_EQ(whole_passes, 2);
  for (std::size_t cut = 0; cut < whole.size(); ++cut) {
    SCOPED_TRACE(cut);
    const auto ar = parse_authentication_results(std::string_view(whole).substr(0, cut));
    if (ar) {
      EXPECT_LE(passes(*ar), whole_passes);
    }
  }
}

// --- auth_domain ---

TEST(AuthResults, auth_domain_takes_the_domain_of_a_mailbox_or_domain_in_lower_case) {
  EXPECT_EQ(auth_domain("user@Example.TEST"), "example.test");
  EXPECT_EQ(auth_domain("@example.test"), "example.test");
  EXPECT_EQ(auth_domain("example.test"), "example.test");
  EXPECT_EQ(auth_domain("<bounce@Mail.Example.test>"), "mail.example.test");
  EXPECT_EQ(auth_domain("example.test."), "example.test");
  EXPECT_EQ(auth_domain("\"a@b\"@example.test"), "example.test");
  EXPECT_EQ(auth_domain(" example.test "), "example.test");
}

TEST(AuthResults, auth_domain_is_empty_for_what_cannot_be_a_domain) {
  for (const char* value : {"", "user@", "@", "exa mple.test", "example.test>", "\"example.test\"", "a;b.test", "."}) {
    SCOPED_TRACE(value);
    EXPECT_EQ(auth_domain(value), "");
  }
}

}  // namespace
}  // namespace intake::parsers
