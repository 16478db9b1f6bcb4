// Tracked requests end to end on the real stack: routing (address, plus tag,
// subject tag, keyword), priority words, each timeframe phrase read in the
// requester's time zone, the missing-information round trip, threading by
// each link of the chain, reply-all copies, thank-yous, reopening, and staff
// commands by email; `intakectl requests show --json` with the whole history.
//
// The clock: timeframe phrases are read against each message's own Date
// header, which these tests set to the last Wednesday 10:30 in Berlin, so the
// expected times do not depend on when the tests run. PostgreSQL's own time
// zone data checks the stored instants.
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/support/stack_client.hpp"

namespace intake::testing {
namespace {

using namespace std::chrono_literals;

const char* request_sections = R"(
[[mailbox]]
name = "it"
address = "it@example.test"
host = "127.0.0.1"
port = @IMAP_PORT@
security = "plain"
username = "it@example.test"
password_file = "@PASSWORD_FILE@"
folder = "INBOX"
processed_folder = "Processed"
default_category = "general"

[requests]
time_zone = "Europe/Berlin"

[[category]]
name = "it"
addresses = ["it@example.test"]
tags = ["IT"]
keywords = ["laptop", "vpn"]
staff = ["bob@example.test"]

[[category]]
name = "hr"
tags = ["HR"]
keywords = ["payroll"]
staff = ["carol@example.test"]

[[category]]
name = "shipping"
keywords = ["shipment"]
staff = ["dave@example.test"]
[[category.requires]]
name = "the order number"
pattern = 'order\s*(?:no\.?|number|#)?\s*[:#]?\s*\d{5,}'
[[category.requires]]
name = "the ship date"
pattern = 'ship\s+date\s*:'

[[employee]]
address = "alice@example.test"
name = "Alice Example"
department = "Sales"
time_zone = "Europe/Berlin"

[[employee]]
address = "erin@example.test"
name = "Erin Example"
department = "Finance"
time_zone = "America/New_York"

[[employee]]
address = "bob@example.test"
name = "Bob Builder"
department = "IT"
)";

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
}

// The last Wednesday at least a day ago, as "YYYY-MM-DD".
std::string last_wednesday() {
  using namespace std::chrono;
  sys_days d = floor<days>(system_clock::now()) - days{1};
  while (weekday{d} != Wednesday) d -= days{1};
  const year_month_day ymd{d};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

// Today plus `n` days (UTC), as "YYYY-MM-DD".
std::string days_from_today(int n) {
  using namespace std::chrono;
  const year_month_day ymd{floor<days>(system_clock::now()) + days{n}};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

// RFC 5322 date of that Wednesday, 10:30 Berlin time (CET, +0100; the tests
// run in any season, and +0100 is right for Berlin only in winter, so the
// offset is taken from PostgreSQL for the actual day).
class Requests : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = load_stack();
    ASSERT_FALSE(HasFailure());
    reset_stack(stack_);
    std::string sections = request_sections;
    replace_all(sections, "@IMAP_PORT@", stack_.get("IMAP_PORT"));
    replace_all(sections, "@PASSWORD_FILE@", stack_.get("STACK_DIR") + "/secrets/mail_password");
    config_ = write_config(stack_, "requests-e2e", "", {}, sections);
    wednesday_ = last_wednesday();
    // "Wed, 02 Dec 2026 10:30:00 +0100" for that day in Berlin.
    date_header_ = sql_value(stack_, "SELECT to_char(('" + wednesday_ +
                                         " 10:30'::timestamp AT TIME ZONE 'Europe/Berlin') AT TIME ZONE 'UTC',"
                                         " 'Dy, DD Mon YYYY HH24:MI:SS') || ' +0000'");
    ASSERT_FALSE(date_header_.empty());
  }

  std::string mail(const std::string& from, const std::string& to, const std::string& subject, const std::string& body,
                   const std::string& message_id, const std::string& extra = "") const {
    std::string raw = "From: " + from + "\nTo: " + to + "\nSubject: " + subject + "\nDate: " + date_header_ + "\n";
    if (!message_id.empty()) raw += "Message-ID: <" + message_id + ">\n";
    return raw + extra + "Content-Type: text/plain; charset=utf-8\n\n" + body + "\n";
  }
  RunResult once() {
    RunResult r = run_command(std::string(INTAKED_PATH) + " --config " + config_ + " --once");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return r;
  }
  RunResult intakectl(const std::string& args) {
    return run_command(std::string(INTAKECTL_PATH) + " --config " + config_ + " " + args);
  }
  std::string field(const std::string& subject, const std::string& column) {
    return sql_value(stack_, "SELECT " + column + " FROM requests WHERE subject = '" + subject + "'");
  }
  std::string reference_of(const std::string& subject) { return field(subject, "reference"); }
  // The requested time as "days after that Wednesday HH:MI" in `zone`.
  std::string requested(const std::string& subject, const std::string& zone = "Europe/Berlin") {
    return sql_value(stack_, "SELECT ((requested_by AT TIME ZONE '" + zone + "')::date - DATE '" + wednesday_ +
                                 "')::text || ' ' || to_char(requested_by AT TIME ZONE '" + zone +
                                 "', 'HH24:MI') FROM requests WHERE subject = '" + subject + "'");
  }
  nlohmann::json show(const std::string& reference) {
    RunResult r = intakectl("requests show " + reference + " --json");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    auto j = nlohmann::json::parse(r.output, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.output;
    return j;
  }
  std::vector<std::string> event_types(const std::string& reference) {
    std::vector<std::string> types;
    const nlohmann::json j = show(reference);  // kept: a temporary's member would dangle in the loop
    for (const auto& e : j["events"]) types.push_back(e["type"].get<std::string>());
    return types;
  }
  // The acknowledgment (or other mail) intake sent `user` with `subject_part` in its subject.
  std::string received(const std::string& user, const std::string& subject_part, std::size_t expected_count) {
    EXPECT_GE(wait_for_messages(stack_, user, "INBOX", expected_count, 30), expected_count);
    for (auto uid : imap_uids(stack_, user, "INBOX")) {
      std::string raw = imap_fetch(stack_, user, "INBOX", uid);
      if (header_of(raw, "Subject").find(subject_part) != std::string::npos) return raw;
    }
    ADD_FAILURE() << "no mail with \"" << subject_part << "\" in " << user << "'s inbox";
    return {};
  }
  std::string body_text(const std::string& raw) { return body_text_of(stack_, raw); }

  Stack stack_;
  std::string config_, wednesday_, date_header_;
};

TEST_F(Requests, routing_by_address_plus_tag_subject_tag_and_keyword_and_priority_words) {
  imap_append(stack_, "it", "INBOX", mail("Alice <alice@example.test>", "it@example.test", "Monitor flickers", "It flickers.", "r1@alice"));
  imap_append(stack_, "requests", "INBOX", mail("Alice <alice@example.test>", "requests+hr@example.test", "Question about leave", "How many days?", "r2@alice"));
  imap_append(stack_, "requests", "INBOX", mail("Alice <alice@example.test>", "requests@example.test", "[IT] Printer jam", "Jammed.", "r3@alice"));
  imap_append(stack_, "requests", "INBOX", mail("Alice <alice@example.test>", "requests@example.test", "Token", "My VPN token expired.", "r4@alice"));
  imap_append(stack_, "requests", "INBOX", mail("Alice <alice@example.test>", "requests@example.test", "Payroll server is down", "Nobody gets paid.", "r5@alice"));
  imap_append(stack_, "requests", "INBOX", mail("Alice <alice@example.test>", "requests@example.test", "New chair", "Mine broke.", "r6@alice", "X-Priority: 1 (Highest)\n"));
  imap_append(stack_, "requests", "INBOX", mail("Alice <alice@example.test>", "requests@example.test", "Coffee machine", "It leaks.", "r7@alice"));
  once();
  EXPECT_EQ(field("Monitor flickers", "category"), "it");
  EXPECT_EQ(field("Question about leave", "category"), "hr");
  EXPECT_EQ(field("[IT] Printer jam", "category"), "it");
  EXPECT_EQ(field("Token", "category"), "it");
  EXPECT_EQ(field("Payroll server is down", "category"), "hr");
  EXPECT_EQ(field("Payroll server is down", "priority"), "urgent");
  EXPECT_EQ(field("New chair", "priority"), "high");
  EXPECT_EQ(field("Coffee machine", "category"), "general");
  EXPECT_EQ(field("Coffee machine", "priority"), "normal");
  EXPECT_EQ(field("Coffee machine", "requester_department"), "Sales");
  // Why, in the history.
  const auto created = [&](const std::string& subject) {
    const nlohmann::json j = show(reference_of(subject));
    return j["events"][0]["detail"].get<std::string>();
  };
  EXPECT_NE(created("Monitor flickers").find("address it@example.test"), std::string::npos) << created("Monitor flickers");
  EXPECT_NE(created("Question about leave").find("plus address requests+hr@example.test"), std::string::npos);
  EXPECT_NE(created("[IT] Printer jam").find("subject tag it"), std::string::npos);
  EXPECT_NE(created("Token").find("keyword vpn"), std::string::npos);
  EXPECT_NE(created("Payroll server is down").find("word \"is down\""), std::string::npos);
}

TEST_F(Requests, each_timeframe_phrase_is_read_in_the_requesters_time_zone) {
  const std::string next_wednesday = sql_value(stack_, "SELECT to_char(DATE '" + wednesday_ + "' + 7, 'YYYY-MM-DD')");
  const std::vector<std::pair<std::string, std::string>> phrases = {
      {"today", "0 17:00"},           {"EOD", "0 17:00"},          {"by Friday", "2 17:00"},
      {"tomorrow morning", "1 12:00"}, {"first morning", "1 12:00"}, {"first afternoon", "0 17:00"},
      {"before 3pm", "0 15:00"},      {"by " + next_wednesday, "7 17:00"}};
  int n = 0;
  for (const auto& [phrase, _] : phrases)
    imap_append(stack_, "requests", "INBOX",
                mail("Alice <alice@example.test>", "requests@example.test", "Timeframe " + std::to_string(n++),
                     "Could you do this " + phrase + "? Thanks.", "tf" + std::to_string(n) + "@alice"));
  // The same words from New York, where that Wednesday 10:30 in Berlin is 04:30.
  imap_append(stack_, "requests", "INBOX",
              mail("Erin <erin@example.test>", "requests@example.test", "Timeframe NY", "Tomorrow morning please.", "tf-ny@erin"));
  once();
  n = 0;
  for (const auto& [phrase, expected] : phrases) {
    const std::string subject = "Timeframe " + std::to_string(n++);
    EXPECT_EQ(requested(subject), expected) << phrase;
    EXPECT_FALSE(field(subject, "requested_by_phrase").empty()) << phrase;
  }
  EXPECT_EQ(requested("Timeframe NY", "America/New_York"), "1 12:00");
  EXPECT_EQ(field("Timeframe NY", "time_zone"), "America/New_York");
  EXPECT_EQ(field("Timeframe 2", "requested_by_phrase"), "by Friday");
  // The acknowledgment says it back in plain words.
  const std::string ack = received("alice", "Timeframe 2", 1);
  EXPECT_NE(body_text(ack).find("Wanted:   by Friday"), std::string::npos) << body_text(ack);
}

// Issue 22: the requester's own plans are no requested time (and no due
// date), "first thing" is when the desk opens, and with the team's calendar
// the day ends when the desk closes (17:30 here, not day_end_hour's 17:00).
TEST_F(Requests, only_asked_times_are_requested_and_they_follow_the_desks_calendar) {
  std::string sections = std::string(request_sections) + R"(
[[calendar]]
name = "desk"
time_zone = "Europe/Berlin"
[calendar.hours]
mon = ["08:30-12:00", "13:00-17:30"]
tue = ["08:30-12:00", "13:00-17:30"]
wed = ["08:30-12:00", "13:00-17:30"]
thu = ["08:30-12:00", "13:00-17:30"]
fri = ["08:30-14:00"]

[service_levels]
calendar = "desk"
first_response = "4h"
resolution = "5d"
)";
  replace_all(sections, "@IMAP_PORT@", stack_.get("IMAP_PORT"));
  replace_all(sections, "@PASSWORD_FILE@", stack_.get("STACK_DIR") + "/secrets/mail_password");
  config_ = write_config(stack_, "requests-e2e-desk", "", {}, sections);
  const std::vector<std::pair<std::string, std::string>> mails = {
      {"Plans airport", "Hi Bob,\n\nI'm at the airport tomorrow morning. Could you reset my VPN token?\n\nThanks, Alice"},
      {"Plans leave", "Hi, my keyboard lost two keys. I'm on leave from 21 to 23 December.\n\nAlice"},
      {"Desk demo", "Could someone look at this first thing tomorrow morning? I have a demo at 11."},
      {"Desk EOD", "Need it by EOD, thanks."},
      {"Desk soon", "Could you fix it by " + days_from_today(1) + "?"}};
  int n = 0;
  for (const auto& [subject, body] : mails)
    imap_append(stack_, "requests", "INBOX",
                mail("Alice <alice@example.test>", "requests@example.test", subject, body, "asked" + std::to_string(n++) + "@alice"));
  once();
  EXPECT_EQ(field("Plans airport", "requested_by IS NULL"), "t");
  EXPECT_EQ(field("Plans leave", "requested_by IS NULL"), "t");
  // The resolution target stands: 5 working days from now (within 8 days),
  // not "23 December" (which only a run in the week before it cannot tell).
  EXPECT_EQ(field("Plans leave", "due_resolution <= now() + interval '8 days'"), "t");
  EXPECT_EQ(requested("Desk demo"), "1 08:30");
  EXPECT_EQ(field("Desk demo", "requested_by_phrase"), "first thing tomorrow morning");
  EXPECT_EQ(requested("Desk EOD"), "0 17:30");
  // The acknowledgment names no wanted time where none was asked for.
  const std::string ack = received("alice", "Plans airport", mails.size());
  EXPECT_EQ(body_text(ack).find("Wanted:"), std::string::npos) << body_text(ack);
  // The preview is the mail: `intakectl render` carries the "You asked for
  // it by" paragraph the real acknowledgment has, word for word.
  const std::string demo_ack = body_text(received("alice", "Desk soon", mails.size()));
  EXPECT_NE(demo_ack.find("You asked for it by"), std::string::npos) << demo_ack;
  const RunResult preview = intakectl("render acknowledgment --request " + reference_of("Desk soon"));
  ASSERT_EQ(preview.exit_code, 0) << preview.output;
  const std::string preview_text = preview.output.substr(preview.output.find("\n\n") + 2);
  EXPECT_EQ(preview_text, demo_ack);
}

TEST_F(Requests, missing_information_round_trip_moves_the_request_on_by_itself) {
  imap_append(stack_, "requests", "INBOX",
              mail("Alice Example <alice@example.test>", "requests@example.test", "Shipment to Lyon",
                   "Please ship the samples, order #123456.", "ship@alice"));
  once();
  const std::string ref = reference_of("Shipment to Lyon");
  ASSERT_FALSE(ref.empty());
  EXPECT_EQ(field("Shipment to Lyon", "category"), "shipping");
  EXPECT_EQ(field("Shipment to Lyon", "status"), "waiting_on_requester");
  EXPECT_EQ(show(ref)["missing"], nlohmann::json::array({"the ship date"}));
  const std::string ack = received("alice", "one more thing", 1);
  const std::string text = body_text(ack);
  EXPECT_NE(text.find("please reply with:"), std::string::npos) << text;
  EXPECT_NE(text.find("- the ship date"), std::string::npos) << text;
  EXPECT_EQ(text.find("the order number"), std::string::npos) << "only what is missing is asked for\n" << text;

  // The answer, as a reply to the acknowledgment.
  const std::string ack_id = header_of(ack, "Message-ID");
  imap_append(stack_, "requests", "INBOX",
              mail("Alice Example <alice@example.test>", "requests@example.test", "Re: [" + ref + "] Shipment to Lyon",
                   "Ship date: next Tuesday.\n\n> quoted acknowledgment", "ship-reply@alice", "In-Reply-To: " + ack_id + "\n"));
  once();
  EXPECT_EQ(field("Shipment to Lyon", "status"), "acknowledged");
  EXPECT_EQ(show(ref)["missing"], nlohmann::json::array());
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM requests"), "1");
  const auto types = event_types(ref);
  EXPECT_NE(std::find(types.begin(), types.end(), "information_received"), types.end());
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(imap_uids(stack_, "alice", "INBOX").size(), 1U) << "no second acknowledgment";
}

TEST_F(Requests, a_request_waiting_on_its_requester_is_promised_no_time_and_its_clock_starts_with_the_answer) {
  std::string sections = std::string(request_sections) + R"(
[[calendar]]
name = "desk"
time_zone = "Europe/Berlin"
hours.mon = ["00:00-24:00"]
hours.tue = ["00:00-24:00"]
hours.wed = ["00:00-24:00"]
hours.thu = ["00:00-24:00"]
hours.fri = ["00:00-24:00"]
hours.sat = ["00:00-24:00"]
hours.sun = ["00:00-24:00"]

[service_levels]
calendar = "desk"
first_response = "4h"
resolution = "2d"
)";
  replace_all(sections, "@IMAP_PORT@", stack_.get("IMAP_PORT"));
  replace_all(sections, "@PASSWORD_FILE@", stack_.get("STACK_DIR") + "/secrets/mail_password");
  config_ = write_config(stack_, "requests-e2e-waiting", "", {}, sections);
  imap_append(stack_, "requests", "INBOX",
              mail("Alice Example <alice@example.test>", "requests@example.test", "Shipment to Porto",
                   "Please ship the samples to Porto.", "porto@alice"));
  once();
  const std::string ref = reference_of("Shipment to Porto");
  ASSERT_FALSE(ref.empty());
  EXPECT_EQ(field("Shipment to Porto", "status"), "waiting_on_requester");
  EXPECT_EQ(field("Shipment to Porto", "due_first_response IS NULL AND due_resolution IS NULL"), "t");
  const std::string ack = received("alice", "one more thing", 1);
  const std::string text = body_text(ack);
  EXPECT_EQ(text.find("What to expect"), std::string::npos) << text;
  EXPECT_EQ(text.find("first answer by"), std::string::npos) << text;
  EXPECT_NE(text.find("The team's timeframe\nstarts then too"), std::string::npos) << text;
  EXPECT_NE(text.find("- the order number"), std::string::npos) << text;

  // Every fact supplied: the clock starts now, 4 hours to the first response.
  imap_append(stack_, "requests", "INBOX",
              mail("Alice Example <alice@example.test>", "requests@example.test", "Re: [" + ref + "] Shipment to Porto",
                   "Order number 4455667, ship date: Friday.", "porto-reply@alice",
                   "In-Reply-To: " + header_of(ack, "Message-ID") + "\n"));
  once();
  EXPECT_EQ(field("Shipment to Porto", "status"), "acknowledged");
  EXPECT_EQ(field("Shipment to Porto", "clock_started_at > created_at"), "t");
  EXPECT_EQ(field("Shipment to Porto", "due_first_response - clock_started_at BETWEEN interval '3 hours 58 minutes'"
                                       " AND interval '4 hours'"),
            "t");
  EXPECT_EQ(field("Shipment to Porto", "due_resolution > due_first_response"), "t");
  const auto types = event_types(ref);
  EXPECT_NE(std::find(types.begin(), types.end(), "clock_started"), types.end());
}

TEST_F(Requests, replies_join_by_each_link_of_the_chain_and_reply_all_copies_are_one) {
  imap_append(stack_, "requests", "INBOX",
              mail("Erin <erin@example.test>", "requests@example.test", "Badge does not open door 4", "Since Monday.", "badge@erin"));
  once();
  const std::string ref = reference_of("Badge does not open door 4");
  ASSERT_FALSE(ref.empty());
  const std::string ack_id = header_of(received("erin", "Badge", 1), "Message-ID");
  // 1. In-Reply-To our own Message-ID; 2. References only, to the request;
  // 3. only the [REQ-n] tag in the subject.
  imap_append(stack_, "requests", "INBOX",
              mail("Erin <erin@example.test>", "requests@example.test", "Re: Badge", "Still broken.", "link1@erin",
                   "In-Reply-To: " + ack_id + "\n"));
  imap_append(stack_, "requests", "INBOX",
              mail("Erin <erin@example.test>", "requests@example.test", "More on the badge", "Door 5 too.", "link2@erin",
                   "References: <unknown@elsewhere> <badge@erin>\n"));
  imap_append(stack_, "requests", "INBOX",
              mail("Erin <erin@example.test>", "requests@example.test", "Re: [" + ref + "] Badge", "And door 6.", "link3@erin"));
  // A reply-all: the same message to both shared addresses.
  const std::string all = mail("Dave <dave@example.test>", "requests@example.test, it@example.test", "Network cable",
                               "Cable missing in room 2.", "cable@dave");
  imap_append(stack_, "requests", "INBOX", all);
  imap_append(stack_, "it", "INBOX", all);
  once();
  for (const char* id : {"link1@erin", "link2@erin", "link3@erin"})
    EXPECT_EQ(sql_value(stack_, "SELECT r.reference FROM messages m JOIN requests r ON r.id = m.request_id WHERE m.message_id = '" +
                                    std::string(id) + "'"),
              ref)
        << id;
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM requests"), "2");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM messages WHERE message_id = 'cable@dave'"), "1");
  EXPECT_EQ(imap_uids(stack_, "requests", "INBOX").size() + imap_uids(stack_, "it", "INBOX").size(), 0U);
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(imap_uids(stack_, "erin", "INBOX").size(), 1U) << "replies get no acknowledgment";
}

TEST_F(Requests, staff_commands_by_email_responses_forwarded_thanks_and_reopening) {
  imap_append(stack_, "requests", "INBOX",
              mail("Alice Example <alice@example.test>", "requests@example.test", "[IT] Laptop fan is loud", "Very loud.", "fan@alice"));
  once();
  const std::string ref = reference_of("[IT] Laptop fan is loud");
  ASSERT_FALSE(ref.empty());
  const std::string ack_id = header_of(received("alice", "Laptop fan", 1), "Message-ID");
  auto staff_reply = [&](const std::string& from, const std::string& body, const std::string& id) {
    imap_append(stack_, "requests", "INBOX",
                mail(from, "requests@example.test", "Re: [" + ref + "] Laptop fan is loud", body, id,
                     "In-Reply-To: " + ack_id + "\n"));
    once();
  };
  staff_reply("Bob Builder <bob@example.test>", "#assign bob\n#priority high\n#status in_progress\n", "cmd1@bob");
  EXPECT_EQ(field("[IT] Laptop fan is loud", "owner"), "bob@example.test");
  EXPECT_EQ(field("[IT] Laptop fan is loud", "priority"), "high");
  EXPECT_EQ(field("[IT] Laptop fan is loud", "status"), "in_progress");
  staff_reply("Bob Builder <bob@example.test>", "#note ordered a new fan", "cmd2@bob");
  // Not staff of it: ignored, recorded, nothing changes.
  staff_reply("Dave <dave@example.test>", "#status resolved", "cmd3@dave");
  EXPECT_EQ(field("[IT] Laptop fan is loud", "status"), "in_progress");
  // A response to the requester is forwarded to her.
  staff_reply("Bob Builder <bob@example.test>", "The new fan arrives on Thursday; I will fit it then.", "resp@bob");
  EXPECT_FALSE(field("[IT] Laptop fan is loud", "first_response_at").empty());
  const std::string forwarded = received("alice", "Re: [" + ref + "]", 2);
  EXPECT_NE(body_text(forwarded).find("The new fan arrives on Thursday"), std::string::npos) << body_text(forwarded);
  // Resolved by command: the requester is told.
  staff_reply("Bob Builder <bob@example.test>", "#status resolved", "cmd4@bob");
  EXPECT_EQ(field("[IT] Laptop fan is loud", "status"), "resolved");
  received("alice", "resolved", 3);
  // A thank-you changes nothing; anything more reopens it.
  imap_append(stack_, "requests", "INBOX",
              mail("Alice Example <alice@example.test>", "requests@example.test", "Re: [" + ref + "] resolved",
                   "Thanks a lot!\n\nAlice", "thanks@alice"));
  once();
  EXPECT_EQ(field("[IT] Laptop fan is loud", "status"), "resolved");
  EXPECT_EQ(field("[IT] Laptop fan is loud", "thanks_count"), "1");
  imap_append(stack_, "requests", "INBOX",
              mail("Alice Example <alice@example.test>", "requests@example.test", "Re: [" + ref + "] resolved",
                   "It is loud again since this morning.", "again@alice"));
  once();
  EXPECT_EQ(field("[IT] Laptop fan is loud", "status"), "in_progress");
  EXPECT_EQ(field("[IT] Laptop fan is loud", "reopened_count"), "1");

  // The admin side: set, and the whole history in one JSON object.
  RunResult set = intakectl("requests set " + ref + " --status waiting_on_requester --owner carol@example.test");
  EXPECT_EQ(set.exit_code, 0) << set.output;
  RunResult refused = intakectl("requests set " + ref + " --status new");
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("cannot move to new"), std::string::npos) << refused.output;

  const nlohmann::json j = show(ref);
  for (const char* key : {"reference", "requester", "category", "priority", "status", "owner", "requested_by", "missing",
                          "due_first_response", "due_resolution", "events"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["reference"], ref);
  EXPECT_EQ(j["requester"], "alice@example.test");
  EXPECT_EQ(j["status"], "waiting_on_requester");
  EXPECT_EQ(j["owner"], "carol@example.test");
  std::vector<std::string> types;
  for (const auto& e : j["events"]) {
    for (const char* key : {"type", "at", "by", "detail"}) EXPECT_TRUE(e.contains(key)) << key;
    types.push_back(e["type"].get<std::string>());
  }
  const std::vector<std::string> expected = {
      "created",         "acknowledgment_queued", "acknowledged",      "assigned",          "priority_changed",
      "status_changed",  "note",                  "command_ignored",   "reply",             "staff_response",
      "staff_response_queued", "status_changed",  "resolved_notice_queued", "thanks",       "reply",
      "reopened",        "status_changed",        "assigned"};
  for (const auto& t : expected)
    EXPECT_NE(std::find(types.begin(), types.end(), t), types.end()) << "history has no " << t;
  EXPECT_GE(types.size(), 16U);

  // list --json: one object per line, the same keys without events.
  RunResult list = intakectl("requests list --json --category it");
  EXPECT_EQ(list.exit_code, 0) << list.output;
  auto line = nlohmann::json::parse(list.output.substr(0, list.output.find('\n')), nullptr, false);
  ASSERT_FALSE(line.is_discarded()) << list.output;
  EXPECT_EQ(line["reference"], ref);
  EXPECT_FALSE(line.contains("events"));
}

// No staff word is lost: commands and words in one reply. The commands are
// applied, the words reach the requester (inside the resolved notice when
// the reply resolves the request: one mail) and the history holds them; a
// reply of commands alone sends nothing more.
TEST_F(Requests, a_staff_reply_with_commands_and_words_applies_the_commands_and_forwards_the_words) {
  imap_append(stack_, "requests", "INBOX",
              mail("Alice Example <alice@example.test>", "requests@example.test", "[IT] VPN will not connect",
                   "The VPN says my certificate is invalid.", "vpn@alice"));
  once();
  const std::string ref = reference_of("[IT] VPN will not connect");
  ASSERT_FALSE(ref.empty());
  const std::string ack_id = header_of(received("alice", "VPN will not connect", 1), "Message-ID");
  auto staff_reply = [&](const std::string& body, const std::string& id) {
    imap_append(stack_, "requests", "INBOX",
                mail("Dave Admin <bob@example.test>", "requests@example.test", "Re: [" + ref + "] VPN will not connect", body,
                     id, "In-Reply-To: " + ack_id + "\n"));
    once();
  };
  // Commands alone: applied, nothing sent.
  staff_reply("#priority high\n", "prio@bob");
  EXPECT_EQ(field("[IT] VPN will not connect", "priority"), "high");
  EXPECT_TRUE(field("[IT] VPN will not connect", "first_response_at").empty());
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(imap_uids(stack_, "alice", "INBOX").size(), 1U) << "a commands-only reply sends nothing";

  // #assign plus words: assigned, and the words forwarded as a staff response.
  staff_reply("#assign bob\n\nI am looking at it now; it may be the certificate.", "assign@bob");
  EXPECT_EQ(field("[IT] VPN will not connect", "owner"), "bob@example.test");
  EXPECT_FALSE(field("[IT] VPN will not connect", "first_response_at").empty());
  const std::string forwarded = received("alice", "Re: [" + ref + "]", 2);
  EXPECT_NE(body_text(forwarded).find("I am looking at it now"), std::string::npos) << body_text(forwarded);
  EXPECT_EQ(body_text(forwarded).find("#assign"), std::string::npos) << body_text(forwarded);

  // #status resolved plus a paragraph: one mail, the resolved notice with the paragraph in it.
  staff_reply("#status resolved\n\nYour VPN certificate had expired; I renewed it. Please restart the client.",
              "resolve@bob");
  EXPECT_EQ(field("[IT] VPN will not connect", "status"), "resolved");
  const std::string resolved = received("alice", "resolved", 3);
  EXPECT_NE(body_text(resolved).find("Your VPN certificate had expired; I renewed it."), std::string::npos)
      << body_text(resolved);
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(imap_uids(stack_, "alice", "INBOX").size(), 3U) << "the words travel inside the resolved notice";

  // The history holds both staff paragraphs.
  const nlohmann::json j = show(ref);
  std::vector<std::string> responses;
  for (const auto& e : j["events"])
    if (e["type"] == "staff_response") responses.push_back(e["detail"].get<std::string>());
  ASSERT_EQ(responses.size(), 2U) << j.dump();
  EXPECT_NE(responses[0].find("I am looking at it now"), std::string::npos);
  EXPECT_NE(responses[1].find("Your VPN certificate had expired"), std::string::npos);
  // requests show: the request's text, and each message's text on the event that records it.
  EXPECT_NE(j["text"].get<std::string>().find("The VPN says my certificate is invalid."), std::string::npos) << j.dump();
  std::vector<std::string> texts;
  for (const auto& e : j["events"])
    if (e.contains("text")) texts.push_back(e["text"].get<std::string>());
  ASSERT_EQ(texts.size(), 3U) << j.dump();  // the three staff replies, once each
  EXPECT_NE(texts[0].find("#priority high"), std::string::npos);
  EXPECT_NE(texts[2].find("I renewed it"), std::string::npos);
  const RunResult plain = intakectl("requests show " + ref);
  EXPECT_NE(plain.output.find("    | The VPN says my certificate is invalid."), std::string::npos) << plain.output;
  EXPECT_NE(plain.output.find("      | I am looking at it now"), std::string::npos) << plain.output;
}

}  // namespace
}  // namespace intake::testing
