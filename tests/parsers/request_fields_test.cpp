// Reading what a request asks for: routing, priority, timeframe phrases
// (against a fixed "now", the unit tests' clock), missing facts, thank-you
// replies and staff commands; and the config sections that drive them.
#include "parsers/request/request_fields.hpp"

#include <gtest/gtest.h>

namespace intake::parsers {
namespace {

const char* base_config = R"(
[database]
url = "postgresql://x@127.0.0.1/intake"
[smtp]
host = "mail.example.test"
from = "requests@example.test"
[[mailbox]]
name = "requests"
address = "requests@example.test"
host = "imap.example.test"
username = "requests@example.test"
password_file = "/run/x"
default_category = "general"

[requests]
time_zone = "Europe/Berlin"

[[category]]
name = "it"
addresses = ["it@example.test"]
tags = ["IT", "helpdesk"]
keywords = ["laptop", "vpn", "password"]
default_priority = "normal"
staff = ["bob@example.test"]
[[category.requires]]
name = "the name of the system"
pattern = '\b(sap|jira|vpn|outlook|laptop)\b'

[[category]]
name = "shipping"
keywords = ["shipment", "parcel", "courier"]
departments = ["Sales"]
default_priority = "high"
[[category.requires]]
name = "the order number"
pattern = 'order\s*(?:no\.?|number|#)?\s*[:#]?\s*\d{5,}'
[[category.requires]]
name = "the ship-to address"
pattern = 'ship(?:ping)?[- ]to\s*(?:address)?\s*:'
[[category.requires]]
name = "the ship date"
pattern = 'ship\s+date\s*:'

[[category]]
name = "hr"
tags = ["HR"]
keywords = ["payroll", "holiday", "contract"]

[[employee]]
address = "sam@example.test"
name = "Sam Seller"
department = "Sales"
manager = "boss@example.test"
time_zone = "America/New_York"
)";

Config load() {
  auto l = parse_config(base_config);
  EXPECT_TRUE(l.ok()) << (l.errors.empty() ? "" : l.errors[0].line());
  return l.config;
}

Email mail(const std::string& to, const std::string& subject, const std::string& text) {
  Email e;
  e.from = Address{"Alice", "alice@example.test"};
  e.to = {Address{"", to}};
  e.subject = subject;
  e.request_text = text;
  e.body_text = text;
  return e;
}

// ---------------------------------------------------------------- config --
TEST(RequestConfig, categories_requirements_and_directory_are_read) {
  const Config c = load();
  ASSERT_EQ(c.categories.size(), 3u);
  EXPECT_EQ(c.categories[1].name, "shipping");
  ASSERT_EQ(c.categories[1].needs.size(), 3u);
  EXPECT_EQ(c.categories[1].needs[0].name, "the order number");
  EXPECT_EQ(c.requests.time_zone, "Europe/Berlin");
  ASSERT_NE(c.employee("SAM+x@Example.test"), nullptr);
  EXPECT_EQ(c.employee("sam@example.test")->department, "Sales");
  EXPECT_EQ(c.category("hr")->tags[0], "HR");
}

TEST(RequestConfig, broken_requirement_pattern_is_named_with_its_key) {
  std::string text = std::string(base_config) + "\n[[category]]\nname = \"x\"\n[[category.requires]]\nname = \"y\"\npattern = \"(unclosed\"\n";
  auto l = parse_config(text);
  ASSERT_EQ(l.errors.size(), 1u);
  EXPECT_EQ(l.errors[0].key, "category[3].requires[0].pattern");
}

TEST(RequestConfig, unknown_key_wrong_priority_and_duplicate_employee_are_named) {
  std::string text = std::string(base_config) +
                     "\n[[category]]\nname = \"x\"\ndefault_priority = \"whenever\"\nkeywordz = [\"a\"]\n"
                     "[[employee]]\naddress = \"Sam@example.test\"\n";
  auto l = parse_config(text);
  ASSERT_EQ(l.errors.size(), 3u);
  EXPECT_EQ(l.errors[0].key, "category[3].default_priority");
  EXPECT_EQ(l.errors[1].key, "category[3].keywordz");
  EXPECT_EQ(l.errors[2].key, "employee[1].address");
}

// --------------------------------------------------------------- routing --
TEST(Routing, plus_address_wins) {
  const Config c = load();
  auto r = route_request(mail("requests+hr@example.test", "[IT] laptop", "my laptop"), c.mailboxes[0], c, nullptr);
  EXPECT_EQ(r.category, "hr");
  EXPECT_EQ(r.reason, "plus address requests+hr@example.test");
}

TEST(Routing, subject_tag_in_brackets_or_with_a_colon) {
  const Config c = load();
  EXPECT_EQ(route_request(mail("requests@example.test", "[IT] Monitor flickers", ""), c.mailboxes[0], c, nullptr).category, "it");
  EXPECT_EQ(route_request(mail("requests@example.test", "HR: question", ""), c.mailboxes[0], c, nullptr).category, "hr");
  EXPECT_EQ(route_request(mail("requests@example.test", "Re: [helpdesk] x", ""), c.mailboxes[0], c, nullptr).category, "it");
  // Not a tag: more than one word before the colon, or an unknown tag.
  EXPECT_EQ(route_request(mail("requests@example.test", "Quick question: coffee", ""), c.mailboxes[0], c, nullptr).category,
            "general");
  EXPECT_EQ(route_request(mail("requests@example.test", "[REQ-1001] hello", ""), c.mailboxes[0], c, nullptr).category,
            "general");
}

TEST(Routing, category_address_then_keyword_then_department_then_mailbox_default) {
  const Config c = load();
  EXPECT_EQ(route_request(mail("it@example.test", "Help", "something"), c.mailboxes[0], c, nullptr).reason,
            "address it@example.test");
  auto k = route_request(mail("requests@example.test", "Help", "Our parcel and the courier are late"), c.mailboxes[0], c, nullptr);
  EXPECT_EQ(k.category, "shipping");
  EXPECT_EQ(k.reason, "keyword parcel");
  // A keyword only as part of a longer word does not count.
  EXPECT_EQ(route_request(mail("requests@example.test", "Help", "vpnclient"), c.mailboxes[0], c, nullptr).category, "general");
  auto d = route_request(mail("requests@example.test", "Help", "please call me"), c.mailboxes[0], c, c.employee("sam@example.test"));
  EXPECT_EQ(d.category, "shipping");
  EXPECT_EQ(d.reason, "department Sales");
  EXPECT_EQ(route_request(mail("requests@example.test", "Help", "please call me"), c.mailboxes[0], c, nullptr).reason,
            "mailbox requests");
}

// -------------------------------------------------------------- priority --
TEST(Priority, words_then_headers_then_category_default) {
  const Config c = load();
  auto e = mail("requests@example.test", "Payroll server is down", "nobody gets paid");
  EXPECT_EQ(choose_priority(e, c.category("hr"), c.requests).priority, "urgent");
  EXPECT_EQ(choose_priority(e, c.category("hr"), c.requests).reason, "word \"is down\"");
  auto asap = mail("requests@example.test", "Need access", "ASAP please");
  EXPECT_EQ(choose_priority(asap, nullptr, c.requests).priority, "urgent");
  auto headers = mail("requests@example.test", "Need access", "when you can");
  headers.x_priority = "2 (High)";
  EXPECT_EQ(choose_priority(headers, nullptr, c.requests).priority, "high");
  headers.x_priority = "";
  headers.importance = "Low";
  EXPECT_EQ(choose_priority(headers, nullptr, c.requests).priority, "low");
  headers.importance = "";
  EXPECT_EQ(choose_priority(headers, c.category("shipping"), c.requests).priority, "high");
  EXPECT_EQ(choose_priority(headers, nullptr, c.requests).priority, "normal");
  // "unblocked" is not "blocked".
  auto word = mail("requests@example.test", "x", "the account is unblocked now");
  EXPECT_EQ(choose_priority(word, nullptr, c.requests).priority, "normal");
}

// ------------------------------------------------------------- timeframe --
// Wednesday 2 December 2026, 10:30 on the requester's clock.
const LocalTime wednesday_morning{2026, 12, 2, 10, 30};

LocalTime by(const char* text, const LocalTime& now = wednesday_morning) {
  auto t = find_requested_time(text, now);
  EXPECT_TRUE(t.has_value()) << text;
  return t ? t->by : LocalTime{};
}

TEST(Timeframe, today_and_end_of_day_mean_the_working_day_end) {
  EXPECT_EQ(by("Can you do it today?"), (LocalTime{2026, 12, 2, 17, 0}));
  EXPECT_EQ(by("Need it by EOD"), (LocalTime{2026, 12, 2, 17, 0}));
  EXPECT_EQ(by("before the end of the day please"), (LocalTime{2026, 12, 2, 17, 0}));
  EXPECT_EQ(by("today at 2pm"), (LocalTime{2026, 12, 2, 14, 0}));
}

TEST(Timeframe, weekday_names) {
  EXPECT_EQ(by("I need it by Friday"), (LocalTime{2026, 12, 4, 17, 0}));
  EXPECT_EQ(by("on Monday at 9:30"), (LocalTime{2026, 12, 7, 9, 30}));
  // Today's own name: today while the day lasts, next week after it.
  EXPECT_EQ(by("by Wednesday"), (LocalTime{2026, 12, 2, 17, 0}));
  EXPECT_EQ(by("by Wednesday", LocalTime{2026, 12, 2, 18, 0}), (LocalTime{2026, 12, 9, 17, 0}));
  EXPECT_EQ(by("next Wednesday"), (LocalTime{2026, 12, 9, 17, 0}));
  EXPECT_EQ(by("by the end of the week"), (LocalTime{2026, 12, 4, 17, 0}));
}

TEST(Timeframe, tomorrow_morning_and_the_dispatcher_words) {
  EXPECT_EQ(by("tomorrow morning would be great"), (LocalTime{2026, 12, 3, 12, 0}));
  EXPECT_EQ(by("tomorrow is fine"), (LocalTime{2026, 12, 3, 17, 0}));
  EXPECT_EQ(by("tomorrow at 8am"), (LocalTime{2026, 12, 3, 8, 0}));
  EXPECT_EQ(by("first morning"), (LocalTime{2026, 12, 3, 12, 0}));
  EXPECT_EQ(by("first afternoon"), (LocalTime{2026, 12, 2, 17, 0}));
  EXPECT_EQ(by("first afternoon", LocalTime{2026, 12, 2, 14, 0}), (LocalTime{2026, 12, 3, 17, 0}));
  // Issue 22: "first thing" is when the desk opens (was 12:00).
  EXPECT_EQ(by("first thing in the morning", LocalTime{2026, 12, 2, 8, 0}), (LocalTime{2026, 12, 2, 9, 0}));
  // On a Friday evening the first morning is Monday's.
  EXPECT_EQ(by("first morning", LocalTime{2026, 12, 4, 18, 0}), (LocalTime{2026, 12, 7, 12, 0}));
}

TEST(Timeframe, a_clock_time_alone_is_today_or_tomorrow_once_passed) {
  EXPECT_EQ(by("before 3pm please"), (LocalTime{2026, 12, 2, 15, 0}));
  EXPECT_EQ(by("by 15:30"), (LocalTime{2026, 12, 2, 15, 30}));
  EXPECT_EQ(by("before 9am"), (LocalTime{2026, 12, 3, 9, 0}));
  EXPECT_EQ(by("by noon"), (LocalTime{2026, 12, 2, 12, 0}));
}

TEST(Timeframe, explicit_dates) {
  EXPECT_EQ(by("by 4 December"), (LocalTime{2026, 12, 4, 17, 0}));
  EXPECT_EQ(by("by the 14th of December 2026 at 10:00"), (LocalTime{2026, 12, 14, 10, 0}));
  EXPECT_EQ(by("due December 18th"), (LocalTime{2026, 12, 18, 17, 0}));
  EXPECT_EQ(by("deadline 2026-12-21"), (LocalTime{2026, 12, 21, 17, 0}));
  // A day already past this year means next year's.
  EXPECT_EQ(by("by 5 January"), (LocalTime{2027, 1, 5, 17, 0}));
  EXPECT_EQ(by("Jan 5, 2027 at 9am"), (LocalTime{2027, 1, 5, 9, 0}));
}

// Found by classify_fuzz: a quoted "Date: Thu, 12 Mar 2026 09:00" read in
// 2041 became a requested time 15 years ago.
TEST(Timeframe, an_explicit_date_before_today_is_about_the_past_and_ignored) {
  EXPECT_FALSE(find_requested_time("Date: Thu, 12 Mar 2026 09:00:00 +0000", LocalTime{2041, 1, 14, 13, 52}));
  EXPECT_FALSE(find_requested_time("broken since 2026-11-30", wednesday_morning));
  EXPECT_FALSE(find_requested_time("since December 1st, 2026", wednesday_morning));
  // The next phrase about the future still counts.
  auto t = find_requested_time("Broken since 1 December 2026, please fix by Friday", wednesday_morning);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->phrase, "by Friday");
  // Today itself is not the past.
  EXPECT_EQ(by("by 2026-12-02"), (LocalTime{2026, 12, 2, 17, 0}));
}

TEST(Timeframe, the_first_phrase_wins_and_is_kept_as_written) {
  auto t = find_requested_time("Hi, I need it by Friday 3pm, or Monday at the latest", wednesday_morning);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->phrase, "by Friday 3pm");
  EXPECT_EQ(t->by, (LocalTime{2026, 12, 4, 15, 0}));
}

TEST(Timeframe, no_phrase_or_no_real_date_gives_nothing) {
  EXPECT_FALSE(find_requested_time("Please have a look when you can.", wednesday_morning));
  EXPECT_FALSE(find_requested_time("We may 2 of us come along", wednesday_morning));
  EXPECT_FALSE(find_requested_time("by 31 February", wednesday_morning));
  EXPECT_FALSE(find_requested_time("room 25:99", wednesday_morning));
}

// Issue 22: "Could someone look at this first thing tomorrow morning?" was
// tomorrow 12:00, after the requester's demo at 11.
TEST(Timeframe, first_thing_is_when_the_desk_opens) {
  auto t = find_requested_time("Could someone look at this first thing tomorrow morning?", wednesday_morning);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->by, (LocalTime{2026, 12, 3, 9, 0}));
  EXPECT_EQ(t->phrase, "first thing tomorrow morning");
  EXPECT_EQ(by("first thing tomorrow, I have a demo at 11"), (LocalTime{2026, 12, 3, 9, 0}));
  EXPECT_EQ(by("Can you do it tomorrow first thing?"), (LocalTime{2026, 12, 3, 9, 0}));
  EXPECT_EQ(by("Please reset it first thing on Monday"), (LocalTime{2026, 12, 7, 9, 0}));
  // Alone, or "in the morning": the next opening still to come.
  EXPECT_EQ(by("can you call me first thing?"), (LocalTime{2026, 12, 3, 9, 0}));
  EXPECT_EQ(by("can you call me first thing?", LocalTime{2026, 12, 2, 7, 45}), (LocalTime{2026, 12, 2, 9, 0}));
  EXPECT_EQ(by("first thing in the afternoon please"), (LocalTime{2026, 12, 2, 13, 0}));
  // From a Friday, "tomorrow" is a Saturday: the desk's next opening is Monday's.
  EXPECT_EQ(by("first thing tomorrow please", LocalTime{2026, 12, 4, 15, 0}), (LocalTime{2026, 12, 7, 9, 0}));
  // "the first thing" is no time.
  EXPECT_FALSE(find_requested_time("The first thing I saw was an error, can you help?", wednesday_morning));
}

TEST(Timeframe, in_the_morning_is_the_next_morning_by_noon) {
  EXPECT_EQ(by("Could you call me in the morning?"), (LocalTime{2026, 12, 3, 12, 0}));
  EXPECT_EQ(by("Could you call me in the morning?", LocalTime{2026, 12, 2, 7, 0}), (LocalTime{2026, 12, 2, 12, 0}));
  EXPECT_EQ(by("Could you call me in the morning?", LocalTime{2026, 12, 4, 16, 0}), (LocalTime{2026, 12, 7, 12, 0}));
  EXPECT_EQ(by("I need it tomorrow in the morning"), (LocalTime{2026, 12, 3, 12, 0}));
}

// A team calendar, Monday to Thursday 08:30-12:00 and 13:00-17:30, Friday
// 08:30-14:00, as the daemon builds it from [[calendar]].
WorkingWeek desk_week() {
  WorkingWeek week = WorkingWeek::office_hours(17);
  for (unsigned d = 1; d <= 4; ++d) week.days[d] = WorkingDay{8 * 60 + 30, 17 * 60 + 30};
  week.days[5] = WorkingDay{8 * 60 + 30, 14 * 60};
  return week;
}

LocalTime by_desk(const char* text, const LocalTime& now = wednesday_morning) {
  auto t = find_requested_time(text, now, desk_week());
  EXPECT_TRUE(t.has_value()) << text;
  return t ? t->by : LocalTime{};
}

// Issue 22: "today" and "EOD" meant 17:00 although the team's calendar closes at 17:30.
TEST(Timeframe, with_a_calendar_the_day_ends_when_the_desk_closes) {
  EXPECT_EQ(by_desk("Can you do it today?"), (LocalTime{2026, 12, 2, 17, 30}));
  EXPECT_EQ(by_desk("Need it by EOD"), (LocalTime{2026, 12, 2, 17, 30}));
  EXPECT_EQ(by_desk("before the end of the day please"), (LocalTime{2026, 12, 2, 17, 30}));
  EXPECT_EQ(by_desk("I need it by Friday"), (LocalTime{2026, 12, 4, 14, 0}));
  EXPECT_EQ(by_desk("I need the laptop tomorrow"), (LocalTime{2026, 12, 3, 17, 30}));
  EXPECT_EQ(by_desk("first afternoon"), (LocalTime{2026, 12, 2, 17, 30}));
  EXPECT_EQ(by_desk("first afternoon", LocalTime{2026, 12, 2, 14, 0}), (LocalTime{2026, 12, 3, 17, 30}));
  // Today's own name lasts until the desk closes.
  EXPECT_EQ(by_desk("by Wednesday", LocalTime{2026, 12, 2, 17, 15}), (LocalTime{2026, 12, 2, 17, 30}));
  EXPECT_EQ(by_desk("EOD tomorrow please"), (LocalTime{2026, 12, 3, 17, 30}));
  // A time said is a time meant.
  EXPECT_EQ(by_desk("today at 2pm"), (LocalTime{2026, 12, 2, 14, 0}));
  // Without the calendar: requests.day_end_hour.
  EXPECT_EQ(by("Can you do it today?"), (LocalTime{2026, 12, 2, 17, 0}));
  EXPECT_EQ(by("Need it by EOD"), (LocalTime{2026, 12, 2, 17, 0}));
  EXPECT_EQ(find_requested_time("Need it by EOD", wednesday_morning, 18)->by, (LocalTime{2026, 12, 2, 18, 0}));
}

TEST(Timeframe, with_a_calendar_first_thing_is_its_opening) {
  EXPECT_EQ(by_desk("Could someone look at this first thing tomorrow morning?"), (LocalTime{2026, 12, 3, 8, 30}));
  EXPECT_EQ(by_desk("first thing in the morning please", LocalTime{2026, 12, 2, 7, 0}), (LocalTime{2026, 12, 2, 8, 30}));
  EXPECT_EQ(by_desk("first thing tomorrow please", LocalTime{2026, 12, 4, 10, 0}), (LocalTime{2026, 12, 7, 8, 30}));
  // "tomorrow morning" without "first thing" stays by noon; "first morning" too.
  EXPECT_EQ(by_desk("tomorrow morning would be great"), (LocalTime{2026, 12, 3, 12, 0}));
  EXPECT_EQ(by_desk("first morning"), (LocalTime{2026, 12, 3, 12, 0}));
  // A day closing at 24:00 ends at 23:59 on that day.
  WorkingWeek late = desk_week();
  late.days[3] = WorkingDay{0, 24 * 60};
  EXPECT_EQ(find_requested_time("today please", wednesday_morning, late)->by, (LocalTime{2026, 12, 2, 23, 59}));
  // A closed day (Saturday) ends at day_end_minute.
  EXPECT_EQ(by_desk("Can you do it today?", LocalTime{2026, 12, 5, 10, 0}), (LocalTime{2026, 12, 5, 17, 0}));
}

// Issue 22: "I'm at the airport tomorrow morning" became a deadline and "I'm
// on leave from 21 to 23 December" moved the due date. A time the requester
// only mentions (their plans, the past, a period) is no requested time.
TEST(RequestedTimeAsked, sentences_that_mention_a_time_without_asking_give_none) {
  for (const char* text : {
           "I'm at the airport tomorrow morning.",
           "I'm on leave from 21 to 23 December.",
           "The printer broke yesterday at 3pm.",
           "The printer broke on Monday at 3pm.",
           "I'm out of the office until Friday.",
           "We are closed on 24 December.",
           "My flight is on Thursday at 7am.",
           "I'm working from home on Friday.",
           "Last week the room was booked until 4pm.",
           "The courier came today at 2pm.",
           "I have a dentist appointment tomorrow at 10am.",
           "Back on 7 December.",
           "Our office party is on Friday.",
           "Alice is on holiday until 4 December, please copy Bob.",
           "The VPN dropped twice today.",
           "FYI the new printer arrives on Monday",
           "Tomorrow morning I'm at the airport, can you reset my password?",
           "I'll be back on Monday, could you reset my password?",
           "Can you get the report from 7 to 11 December?",
           "On Monday, Alice wrote:",
           "On Monday, the office opens late.",
           "Hi Bob,\n\nI'm at the airport tomorrow morning. Could you reset my VPN token?\n\nThanks,\nAlice",
       })
    EXPECT_FALSE(find_requested_time(text, wednesday_morning)) << text;
}

TEST(RequestedTimeAsked, sentences_that_ask_still_give_their_time) {
  EXPECT_EQ(by("Can you fix it by Friday?"), (LocalTime{2026, 12, 4, 17, 0}));
  EXPECT_EQ(by("I need the laptop tomorrow"), (LocalTime{2026, 12, 3, 17, 0}));
  EXPECT_EQ(by("before 3pm please"), (LocalTime{2026, 12, 2, 15, 0}));
  EXPECT_EQ(by("until 4 December"), (LocalTime{2026, 12, 4, 17, 0}));
  EXPECT_EQ(by("first thing tomorrow, I have a demo at 11"), (LocalTime{2026, 12, 3, 9, 0}));
  EXPECT_EQ(by("Fix the printer today please"), (LocalTime{2026, 12, 2, 17, 0}));
  EXPECT_EQ(by("Set up the account on Monday"), (LocalTime{2026, 12, 7, 17, 0}));
  EXPECT_EQ(by("Hi Bob,\nthe new starter needs a laptop on Monday."), (LocalTime{2026, 12, 7, 17, 0}));
  EXPECT_EQ(by("Would it be possible to have it\ntomorrow?"), (LocalTime{2026, 12, 3, 17, 0}));
  // Asking in another clause of the same sentence, after a plan or the past.
  EXPECT_EQ(by("It stopped working on Monday, can you fix it by Friday?"), (LocalTime{2026, 12, 4, 17, 0}));
  EXPECT_EQ(by("I'm away tomorrow so I need it today"), (LocalTime{2026, 12, 2, 17, 0}));
  EXPECT_EQ(by("I was told it would be done by Friday"), (LocalTime{2026, 12, 4, 17, 0}));
  auto t = find_requested_time("I'm on leave from 21 to 23 December, could you set up the laptop by 18 December?",
                               wednesday_morning);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->by, (LocalTime{2026, 12, 18, 17, 0}));
  EXPECT_EQ(t->phrase, "18 December");
  t = find_requested_time("Hi Bob,\n\nI'm at the airport tomorrow morning. Could you reset my VPN token before 3pm?",
                          wednesday_morning);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->phrase, "before 3pm");
}

// Every phrase costs a bounded look around it: thousands of phrases in one
// endless sentence stay fast (the ctest timeout would catch a quadratic scan).
TEST(RequestedTimeAsked, an_endless_sentence_of_mentioned_times_is_cheap_and_gives_none) {
  std::string hostile;
  while (hostile.size() < 60 * 1024) hostile += "I'm at the airport tomorrow morning and ";
  EXPECT_FALSE(find_requested_time(hostile, wednesday_morning));
  std::string clauses;
  while (clauses.size() < 60 * 1024) clauses += "I was away on Monday, ";
  EXPECT_FALSE(find_requested_time(clauses, wednesday_morning));
}

// ---------------------------------------------------- missing information --
TEST(MissingFacts, each_absent_fact_is_named_and_found_ones_are_not) {
  const Config c = load();
  const auto& shipping = *c.category("shipping");
  EXPECT_EQ(missing_facts("Shipment", "Please ship the samples to the customer.", shipping),
            (std::vector<std::string>{"the order number", "the ship-to address", "the ship date"}));
  EXPECT_EQ(missing_facts("Shipment for order #123456", "Ship-to address: Main St 1\nShip date: Monday", shipping),
            std::vector<std::string>{});
  EXPECT_EQ(facts_found("Order number 987654, ship date: Friday", shipping,
                        {"the order number", "the ship-to address", "the ship date"}),
            (std::vector<std::string>{"the order number", "the ship date"}));
}

TEST(MissingFacts, a_pattern_that_explodes_counts_as_not_found_and_returns) {
  Config c = load();
  CategoryConfig bomb;
  bomb.name = "bomb";
  bomb.needs = {{"x", "(a+)+$"}};
  const std::string hostile(30000, 'a');
  EXPECT_EQ(missing_facts("", hostile + "!", bomb), std::vector<std::string>{"x"});
}

// ---------------------------------------------------------------- thanks --
TEST(Thanks, plain_thank_you_replies) {
  const RequestRules rules;
  for (const char* t : {"Thanks!", "Great, thank you", "thank you so much for the quick fix", "Perfect, thanks again! Alice",
                        "Many thanks,\nAlice Example", "Cheers"})
    EXPECT_TRUE(is_plain_thanks(t, rules)) << t;
}

TEST(Thanks, thanks_with_anything_more_is_a_message) {
  const RequestRules rules;
  for (const char* t : {"Thanks, but the printer is broken again", "Thank you. Can you also reset my password?",
                        "The VPN still does not work", "Great job on the new laptop setup, however the dock fails to charge"})
    EXPECT_FALSE(is_plain_thanks(t, rules)) << t;
}

// ---------------------------------------------------------- staff commands --
TEST(StaffCommands, leading_hash_lines_are_commands_and_the_rest_is_text) {
  auto c = parse_staff_commands("#status in_progress\n#assign carol\n\nI will look at it tomorrow.\n#not a command");
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].verb, "status");
  EXPECT_EQ(c[0].argument, "in_progress");
  EXPECT_EQ(c[1].verb, "assign");
  EXPECT_EQ(c[1].argument, "carol");
  EXPECT_EQ(text_after_commands("#status in_progress\n#assign carol\n\nI will look at it tomorrow."),
            "I will look at it tomorrow.");
  EXPECT_TRUE(parse_staff_commands("Hello #status resolved").empty());
  EXPECT_EQ(parse_staff_commands("#note called the user, waiting for a reply")[0].argument,
            "called the user, waiting for a reply");
}

TEST(Addresses, plus_tags) {
  EXPECT_EQ(address_without_plus("Requests+IT@Example.test"), "requests@example.test");
  EXPECT_EQ(plus_tag("requests+it@example.test"), "it");
  EXPECT_EQ(plus_tag("requests@example.test"), "");
}

}  // namespace
}  // namespace intake::parsers
