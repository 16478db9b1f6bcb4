#include <gtest/gtest.h>

#include "daemon/adapters/imap/curl_imap_source.hpp"
#include "parsers/imap/imap_responses.hpp"

namespace intake::daemon {
namespace {

TEST(ImapResponses, search_response_uids_sorted_and_unique) {
  EXPECT_EQ(parse_search_response("* SEARCH 7 3 5 3\r\n"), (std::vector<std::uint64_t>{3, 5, 7}));
}

TEST(ImapResponses, empty_search_response_has_no_uids) {
  EXPECT_TRUE(parse_search_response("* SEARCH\r\n").empty());
}

TEST(ImapResponses, garbage_in_search_response_is_skipped) {
  EXPECT_EQ(parse_search_response("* OK hi\r\n* SEARCH 1 x2 99999999999999999999999 4\r\n"),
            (std::vector<std::uint64_t>{1, 4}));
}

TEST(ImapResponses, status_response_gives_uidvalidity_and_uidnext) {
  auto s = parse_status_response("* STATUS INBOX (UIDVALIDITY 1732012345 UIDNEXT 42)\r\n");
  EXPECT_EQ(s.uidvalidity, 1732012345u);
  EXPECT_EQ(s.uidnext, 42u);
}

TEST(ImapResponses, uid_set_collapses_runs) {
  EXPECT_EQ(uid_set({1, 2, 3, 7, 9, 10}), "1:3,7,9:10");
  EXPECT_EQ(uid_set({5}), "5");
}

TEST(ImapResponses, folder_names_are_quoted_and_cannot_break_the_command) {
  EXPECT_EQ(imap_quote("Done \"x\"\r\nA001 LOGOUT"), "\"Done \\\"x\\\"A001 LOGOUT\"");
}

TEST(ImapResponses, rfc822_size_is_read_and_bounded) {
  EXPECT_EQ(parse_rfc822_size("* 3 FETCH (UID 9 RFC822.SIZE 26214401)\r\n"), std::optional<std::uint64_t>(26214401));
  EXPECT_EQ(parse_rfc822_size("* 3 FETCH (UID 9)\r\n"), std::nullopt);
  EXPECT_LT(*parse_rfc822_size("RFC822.SIZE 99999999999999999999999999"), std::uint64_t{1} << 54);
}

const std::string fetch_answer =
    "* 5 FETCH (UID 7 X-GM-LABELS {5+}\r\nlabel BODY[]<0> {12}\r\nFrom: a\r\n\r\nx)\r\n"
    "* 6 FETCH (FLAGS (\\Seen))\r\nv1 OK [READ-ONLY] done\r\n* 7 EXISTS\r\n";

ImapAnswerReader::Limits small() {
  ImapAnswerReader::Limits l;
  l.max_line_bytes = 64;
  l.max_literal_bytes = 32;
  l.max_answer_bytes = 512;
  return l;
}

TEST(ImapAnswerReader, literals_are_cut_out_and_the_rest_is_kept_for_the_next_command) {
  ImapAnswerReader r("v1", small());
  ASSERT_EQ(r.feed(fetch_answer), ImapAnswerReader::State::done);
  ASSERT_EQ(r.untagged().size(), 2u);
  EXPECT_EQ(r.untagged()[0].text, "* 5 FETCH (UID 7 X-GM-LABELS {} BODY[]<0> {})");
  EXPECT_EQ(r.untagged()[0].literals, (std::vector<std::string>{"label", "From: a\r\n\r\nx"}));
  EXPECT_EQ(fetched_body(r.untagged(), 7), std::optional<std::string>("From: a\r\n\r\nx"));
  EXPECT_EQ(r.tagged(), "OK [READ-ONLY] done");
  EXPECT_TRUE(r.tagged_ok());
  EXPECT_EQ(r.rest(), "* 7 EXISTS\r\n");
}

// Dovecot's parsers are fed in pieces; so is this one: every split point,
// including inside CRLF and inside a literal, gives the same answer.
TEST(ImapAnswerReader, an_answer_split_anywhere_reads_the_same) {
  for (std::size_t cut = 0; cut <= fetch_answer.size(); ++cut) {
    ImapAnswerReader r("v1", small());
    if (r.feed(fetch_answer.substr(0, cut)) == ImapAnswerReader::State::reading) r.feed(fetch_answer.substr(cut));
    ASSERT_EQ(r.state(), ImapAnswerReader::State::done) << cut;
    ASSERT_EQ(r.untagged().size(), 2u) << cut;
    EXPECT_EQ(r.untagged()[0].literals[1], "From: a\r\n\r\nx") << cut;
  }
  ImapAnswerReader bytewise("v1", small());
  for (char c : fetch_answer) bytewise.feed(std::string(1, c));
  EXPECT_EQ(bytewise.tagged(), "OK [READ-ONLY] done");
}

TEST(ImapAnswerReader, an_overlong_line_fails_whether_or_not_its_end_has_come) {
  const std::string line = "* OK " + std::string(100, 'x');
  ImapAnswerReader whole("v1", small());
  EXPECT_EQ(whole.feed(line + "\r\n"), ImapAnswerReader::State::failed);
  ImapAnswerReader endless("v1", small());
  EXPECT_EQ(endless.feed(line), ImapAnswerReader::State::failed);
  EXPECT_NE(endless.error().find("longer than"), std::string::npos) << endless.error();
  // Exactly at the limit, a trailing CR waiting for its LF is not over it.
  ImapAnswerReader at_limit("v1", small());
  EXPECT_EQ(at_limit.feed(std::string(64, 'y') + "\r"), ImapAnswerReader::State::reading);
  EXPECT_EQ(at_limit.feed("\nv1 OK\r\n"), ImapAnswerReader::State::done);
}

TEST(ImapAnswerReader, a_literal_over_its_limit_fails_before_it_is_read) {
  ImapAnswerReader r("v1", small());
  EXPECT_EQ(r.feed("* 1 FETCH (UID 1 BODY[] {33}\r\n"), ImapAnswerReader::State::failed);
  EXPECT_EQ(r.error(), "a literal of 33 bytes, over the 32 this reader takes");
}

TEST(ImapAnswerReader, a_refusal_is_no_and_a_bad_command_is_neither) {
  ImapAnswerReader no("v1", small());
  no.feed("v1 NO [NONEXISTENT] Mailbox doesn't exist\r\n");
  EXPECT_TRUE(no.tagged_no());
  EXPECT_FALSE(no.tagged_ok());
  ImapAnswerReader bad("v1", small());
  bad.feed("v1 BAD syntax\r\n");
  EXPECT_FALSE(bad.tagged_no());
  EXPECT_FALSE(bad.tagged_ok());
  // Another command's tag is an untagged line to this one, not its ending.
  ImapAnswerReader other("v1", small());
  EXPECT_EQ(other.feed("v10 OK other\r\n"), ImapAnswerReader::State::reading);
}

}  // namespace
}  // namespace intake::daemon
