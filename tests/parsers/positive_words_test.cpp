// Positive replies and kudos from the new text of a message.
#include "parsers/request/positive_words.hpp"

#include <gtest/gtest.h>

#include "parsers/mime/mime_parser.hpp"

namespace intake::parsers {
namespace {

const TallyConfig words;  // the default lists

std::vector<Employee> directory() {
  return {{"chris.doe@example.test", "Chris Doe", "IT", "boss@example.test", ""},
          {"alice@example.test", "Alice Example", "Sales", "boss@example.test", ""},
          {"sam.one@example.test", "Sam One", "HR", "", ""},
          {"sam.two@example.test", "Sam Two", "HR", "", ""},
          {"al@example.test", "Al Short", "", "", ""}};
}

TEST(Tone, agreement_with_punctuation_is_positive_agreement) {
  const Tone t = read_tone("Agreed!", words);
  EXPECT_TRUE(t.agrees);
  EXPECT_FALSE(t.thanks);
  EXPECT_FALSE(t.credits());
  EXPECT_EQ(t.words, std::vector<std::string>{"agreed"});
}

TEST(Tone, phrases_match_across_line_breaks_and_extra_spaces) {
  EXPECT_TRUE(read_tone("So   true,\nreally", words).agrees);
  EXPECT_TRUE(read_tone("Great\tjob everyone", words).praises);
  EXPECT_TRUE(read_tone("THANK YOU", words).thanks);
}

TEST(Tone, negated_words_are_not_positive) {
  EXPECT_FALSE(read_tone("No thanks, I'll pass.", words).positive());
  EXPECT_FALSE(read_tone("I don't agree with this plan", words).positive());
  EXPECT_FALSE(read_tone("I don\xE2\x80\x99t agree", words).positive());  // typographic apostrophe
  EXPECT_FALSE(read_tone("That is not excellent", words).positive());
}

TEST(Tone, words_inside_other_words_do_not_count) {
  EXPECT_FALSE(read_tone("I disagree", words).positive());
  EXPECT_FALSE(read_tone("thanksgiving plans", words).positive());
  EXPECT_FALSE(read_tone("we need +10 people", words).positive());
  EXPECT_TRUE(read_tone("+1", words).agrees);
}

TEST(Tone, a_question_with_exactly_in_it_is_not_agreement) {
  EXPECT_FALSE(read_tone("Which days exactly?", words).positive());
  EXPECT_TRUE(read_tone("Exactly right.", words).agrees);
}

TEST(Tone, a_message_without_list_words_is_neutral) {
  const Tone t = read_tone("When is the meeting? I have a conflict.", words);
  EXPECT_FALSE(t.positive());
  EXPECT_TRUE(t.words.empty());
}

TEST(Tone, quoted_history_is_not_read_only_the_new_text) {
  // The parser keeps only the new part in request_text; "thank you" and
  // "agreed" below are in the quote.
  const std::string raw =
      "From: bob@example.test\nTo: boss@example.test\nSubject: Re: Plan\nMessage-ID: <r@x>\n\n"
      "When does it start?\n\nOn Tue, 1 Dec 2026, Boss wrote:\n> Agreed, thank you all.\n> Great job.\n";
  const Email e = parse_email(raw);
  EXPECT_FALSE(read_tone(e.request_text, words).positive()) << e.request_text;
}

TEST(Tone, configured_lists_replace_the_defaults) {
  TallyConfig mine;
  mine.agree_words = {"genau"};
  mine.thanks_words = {"danke"};
  mine.praise_words = {};
  EXPECT_TRUE(read_tone("Genau!", mine).agrees);
  EXPECT_TRUE(read_tone("Danke schön", mine).thanks);
  EXPECT_FALSE(read_tone("Agreed", mine).positive());
}

TEST(Tone, a_hostile_text_of_repeated_words_is_bounded) {
  std::string text;
  while (text.size() < 8 * 1024 * 1024) text += "thanks thanks agreed ";
  const Tone t = read_tone(text, words);
  EXPECT_TRUE(t.thanks);
  EXPECT_TRUE(t.agrees);
}

TEST(Kudos, thanks_with_a_unique_first_name_credits_that_colleague) {
  EXPECT_EQ(find_kudos("Thanks Chris for fixing the printer!", words, directory(), "bob@example.test"),
            std::vector<std::string>{"chris.doe@example.test"});
}

TEST(Kudos, praise_by_full_name_without_case_credits_the_colleague) {
  EXPECT_EQ(find_kudos("great job, chris doe", words, directory(), "bob@example.test"),
            std::vector<std::string>{"chris.doe@example.test"});
}

TEST(Kudos, thanks_by_address_credits_the_colleague) {
  EXPECT_EQ(find_kudos("Many thanks to CHRIS.DOE@example.test.", words, directory(), "bob@example.test"),
            std::vector<std::string>{"chris.doe@example.test"});
}

TEST(Kudos, several_colleagues_in_one_thanks_are_each_credited_once) {
  EXPECT_EQ(find_kudos("Thank you Chris and Alice! Well done, Chris.", words, directory(), "bob@example.test"),
            (std::vector<std::string>{"chris.doe@example.test", "alice@example.test"}));
}

TEST(Kudos, nobody_is_credited_for_thanking_themselves) {
  EXPECT_TRUE(find_kudos("Thanks, Chris", words, directory(), "Chris.Doe+lists@example.test").empty());
}

TEST(Kudos, a_first_name_two_colleagues_share_credits_nobody_but_the_full_name_does) {
  EXPECT_TRUE(find_kudos("Thanks Sam!", words, directory(), "bob@example.test").empty());
  EXPECT_EQ(find_kudos("Thanks Sam Two!", words, directory(), "bob@example.test"),
            std::vector<std::string>{"sam.two@example.test"});
}

TEST(Kudos, a_lower_case_first_name_is_an_ordinary_word) {
  // "Al" is too short to be a first name on its own, and "alice" lower case is a word.
  EXPECT_TRUE(find_kudos("thanks, al", words, directory(), "bob@example.test").empty());
  EXPECT_TRUE(find_kudos("thanks for the malice", words, directory(), "bob@example.test").empty());
}

TEST(Kudos, agreement_credits_nobody) {
  EXPECT_TRUE(find_kudos("Agreed, Chris.", words, directory(), "bob@example.test").empty());
}

TEST(Kudos, a_name_in_another_sentence_than_the_thanks_is_not_credited) {
  EXPECT_TRUE(find_kudos("Chris, please send the file. Thanks!", words, directory(), "bob@example.test").empty());
}

}  // namespace
}  // namespace intake::parsers
