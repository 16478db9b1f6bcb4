// The people who serve, on the real stack: a new request reaches each
// staff member of its team once, threaded to the request, with its text and
// attachments; the requester still gets exactly one acknowledgment; a staff
// member's plain reply to that notice reaches the requester as the first
// response; a category that turned the notice off tells nobody; the
// requesters' ratings of resolved requests are recorded, answered with
// nothing, and reach the managers' summary with the owner in its kudos.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/stack_client.hpp"

namespace intake::testing {
namespace {

using namespace std::chrono_literals;

const char* team_sections = R"(
[[category]]
name = "it"
tags = ["IT"]
staff = ["bob@example.test", "dave@example.test"]

[[category]]
name = "hr"
tags = ["HR"]
staff = ["carol@example.test"]
notify_new_request = false

[[category]]
name = "shipping"
keywords = ["shipment"]
staff = ["dave@example.test"]
[[category.requires]]
name = "the order number"
pattern = 'order\s*(?:no\.?|number|#)?\s*[:#]?\s*\d{5,}'

[[employee]]
address = "alice@example.test"
name = "Alice Example"
department = "Sales"

[[employee]]
address = "bob@example.test"
name = "Bob Builder"
department = "IT"
)";

// A request with a PDF attached.
std::string request_with_attachment(const std::string& subject, const std::string& id) {
  return "From: Alice Example <alice@example.test>\nTo: requests@example.test\nSubject: " + subject +
         "\nDate: Tue, 01 Dec 2026 09:00:00 +0000\nMessage-ID: <" + id +
         ">\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\n\n"
         "--b1\nContent-Type: text/plain; charset=utf-8\n\nThe docking station in room 4.12 no longer charges my laptop.\n"
         "--b1\nContent-Type: application/pdf; name=\"receipt.pdf\"\nContent-Disposition: attachment; filename=\"receipt.pdf\"\n"
         "Content-Transfer-Encoding: base64\n\nJVBERi0xLjQKJcfsj6IKMSAwIG9iago8PD4+CmVuZG9iagp0cmFpbGVyCjw8Pj4KJSVFT0YK\n--b1--\n";
}

class Team : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = load_stack();
    ASSERT_FALSE(HasFailure());
    reset_stack(stack_);
    config_ = write_config(stack_, "team", "", {}, team_sections);
  }
  void once() {
    RunResult r = run_command(std::string(INTAKED_PATH) + " --config " + config_ + " --once");
    EXPECT_EQ(r.exit_code, 0) << r.output;
  }
  // A plain-text mail into the desk's inbox; `in_reply_to` with or without <>.
  void append(const std::string& from, const std::string& subject, const std::string& body, const std::string& id,
              const std::string& in_reply_to = "") {
    const std::string parent = in_reply_to.empty() || in_reply_to.front() == '<' ? in_reply_to : "<" + in_reply_to + ">";
    imap_append(stack_, "requests", "INBOX",
                "From: " + from + "\nTo: requests@example.test\nSubject: " + subject +
                    "\nDate: Tue, 01 Dec 2026 09:00:00 +0000\nMessage-ID: <" + id + ">\n" +
                    (parent.empty() ? std::string() : "In-Reply-To: " + parent + "\n") +
                    "Content-Type: text/plain; charset=utf-8\n\n" + body + "\n");
  }
  std::string only_mail(const std::string& user) {
    EXPECT_EQ(wait_for_messages(stack_, user, "INBOX", 1, 30), 1U) << user;
    std::this_thread::sleep_for(1s);
    const auto uids = imap_uids(stack_, user, "INBOX");
    EXPECT_EQ(uids.size(), 1U) << user << " has more than one mail";
    return uids.empty() ? std::string() : imap_fetch(stack_, user, "INBOX", uids.front());
  }
  Stack stack_;
  std::string config_;
};

TEST_F(Team, a_new_request_reaches_each_staff_member_once_threaded_with_its_text_and_attachments) {
  imap_append(stack_, "requests", "INBOX", request_with_attachment("[IT] Docking station", "dock@alice"));
  once();
  const std::string ref = sql_value(stack_, "SELECT reference FROM requests");
  ASSERT_FALSE(ref.empty());
  for (const std::string staff : {"bob", "dave"}) {
    const std::string notice = only_mail(staff);
    EXPECT_NE(header_of(notice, "Subject").find("[" + ref + "] New request: [IT] Docking station"), std::string::npos)
        << header_of(notice, "Subject");
    EXPECT_EQ(header_of(notice, "In-Reply-To"), "<dock@alice>");
    const std::string text = body_text_of(stack_, notice);
    EXPECT_NE(text.find("no longer charges my laptop"), std::string::npos) << text;
    EXPECT_NE(text.find("receipt.pdf ("), std::string::npos) << text;
    EXPECT_NE(text.find("(Sales)"), std::string::npos) << text;
  }
  only_mail("alice");  // exactly one acknowledgment
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox WHERE purpose = 'team_notice'"), "1");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM events WHERE type = 'team_notice_queued'"), "1");

  // bob answers the notice in plain words: the requester gets them, and they are the first response.
  const std::string notice_id = header_of(only_mail("bob"), "Message-ID");
  imap_append(stack_, "requests", "INBOX",
              "From: Bob Builder <bob@example.test>\nTo: requests@example.test\nSubject: Re: [" + ref +
                  "] New request: [IT] Docking station\nDate: Tue, 01 Dec 2026 10:00:00 +0000\nMessage-ID: <answer@bob>\n"
                  "In-Reply-To: " + notice_id + "\nContent-Type: text/plain; charset=utf-8\n\n"
                  "I will bring you a new docking station at two.\n");
  once();
  EXPECT_FALSE(sql_value(stack_, "SELECT first_response_at FROM requests").empty());
  EXPECT_EQ(sql_value(stack_, "SELECT role FROM messages WHERE message_id = 'answer@bob'"), "staff_response");
  ASSERT_EQ(wait_for_messages(stack_, "alice", "INBOX", 2, 30), 2U);
  bool forwarded = false;
  for (auto uid : imap_uids(stack_, "alice", "INBOX"))
    forwarded = forwarded ||
                body_text_of(stack_, imap_fetch(stack_, "alice", "INBOX", uid)).find("a new docking station at two") != std::string::npos;
  EXPECT_TRUE(forwarded);
}

TEST_F(Team, a_screenshot_pasted_into_outlook_is_stored_shown_and_named_in_the_team_notice) {
  // A real client's shape (tests/data): multipart/related with the picture
  // inline, only a Content-ID to point at it.
  std::ifstream in(std::string(INTAKE_SOURCE_DIR) + "/tests/data/attachments/outlook_pasted_screenshot.eml", std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  std::string raw = text.str();
  auto swap = [&](const std::string& from, const std::string& to) {
    const auto at = raw.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    raw.replace(at, from.size(), to);
  };
  swap("From: Priya Nair <priya.nair@example.test>", "From: Alice Example <alice@example.test>");
  swap("To: \"IT Helpdesk\" <it@example.test>", "To: requests@example.test");
  swap("Subject: VPN error after update", "Subject: [IT] VPN error after update");
  imap_append(stack_, "requests", "INBOX", raw);
  once();
  const std::string ref = sql_value(stack_, "SELECT reference FROM requests");
  ASSERT_FALSE(ref.empty());
  const RunResult show = run_command(std::string(INTAKECTL_PATH) + " --config " + config_ + " requests show " + ref);
  EXPECT_NE(show.output.find("attached   image001.png (image/png, 180 bytes, inline)"), std::string::npos) << show.output;
  const RunResult json = run_command(std::string(INTAKECTL_PATH) + " --config " + config_ + " requests show " + ref + " --json");
  EXPECT_NE(json.output.find("\"content_id\":\"image001.png@01DAB2C3.4D5E6F70\""), std::string::npos) << json.output;
  ASSERT_EQ(wait_for_messages(stack_, "dave", "INBOX", 1, 30), 1U);
  const std::string notice = imap_fetch(stack_, "dave", "INBOX", imap_uids(stack_, "dave", "INBOX").front());
  EXPECT_NE(body_text_of(stack_, notice).find("image001.png (180 bytes)"), std::string::npos) << body_text_of(stack_, notice);
}

TEST_F(Team, a_category_that_turned_the_notice_off_tells_nobody) {
  imap_append(stack_, "requests", "INBOX", request_with_attachment("[HR] Payslip question", "pay@alice"));
  once();
  only_mail("alice");
  EXPECT_EQ(imap_uids(stack_, "carol", "INBOX").size(), 0U);
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox WHERE purpose = 'team_notice'"), "0");
}

// Follow-ups reach the team: the missing facts supplied go to the staff,
// #assign sends the new owner the request, a reopening reaches the owner.
TEST_F(Team, the_requesters_later_words_reach_the_team_and_an_assignment_reaches_the_new_owner) {
  auto send = [&](const std::string& from, const std::string& subject, const std::string& body, const std::string& id,
                  const std::string& in_reply_to) {
    append(from, subject, body, id, in_reply_to);
    once();
  };
  send("Alice Example <alice@example.test>", "Where is my shipment", "My shipment never arrived.", "ship@alice", "");
  const std::string ref = sql_value(stack_, "SELECT reference FROM requests");
  ASSERT_FALSE(ref.empty());
  ASSERT_EQ(wait_for_messages(stack_, "dave", "INBOX", 1, 30), 1U);  // the team notice
  send("Alice Example <alice@example.test>", "Re: [" + ref + "] Where is my shipment", "It is order number 48213.",
       "order@alice", "<ship@alice>");
  ASSERT_EQ(wait_for_messages(stack_, "dave", "INBOX", 2, 30), 2U);
  bool told = false;
  for (auto uid : imap_uids(stack_, "dave", "INBOX")) {
    const std::string raw = imap_fetch(stack_, "dave", "INBOX", uid);
    if (header_of(raw, "Subject").find("sent the missing information") == std::string::npos) continue;
    told = body_text_of(stack_, raw).find("order number 48213") != std::string::npos;
  }
  EXPECT_TRUE(told) << "the facts supplied reach the staff";

  // dave assigns bob with a word for the requester: bob gets the request, alice the word.
  send("Dave <dave@example.test>", "Re: [" + ref + "] Where is my shipment", "#assign bob\n\nBob handles our couriers.",
       "assign@dave", "<ship@alice>");
  EXPECT_EQ(sql_value(stack_, "SELECT owner FROM requests"), "bob@example.test");
  ASSERT_EQ(wait_for_messages(stack_, "bob", "INBOX", 1, 30), 1U);
  const std::string assigned = imap_fetch(stack_, "bob", "INBOX", imap_uids(stack_, "bob", "INBOX").front());
  EXPECT_NE(header_of(assigned, "Subject").find("[" + ref + "] Assigned to you"), std::string::npos);
  EXPECT_NE(body_text_of(stack_, assigned).find("My shipment never arrived."), std::string::npos);

  // Resolved, then reopened by the requester: the owner hears of it, and only the owner.
  send("Dave <dave@example.test>", "Re: [" + ref + "] Where is my shipment", "#status resolved", "done@dave", "<ship@alice>");
  send("Alice Example <alice@example.test>", "Re: [" + ref + "] resolved", "It arrived, but broken.", "broken@alice",
       "<ship@alice>");
  EXPECT_EQ(sql_value(stack_, "SELECT status FROM requests"), "in_progress");
  ASSERT_EQ(wait_for_messages(stack_, "bob", "INBOX", 2, 30), 2U);
  bool reopened = false;
  for (auto uid : imap_uids(stack_, "bob", "INBOX"))
    reopened = reopened || header_of(imap_fetch(stack_, "bob", "INBOX", uid), "Subject").find("reopened the request") !=
                               std::string::npos;
  EXPECT_TRUE(reopened);
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(imap_uids(stack_, "dave", "INBOX").size(), 2U) << "once owned, only the owner is told";

  // An admin's reassignment tells the new owner too.
  const RunResult set = run_command(std::string(INTAKECTL_PATH) + " --config " + config_ + " requests set " + ref +
                                    " --owner dave@example.test");
  EXPECT_EQ(set.exit_code, 0) << set.output;
  once();  // sends what is queued
  ASSERT_EQ(wait_for_messages(stack_, "dave", "INBOX", 3, 30), 3U);
  bool assigned_to_dave = false;
  for (auto uid : imap_uids(stack_, "dave", "INBOX"))
    assigned_to_dave = assigned_to_dave || header_of(imap_fetch(stack_, "dave", "INBOX", uid), "Subject")
                                                   .find("[" + ref + "] Assigned to you") != std::string::npos;
  EXPECT_TRUE(assigned_to_dave);
}

TEST_F(Team, ratings_are_recorded_answered_with_nothing_and_shown_in_the_summary_with_the_owner_in_the_kudos) {
  const char* asks[] = {"VPN fails", "Mail quota", "New mouse"};
  for (int i = 0; i < 3; ++i)
    append("Alice Example <alice@example.test>", std::string("[IT] ") + asks[i], "Please help.", "ask" + std::to_string(i) + "@alice", "");
  once();
  ASSERT_EQ(sql_value(stack_, "SELECT count(*) FROM requests"), "3");
  // dave takes each and resolves it with a word for alice.
  for (int i = 0; i < 3; ++i)
    append("Dave <dave@example.test>", std::string("Re: [IT] ") + asks[i], "#assign dave\n#status resolved\n\nSorted, see you.",
           "done" + std::to_string(i) + "@dave", "ask" + std::to_string(i) + "@alice");
  once();
  EXPECT_EQ(sql_value(stack_, "SELECT string_agg(status || '/' || owner, ',') FROM requests"),
            "resolved/dave@example.test,resolved/dave@example.test,resolved/dave@example.test");
  ASSERT_EQ(wait_for_messages(stack_, "alice", "INBOX", 6, 30), 6U);  // three acknowledgments, three resolved notices

  // Three ratings, one of them by the subject of a rating link.
  const std::string ref0 = sql_value(stack_, "SELECT reference FROM requests WHERE subject LIKE '%VPN%'");
  const std::string ref2 = sql_value(stack_, "SELECT reference FROM requests WHERE subject LIKE '%mouse%'");
  append("Alice Example <alice@example.test>", "Re: [" + ref0 + "] VPN fails: resolved", "5 - quick and friendly\n\nAlice",
         "rate0@alice", "ask0@alice");
  append("Alice Example <alice@example.test>", "Re: [IT] Mail quota: resolved", "2 - took too long", "rate1@alice", "ask1@alice");
  append("Alice Example <alice@example.test>", "[" + ref2 + "] rating 4", "", "rate2@alice", "");
  once();
  EXPECT_EQ(sql_value(stack_, "SELECT string_agg(status, ',') FROM requests"), "resolved,resolved,resolved");
  EXPECT_EQ(sql_value(stack_, "SELECT string_agg(r.subject || ':' || e.score || ':' || e.detail || ':' || e.credited, '|'"
                              " ORDER BY r.number) FROM events e JOIN requests r ON r.id = e.request_id WHERE e.type = 'feedback'"),
            "[IT] VPN fails:5:quick and friendly Alice:dave@example.test|[IT] Mail quota:2:took too long:dave@example.test|"
            "[IT] New mouse:4::dave@example.test");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM messages WHERE role = 'feedback'"), "3");
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(imap_uids(stack_, "alice", "INBOX").size(), 6U) << "a rating is answered with nothing";
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox WHERE purpose = 'follow_up_notice'"), "0");

  // The history shows the rating; the summary the team's ratings and dave in the kudos.
  const RunResult show = run_command(std::string(INTAKECTL_PATH) + " --config " + config_ + " requests show " + ref0);
  EXPECT_NE(show.output.find("feedback  alice@example.test  5/5: quick and friendly"), std::string::npos) << show.output;
  const RunResult summary = run_command(std::string(INTAKECTL_PATH) + " --config " + config_ +
                                        " summary preview --to boss@example.test --period today");
  EXPECT_EQ(summary.exit_code, 0) << summary.output;
  EXPECT_NE(summary.output.find("Rated by requesters: 3, average 3.7 of 5, good (4 or 5): 67%"), std::string::npos)
      << summary.output;
  EXPECT_NE(summary.output.find("2/5 \"took too long\" (Alice Example, "), std::string::npos) << summary.output;
  EXPECT_NE(summary.output.find("5/5 \"quick and friendly Alice\""), std::string::npos) << summary.output;
  EXPECT_NE(summary.output.find("dave@example.test was thanked by 1 colleague(s)"), std::string::npos) << summary.output;
  // Yesterday's summary ended before the rating: no kudos from it.
  const RunResult yesterday = run_command(std::string(INTAKECTL_PATH) + " --config " + config_ +
                                          " summary preview --to boss@example.test --period yesterday");
  EXPECT_EQ(yesterday.exit_code, 0) << yesterday.output;
  EXPECT_EQ(yesterday.output.find("was thanked"), std::string::npos) << yesterday.output;
  // intakectl kudos counts the same credit (one rating has a comment and is good).
  const RunResult kudos = run_command(std::string(INTAKECTL_PATH) + " --config " + config_ + " kudos --since 1d");
  EXPECT_EQ(kudos.exit_code, 0) << kudos.output;
  EXPECT_NE(kudos.output.find("dave@example.test was thanked by 1 colleague (1 message)"), std::string::npos) << kudos.output;
}

}  // namespace
}  // namespace intake::testing
