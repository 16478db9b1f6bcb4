#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "parsers/mime/header_values.hpp"

namespace intake::parsers {
namespace {

using namespace std::chrono;

std::string decode(std::string_view raw) {
  std::vector<std::string> w;
  return decode_unstructured(raw, w);
}

std::vector<Address> addresses(std::string_view raw) {
  std::vector<std::string> w;
  return parse_address_list(raw, w);
}

sys_seconds utc(int y, unsigned mo, unsigned d, int h, int mi, int s) {
  return sys_days{year_month_day{year{y}, month{mo}, day{d}}} + hours{h} + minutes{mi} + seconds{s};
}

// ---------------------------------------------------------------- RFC 2047

TEST(decode_unstructured, q_encoded_word_decoded) {
  EXPECT_EQ(decode("=?ISO-8859-1?Q?Andr=E9_here?="), "Andr\xC3\xA9 here");
}

TEST(decode_unstructured, b_encoded_word_decoded) {
  EXPECT_EQ(decode("=?utf-8?B?w6k=?="), "\xC3\xA9");
}

TEST(decode_unstructured, adjacent_encoded_words_are_joined) {
  EXPECT_EQ(decode("=?utf-8?q?a?=  \r\n =?utf-8?q?b?="), "ab");
}

TEST(decode_unstructured, text_between_encoded_words_keeps_its_spaces) {
  EXPECT_EQ(decode("=?utf-8?q?a?= and =?utf-8?q?b?="), "a and b");
}

TEST(decode_unstructured, broken_encoded_word_kept_as_written) {
  std::vector<std::string> w;
  EXPECT_EQ(decode_unstructured("=?utf-8?B?!!!?= tail", w), "=?utf-8?B?!!!?= tail");
  EXPECT_EQ(w.size(), 1u);
  EXPECT_EQ(decode("=?utf-8?X?abc?="), "=?utf-8?X?abc?=");
}

TEST(decode_unstructured, unterminated_encoded_word_kept_as_written) {
  EXPECT_EQ(decode("Re: =?utf-8?q?never_closed"), "Re: =?utf-8?q?never_closed");
}

TEST(decode_unstructured, rfc2231_language_suffix_accepted) {
  EXPECT_EQ(decode("=?utf-8*en?Q?Hello_there?="), "Hello there");
}

TEST(decode_unstructured, iso_2022_jp_subject) {
  EXPECT_EQ(decode("=?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?="),
            "\xE3\x81\x93\xE3\x82\x93\xE3\x81\xAB\xE3\x81\xA1\xE3\x81\xAF");
}

TEST(decode_unstructured, fold_becomes_one_space) {
  EXPECT_EQ(decode("Re: a long\r\n\tsubject \n  line"), "Re: a long subject line");
}

TEST(decode_unstructured, next_header_is_not_part_of_the_value) {
  std::vector<std::string> w;
  EXPECT_EQ(decode_unstructured("Hello\nX-Mailer: evil\n", w), "Hello");
  EXPECT_EQ(w.size(), 1u);
}

TEST(decode_unstructured, raw_utf8_kept_and_raw_latin1_decoded) {
  EXPECT_EQ(decode("caf\xC3\xA9"), "caf\xC3\xA9");
  std::vector<std::string> w;
  EXPECT_EQ(decode_unstructured("caf\xE9", w), "caf\xC3\xA9");
  EXPECT_EQ(w.size(), 1u);
}

TEST(decode_unstructured, invalid_bytes_inside_encoded_word_replaced) {
  std::vector<std::string> w;
  EXPECT_EQ(decode_unstructured("=?utf-8?q?a=FFb?=", w), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(w.size(), 1u);
}

TEST(decode_unstructured, megabyte_header_line_finishes) {
  std::string raw;
  while (raw.size() < 1'000'000) raw += "=?utf-8?q?x?= ";
  EXPECT_EQ(decode(raw).size(), raw.size() / 14);
}

TEST(decode_unstructured, megabyte_of_encoded_word_starts_finishes) {
  std::string raw;
  while (raw.size() < 1'000'000) raw += "=?utf-8?q?";
  EXPECT_EQ(decode(raw), raw);
}

TEST(decode_unstructured, over_limit_value_truncated_with_warning) {
  std::vector<std::string> w;
  const std::string raw(header_limits.max_value_bytes + 10, 'a');
  EXPECT_EQ(decode_unstructured(raw, w).size(), header_limits.max_value_bytes);
  EXPECT_EQ(w.size(), 1u);
}

// ---------------------------------------------------------------- addresses

TEST(parse_address_list, name_and_angle_address) {
  EXPECT_EQ(addresses("John Doe <jdoe@example.com>"), (std::vector<Address>{{"John Doe", "jdoe@example.com"}}));
}

TEST(parse_address_list, bare_addresses_listed) {
  EXPECT_EQ(addresses("a@x.test, b@y.test"), (std::vector<Address>{{"", "a@x.test"}, {"", "b@y.test"}}));
}

TEST(parse_address_list, quoted_name_with_comma) {
  EXPECT_EQ(addresses("\"Doe, John\" <j@x.test>, k@y.test"),
            (std::vector<Address>{{"Doe, John", "j@x.test"}, {"", "k@y.test"}}));
}

TEST(parse_address_list, quoted_name_escapes_resolved) {
  EXPECT_EQ(addresses(R"("Giant; \"Big\" Box" <s@x.test>)"), (std::vector<Address>{{"Giant; \"Big\" Box", "s@x.test"}}));
}

TEST(parse_address_list, group_members_are_listed) {
  EXPECT_EQ(addresses("team: a@x.test, B <b@y.test>; c@z.test"),
            (std::vector<Address>{{"", "a@x.test"}, {"B", "b@y.test"}, {"", "c@z.test"}}));
}

TEST(parse_address_list, empty_group_lists_nobody) {
  EXPECT_TRUE(addresses("Undisclosed recipients:;").empty());
}

TEST(parse_address_list, comment_becomes_name_of_bare_address) {
  EXPECT_EQ(addresses("jdoe@example.com (John Doe)"), (std::vector<Address>{{"John Doe", "jdoe@example.com"}}));
}

TEST(parse_address_list, comments_removed_from_address) {
  EXPECT_EQ(addresses("Pete <pete(his account)@silly.test(his host)>"),
            (std::vector<Address>{{"Pete (his account his host)", "pete@silly.test"}}));
}

TEST(parse_address_list, nested_comments_counted_not_recursed) {
  std::string raw = "a@x.test ";
  raw += std::string(100'000, '(');
  raw += std::string(100'000, ')');
  raw += ", b@y.test";
  const auto got = addresses(raw);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].address, "b@y.test");
}

TEST(parse_address_list, unterminated_comment_salvages_address) {
  std::vector<std::string> w;
  EXPECT_EQ(parse_address_list("a@x.test (never closed", w), (std::vector<Address>{{"never closed", "a@x.test"}}));
  EXPECT_FALSE(w.empty());
}

TEST(parse_address_list, unterminated_quote_warns_and_does_not_crash) {
  std::vector<std::string> w;
  const auto got = parse_address_list("\"never closed <a@x.test>", w);
  EXPECT_TRUE(got.size() <= 1u);
  EXPECT_FALSE(w.empty());
}

TEST(parse_address_list, missing_angle_close_tolerated) {
  std::vector<std::string> w;
  EXPECT_EQ(parse_address_list("A <a@x.test, B <b@y.test>", w),
            (std::vector<Address>{{"A", "a@x.test"}, {"B", "b@y.test"}}));
  EXPECT_EQ(w.size(), 1u);
}

TEST(parse_address_list, obsolete_route_dropped) {
  EXPECT_EQ(addresses("Mary <@relay1.test,@relay2.test:mary@example.net>"),
            (std::vector<Address>{{"Mary", "mary@example.net"}}));
}

TEST(parse_address_list, encoded_word_name_decoded) {
  EXPECT_EQ(addresses("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>"),
            (std::vector<Address>{{"Keld J\xC3\xB8rn Simonsen", "keld@dkuug.dk"}}));
}

TEST(parse_address_list, encoded_word_with_comma_stays_one_name) {
  EXPECT_EQ(addresses("=?utf-8?Q?Doe,_John?= <j@x.test>"), (std::vector<Address>{{"Doe, John", "j@x.test"}}));
}

TEST(parse_address_list, folded_list_parsed) {
  EXPECT_EQ(addresses("A <a@x.test>,\r\n\tB\r\n <b@y.test>"), (std::vector<Address>{{"A", "a@x.test"}, {"B", "b@y.test"}}));
}

TEST(parse_address_list, null_path_has_no_entry) {
  EXPECT_TRUE(addresses("<>").empty());
}

TEST(parse_address_list, garbage_yields_salvage_and_warning) {
  std::vector<std::string> w;
  const auto got = parse_address_list(">>>,,;;<<<@@@ \"\\", w);
  EXPECT_FALSE(w.empty());
  for (const Address& a : got) EXPECT_FALSE(a.address.empty());
}

TEST(parse_address_list, nul_bytes_do_not_stop_parsing) {
  const std::string raw("A\0B <a@x.test>, b@y.test", 24);
  const auto got = addresses(raw);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].address, "b@y.test");
}

TEST(parse_address_list, hundred_thousand_addresses_finish) {
  std::string raw;
  for (int i = 0; i < 100'000; ++i) raw += "user" + std::to_string(i) + "@example.com, ";
  std::vector<std::string> w;
  const auto got = parse_address_list(raw, w);
  ASSERT_EQ(got.size(), header_limits.max_addresses);
  EXPECT_EQ(got.front().address, "user0@example.com");
  EXPECT_EQ(w.back(), "address list truncated at " + std::to_string(header_limits.max_addresses) + " addresses");
}

TEST(parse_address_list, megabyte_header_line_finishes) {
  const std::string raw = "\"" + std::string(1'000'000, 'x') + "\" <a@x.test>";
  const auto got = addresses(raw);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].name.size(), 1'000'000u);
}

// ---------------------------------------------------------------- dates

TEST(parse_date, rfc5322_date_normalized_to_utc) {
  EXPECT_EQ(parse_date("Tue, 1 Jul 2003 10:52:37 +0200"), utc(2003, 7, 1, 8, 52, 37));
}

TEST(parse_date, two_digit_years_follow_rfc5322) {
  EXPECT_EQ(parse_date("21 Nov 97 09:55:06 GMT"), utc(1997, 11, 21, 9, 55, 6));
  EXPECT_EQ(parse_date("21 Nov 03 09:55:06 GMT"), utc(2003, 11, 21, 9, 55, 6));
}

TEST(parse_date, named_zones_applied) {
  EXPECT_EQ(parse_date("Sun, 27 Oct 2002 23:57:07 EST"), utc(2002, 10, 28, 4, 57, 7));
  EXPECT_EQ(parse_date("Sun, 27 Oct 2002 23:57:07 PDT"), utc(2002, 10, 28, 6, 57, 7));
  EXPECT_EQ(parse_date("Sun, 27 Oct 2002 23:57:07 UT"), utc(2002, 10, 27, 23, 57, 7));
  EXPECT_EQ(parse_date("Sun, 27 Oct 2002 23:57:07 Z"), utc(2002, 10, 27, 23, 57, 7));
}

TEST(parse_date, unknown_zone_taken_as_utc) {
  EXPECT_EQ(parse_date("Thu, 10 Jul 1997 14:53:31 ZZZZ"), utc(1997, 7, 10, 14, 53, 31));
}

TEST(parse_date, missing_seconds_and_weekday_accepted) {
  EXPECT_EQ(parse_date("27 Jun 99 04:11 +0900"), utc(1999, 6, 26, 19, 11, 0));
}

TEST(parse_date, comments_and_folds_ignored) {
  EXPECT_EQ(parse_date("Tue, 1 Jul 2003 ((tricky)\r\n comment) 10:52:37 +0200 (CEST)"), utc(2003, 7, 1, 8, 52, 37));
}

TEST(parse_date, asctime_order_accepted) {
  EXPECT_EQ(parse_date("Tue Jul  1 10:52:37 2003"), utc(2003, 7, 1, 10, 52, 37));
}

TEST(parse_date, received_header_date_after_semicolon) {
  EXPECT_EQ(parse_date("by mx.test with SMTP id 12:34;\r\n\tMon, 10 Oct 2022 10:31:15 -0700 (PDT)"),
            utc(2022, 10, 10, 17, 31, 15));
}

TEST(parse_date, invalid_day_of_month_rejected) {
  EXPECT_EQ(parse_date("31 Feb 2021 10:00:00 +0000"), std::nullopt);
}

TEST(parse_date, bad_month_and_garbage_rejected) {
  EXPECT_EQ(parse_date("Tue, 7 Bog 2026 19:14:51 +0000"), std::nullopt);
  EXPECT_EQ(parse_date("some numbers 0 1 2 but invalid"), std::nullopt);
  EXPECT_EQ(parse_date(""), std::nullopt);
  EXPECT_EQ(parse_date("1 Jan 2021 25:00:00 +0000"), std::nullopt);
}

TEST(parse_date, megabyte_header_line_finishes) {
  EXPECT_EQ(parse_date(std::string(1'000'000, '(')), std::nullopt);
}

// ---------------------------------------------------------------- message ids

TEST(parse_message_ids, ids_without_brackets_in_order) {
  EXPECT_EQ(parse_message_ids("<a@x.test>\r\n <b@y.test>"), (std::vector<std::string>{"a@x.test", "b@y.test"}));
}

TEST(parse_message_ids, garbage_between_ids_ignored) {
  EXPECT_EQ(parse_message_ids("<a@x.test> (comment) junk \"q@q\" <b@y.test>"),
            (std::vector<std::string>{"a@x.test", "b@y.test"}));
}

TEST(parse_message_ids, missing_brackets_tolerated) {
  EXPECT_EQ(parse_message_ids("  a@x.test  "), (std::vector<std::string>{"a@x.test"}));
  EXPECT_EQ(parse_message_ids("<a@x.test> b@y.test <c@z.test"),
            (std::vector<std::string>{"a@x.test", "b@y.test", "c@z.test"}));
}

TEST(parse_message_ids, empty_brackets_give_nothing) {
  EXPECT_TRUE(parse_message_ids("<>").empty());
}

TEST(parse_message_ids, huge_references_keep_first_and_last) {
  std::string raw;
  for (int i = 0; i < 50'000; ++i) raw += "<id" + std::to_string(i) + "@x> ";
  const auto ids = parse_message_ids(raw);
  ASSERT_EQ(ids.size(), header_limits.max_message_ids);
  EXPECT_EQ(ids.front(), "id0@x");
  EXPECT_EQ(ids.back(), "id49999@x");
}

// ---------------------------------------------------------------- MIME values

TEST(parse_content_type, type_lower_cased_and_params_decoded) {
  std::vector<std::string> w;
  const auto ct = parse_content_type("Text/HTML; Charset=\"UTF-8\"; format=flowed", w);
  EXPECT_EQ(ct.type, "text");
  EXPECT_EQ(ct.subtype, "html");
  EXPECT_EQ(ct.params, (std::map<std::string, std::string>{{"charset", "UTF-8"}, {"format", "flowed"}}));
  EXPECT_TRUE(w.empty());
}

TEST(parse_content_type, rfc2231_continuations_joined_and_decoded) {
  std::vector<std::string> w;
  const auto ct = parse_content_type(
      "application/pdf;\r\n filename*0*=iso-8859-1'es'%D1and%FA;\r\n filename*1=\" r\xE1pido.pdf\"", w);
  EXPECT_EQ(ct.params.at("filename"), "\xC3\x91" "and\xC3\xBA r\xC3\xA1pido.pdf");
}

TEST(parse_content_type, rfc2231_sections_out_of_order_sorted) {
  std::vector<std::string> w;
  const auto ct = parse_content_type("a/b; n*1=b; n*0=a; n*2=c", w);
  EXPECT_EQ(ct.params.at("n"), "abc");
}

TEST(parse_content_type, rfc2047_in_parameter_tolerated) {
  std::vector<std::string> w;
  const auto ct = parse_content_type("image/png; name=\"=?utf-8?q?caf=C3=A9?=.png\"", w);
  EXPECT_EQ(ct.params.at("name"), "caf\xC3\xA9.png");
}

TEST(parse_content_type, missing_type_keeps_default_with_warning) {
  std::vector<std::string> w;
  const auto ct = parse_content_type("; charset=utf-8", w);
  EXPECT_EQ(ct.type, "text");
  EXPECT_EQ(ct.subtype, "plain");
  EXPECT_EQ(ct.params.at("charset"), "utf-8");
  EXPECT_EQ(w.size(), 1u);
}

TEST(parse_content_type, missing_subtype_warns) {
  std::vector<std::string> w;
  const auto ct = parse_content_type("text/", w);
  EXPECT_EQ(ct.type, "text");
  EXPECT_EQ(ct.subtype, "");
  EXPECT_EQ(w.size(), 1u);
}

TEST(parse_content_type, duplicate_parameter_first_wins) {
  std::vector<std::string> w;
  const auto ct = parse_content_type("multipart/mixed; boundary=one; boundary=two", w);
  EXPECT_EQ(ct.params.at("boundary"), "one");
}

TEST(parse_content_type, unterminated_quote_keeps_value) {
  std::vector<std::string> w;
  const auto ct = parse_content_type("text/plain; name=\"abc", w);
  EXPECT_EQ(ct.params.at("name"), "abc");
  EXPECT_EQ(w.size(), 1u);
}

TEST(parse_content_type, too_many_parameters_truncated) {
  std::string raw = "text/plain";
  for (int i = 0; i < 100'000; ++i) raw += "; p" + std::to_string(i) + "=v";
  std::vector<std::string> w;
  const auto ct = parse_content_type(raw, w);
  EXPECT_EQ(ct.params.size(), header_limits.max_parameters);
  EXPECT_EQ(w.back(), "too many parameters; the rest ignored");
}

TEST(parse_content_type, huge_section_numbers_do_not_allocate) {
  std::vector<std::string> w;
  const auto ct = parse_content_type("a/b; n*999999999=x; n*0=y; m*99999999999999999999=z", w);
  EXPECT_EQ(ct.params.at("n"), "yx");
  EXPECT_EQ(ct.params.count("m"), 0u);
}

TEST(parse_disposition, attachment_with_encoded_filename) {
  std::vector<std::string> w;
  const auto [kind, params] = parse_disposition("Attachment; filename*=UTF-8''na%C3%AFve.txt; size=12", w);
  EXPECT_EQ(kind, "attachment");
  EXPECT_EQ(params, (std::map<std::string, std::string>{{"filename", "na\xC3\xAFve.txt"}, {"size", "12"}}));
}

TEST(parse_disposition, empty_value_gives_empty_kind) {
  std::vector<std::string> w;
  const auto [kind, params] = parse_disposition("", w);
  EXPECT_EQ(kind, "");
  EXPECT_TRUE(params.empty());
}

}  // namespace
}  // namespace intake::parsers
