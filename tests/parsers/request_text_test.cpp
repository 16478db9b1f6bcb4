#include <gtest/gtest.h>

#include <string>

#include "parsers/text/request_text.hpp"

namespace intake::parsers {
namespace {

TEST(extract_request_text, plain_text_kept_and_trimmed) {
  EXPECT_EQ(extract_request_text("Please reset my password.  \n\n\n"), "Please reset my password.");
}

TEST(extract_request_text, on_date_wrote_block_cut) {
  EXPECT_EQ(extract_request_text("Yes, go ahead.\n\nOn Mon, 1 Jul 2024 at 10:00, Ann <a@x.test> wrote:\n> Shall I?\n"),
            "Yes, go ahead.");
}

TEST(extract_request_text, wrapped_attribution_cut) {
  EXPECT_EQ(extract_request_text("Thanks!\n\nOn Mon, Jul 1, 2024 at 10:00 AM Ann Example <\nann@x.test> wrote:\n\n> q\n"),
            "Thanks!");
}

TEST(extract_request_text, german_attribution_cut) {
  EXPECT_EQ(extract_request_text("Danke.\n\nAm 01.07.2024 um 10:00 schrieb Ann <a@x.test>:\n> Frage\n"), "Danke.");
}

TEST(extract_request_text, french_attribution_cut) {
  EXPECT_EQ(extract_request_text("Merci.\n\nLe lun. 1 juil. 2024 \xC3\xA0 10:00, Ann <a@x.test> a \xC3\xA9" "crit :\n> q\n"),
            "Merci.");
}

TEST(extract_request_text, outlook_original_message_block_cut) {
  EXPECT_EQ(extract_request_text("Approved.\r\n\r\n-----Original Message-----\r\nFrom: Ann\r\nSent: Monday\r\n"
                                 "To: IT\r\nSubject: laptop\r\n\r\nI need a laptop.\r\n"),
            "Approved.");
}

TEST(extract_request_text, outlook_header_block_cut) {
  EXPECT_EQ(extract_request_text("Done.\n\nFrom: Ann Example <a@x.test>\nSent: Monday, July 1, 2024 10:00\n"
                                 "To: IT <it@x.test>\nSubject: printer\n\nThe printer is broken.\n"),
            "Done.");
}

TEST(extract_request_text, french_outlook_header_block_cut) {
  EXPECT_EQ(extract_request_text("Fait.\n\nDe : Ann\nEnvoy\xC3\xA9 : lundi\n\xC3\x80 : IT\nObjet : imprimante\n\nvieux\n"),
            "Fait.");
}

TEST(extract_request_text, underscore_rule_before_from_cut) {
  EXPECT_EQ(extract_request_text("OK.\n\n________________________________\nFrom: Ann\nSent: Monday\nold\n"), "OK.");
}

TEST(extract_request_text, underscore_rule_alone_kept) {
  EXPECT_EQ(extract_request_text("Title\n________________________________\nbody"),
            "Title\n________________________________\nbody");
}

TEST(extract_request_text, forwarded_message_not_cut) {
  const std::string body =
      "FYI, see below.\n\nBegin forwarded message:\n\nFrom: Ann <a@x.test>\nDate: 1 July 2024\n"
      "To: Bob\nSubject: outage\n\nThe server is down.";
  EXPECT_EQ(extract_request_text(body), body);
}

TEST(extract_request_text, trailing_quote_block_dropped) {
  EXPECT_EQ(extract_request_text("New text\n\n> old line 1\n> old line 2\n>\n"), "New text");
}

TEST(extract_request_text, interleaved_answers_kept) {
  EXPECT_EQ(extract_request_text("On Mon, Ann wrote:\n> Which floor?\nThird.\n> Which room?\nRoom 12.\n"),
            "Third.\nRoom 12.");
}

TEST(extract_request_text, signature_cut_at_dash_dash_space) {
  EXPECT_EQ(extract_request_text("Please help.\n\n-- \nAnn Example\nIT dept\n"), "Please help.");
}

TEST(extract_request_text, signature_cut_at_bare_dash_dash) {
  EXPECT_EQ(extract_request_text("Please help.\n--\nAnn"), "Please help.");
}

TEST(extract_request_text, mobile_footers_cut) {
  EXPECT_EQ(extract_request_text("Call me.\n\nSent from my iPhone\n"), "Call me.");
  EXPECT_EQ(extract_request_text("Call me.\n\nGet Outlook for Android\n"), "Call me.");
  EXPECT_EQ(extract_request_text("Call me.\n\nSent from Mail for Windows 10\n"), "Call me.");
}

TEST(extract_request_text, stripping_everything_returns_whole_text) {
  EXPECT_EQ(extract_request_text("\n> only a quote\n> nothing else\n\n"), "> only a quote\n> nothing else");
  EXPECT_EQ(extract_request_text("-- \nsignature only"), "-- \nsignature only");
}

TEST(extract_request_text, paragraph_starting_with_on_not_cut) {
  EXPECT_EQ(extract_request_text("On Monday the printer broke.\nIt still is."),
            "On Monday the printer broke.\nIt still is.");
}

TEST(extract_request_text, hundred_thousand_attribution_lines_finish) {
  std::string body = "Real text\n";
  for (int i = 0; i < 100'000; ++i) body += "On Mon, A wrote:\n> q\n";
  body += "answer\n";
  const std::string out = extract_request_text(body);
  EXPECT_EQ(out, "Real text\nanswer");
}

}  // namespace
}  // namespace intake::parsers
