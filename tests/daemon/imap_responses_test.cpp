#include <gtest/gtest.h>

#include "curl_imap_source.hpp"

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

}  // namespace
}  // namespace intake::daemon
