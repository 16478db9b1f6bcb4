// Ratings in a requester's reply to the resolved notice: what is one, and
// what only looks like one (a numbered list, a greeting, a count).
#include "parsers/request/rating.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace intake::parsers {
namespace {

struct Expected {
  const char* text;
  int score;
  const char* comment;
};

void expect_ratings(const std::vector<Expected>& cases) {
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto r = find_rating("Re: [REQ-7] Resolved", c.text);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->score, c.score);
    EXPECT_EQ(r->comment, c.comment);
  }
}

TEST(Rating, numbers_with_a_separator_are_scores_and_the_rest_is_the_comment) {
  const std::vector<Expected> cases = {
      {"5 - great service", 5, "great service"},
      {"2 - took too long", 2, "took too long"},
      {"4: fine, a bit slow", 4, "fine, a bit slow"},
      {"3/5 ok", 3, "ok"},
      {"4 out of 5, thanks", 4, "thanks"},
      {"5 stars!", 5, ""},
      {"1", 1, ""},
      {"5.", 5, ""},
      {"  5 \xE2\x80\x93 quick and friendly", 5, "quick and friendly"},
      {"5 - great service, thank you Dave!\n\nAlice", 5, "great service, thank you Dave! Alice"},
      {"4\nsolved, but it took two days", 4, "solved, but it took two days"},
  };
  expect_ratings(cases);
}

TEST(Rating, words_standing_alone_or_before_punctuation_are_scores) {
  const std::vector<Expected> cases = {
      {"good", 4, ""},
      {"Good, thanks", 4, "thanks"},
      {"Excellent!", 5, ""},
      {"bad - nobody called me back", 2, "nobody called me back"},
      {"Terrible.", 1, ""},
  };
  expect_ratings(cases);
}

TEST(Rating, counts_lists_versions_greetings_and_thanks_are_not_ratings) {
  for (const char* text : {"2 more printers broke this morning", "1. the VPN still fails\n2. so does mail",
                           "5.3 is the version I have", "1) it fails again", "Good morning, it is broken again",
                           "Bad news: the laptop died again", "Thank you!", "6 - too high", "0 - nothing",
                           "OK, but it fails again", "still broken", "", "52 - hm"}) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(find_rating("Re: [REQ-7] Resolved", text).has_value());
  }
}

TEST(Rating, the_subject_of_a_mailto_link_carries_the_score_and_the_body_the_comment) {
  auto r = find_rating("[REQ-7] rating 4", "Quick fix.\nThanks");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->score, 4);
  EXPECT_EQ(r->comment, "Quick fix. Thanks");
  r = find_rating("Re: [REQ-7] Rating: 2", "");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->score, 2);
  EXPECT_EQ(r->comment, "");
  EXPECT_FALSE(find_rating("Re: [REQ-7] rating 42", "").has_value());
  EXPECT_FALSE(find_rating("Re: [REQ-7] operating system", "").has_value());
}

TEST(Rating, a_long_comment_is_cut_at_a_character_boundary) {
  std::string text = "5 - ";
  for (int i = 0; i < 600; ++i) text += "\xC3\xA9";  // é, two bytes each
  auto r = find_rating("", text);
  ASSERT_TRUE(r.has_value());
  EXPECT_LE(r->comment.size(), 1000u);
  EXPECT_EQ(r->comment.size() % 2, 0u);
}

TEST(Rating, four_and_five_are_the_good_ones) {
  EXPECT_FALSE(is_good_rating(3));
  EXPECT_TRUE(is_good_rating(4));
  EXPECT_TRUE(is_good_rating(5));
}

}  // namespace
}  // namespace intake::parsers
