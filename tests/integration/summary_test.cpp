// Manager summaries on the real stack: a weekly subscription puts one email
// with a text and an HTML part into the manager's inbox, a restart in the
// same period sends nothing more, and the HTML is well-formed (libxml2's XML
// parser, which refuses what a lenient HTML parser would repair); a new
// subscription's first mail is not late; a preview of a running period has
// its figures as of now; requests due at the same time are listed by number;
// the overview holds every team.
#include <gtest/gtest.h>
#include <libxml/parser.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "tests/support/stack_client.hpp"

namespace intake::testing {
namespace {

using namespace std::chrono_literals;

std::string weekday_today_utc(int days_from_today = 0) {
  using namespace std::chrono;
  static const char* names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  return names[weekday{floor<days>(system_clock::now()) + days{days_from_today}}.c_encoding()];
}

// A day in UTC as YYYY-MM-DD, `days_from_today` away, as PostgreSQL sees it.
std::string utc_day(const Stack& stack, int days_from_today) {
  return sql_value(stack, "SELECT to_char(now() AT TIME ZONE 'UTC' + interval '" + std::to_string(days_from_today) +
                              " days', 'YYYY-MM-DD')");
}

// The lines of `text` from the one after `heading` up to the next blank line.
std::string block_after(const std::string& text, const std::string& heading) {
  const auto at = text.find(heading);
  if (at == std::string::npos) return "";
  const auto start = at + heading.size();
  const auto end = text.find("\n\n", start);
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

TEST(Summary, weekly_subscription_sends_one_email_and_a_restart_sends_nothing_more) {
  Stack stack = load_stack();
  ASSERT_FALSE(::testing::Test::HasFailure());
  reset_stack(stack);
  // Due today at 00:00 UTC: the latest slot has passed whenever the test runs.
  const std::string sections = "[[category]]\nname = \"it\"\nkeywords = [\"laptop\"]\n\n[[summary]]\nto = \"boss@example.test\"\n"
                               "frequency = \"weekly\"\nweekday = \"" + weekday_today_utc() + "\"\nat = \"00:00\"\ntime_zone = \"UTC\"\n";
  const std::string config = write_config(stack, "summary", "", {}, sections);
  // Requests made during the period being summed up (the last seven days).
  sql_exec(stack, "INSERT INTO requests (mailbox, requester_address, requester_name, subject, category, created_at,"
                  " acknowledged_at, first_response_at) VALUES"
                  " ('requests', 'alice@example.test', 'Alice', 'Laptop', 'it', now() - interval '3 days',"
                  "  now() - interval '3 days' + interval '1 minute', now() - interval '3 days' + interval '2 hours'),"
                  " ('requests', 'erin@example.test', 'Erin', 'Dock', 'it', now() - interval '2 days', NULL, NULL) RETURNING 1");
  RunResult first = run_command(std::string(INTAKED_PATH) + " --config " + config + " --once");
  EXPECT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("summary boss@example.test/weekly for"), std::string::npos) << first.output;
  ASSERT_EQ(wait_for_messages(stack, "boss", "INBOX", 1, 30), 1U);
  const std::string mail = imap_fetch(stack, "boss", "INBOX", imap_uids(stack, "boss", "INBOX")[0]);
  EXPECT_NE(header_of(mail, "Subject").find("Requests summary: "), std::string::npos) << header_of(mail, "Subject");
  EXPECT_NE(header_of(mail, "Content-Type").find("multipart/alternative"), std::string::npos);
  EXPECT_NE(mail.find("Content-Type: text/plain"), std::string::npos);
  EXPECT_NE(mail.find("Content-Type: text/html"), std::string::npos);
  EXPECT_EQ(sql_value(stack, "SELECT count(*) FROM summary_sent"), "1");

  // A restart in the same period: nothing more.
  RunResult again = run_command(std::string(INTAKED_PATH) + " --config " + config + " --once");
  EXPECT_EQ(again.exit_code, 0) << again.output;
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(imap_uids(stack, "boss", "INBOX").size(), 1U);
  EXPECT_EQ(sql_value(stack, "SELECT count(*) FROM outbox WHERE purpose = 'summary'"), "1");

  // The same summary as intakectl previews it: figures, and well-formed HTML.
  RunResult text = run_command(std::string(INTAKECTL_PATH) + " --config " + config +
                               " summary preview --to boss@example.test --period 2020-01-01..2020-01-07");
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("\n  it    0 (=)"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("Nothing received, resolved or open at the end: it."), std::string::npos) << text.output;
  // The seeded requests, read back from PostgreSQL: the last eight days hold both.
  const std::string from = sql_value(stack, "SELECT to_char(now() AT TIME ZONE 'UTC' - interval '8 days', 'YYYY-MM-DD')");
  const std::string to = sql_value(stack, "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD')");
  RunResult week = run_command(std::string(INTAKECTL_PATH) + " --config " + config +
                               " summary preview --to boss@example.test --period " + from + ".." + to);
  EXPECT_EQ(week.exit_code, 0) << week.output;
  EXPECT_NE(week.output.find("Received 2 "), std::string::npos) << week.output;
  EXPECT_NE(week.output.find("acknowledged 1, resolved 0"), std::string::npos) << week.output;
  EXPECT_NE(week.output.find("  to first response       2h      2h "), std::string::npos) << week.output;
  RunResult html = run_command(std::string(INTAKECTL_PATH) + " --config " + config +
                               " summary preview --to boss@example.test --period last-week --html");
  ASSERT_EQ(html.exit_code, 0) << html.output;
  xmlDocPtr doc = xmlReadMemory(html.output.data(), static_cast<int>(html.output.size()), "summary.html", "UTF-8",
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  EXPECT_NE(doc, nullptr) << "the HTML part is not well-formed:\n" << html.output;
  if (doc != nullptr) {
    xmlNodePtr root = xmlDocGetRootElement(doc);
    EXPECT_STREQ(reinterpret_cast<const char*>(root->name), "html");
    xmlFreeDoc(doc);
  }
}

// Intake has run for two months; a subscription added now is due weekly on
// yesterday's weekday, a day ago. Its first mail is the latest complete week
// and not late; a subscription that had mail before and missed the same slot
// is.
TEST(Summary, a_new_subscriptions_first_mail_is_not_marked_late) {
  Stack stack = load_stack();
  ASSERT_FALSE(::testing::Test::HasFailure());
  reset_stack(stack);
  sql_exec(stack, "UPDATE schema_migrations SET applied_at = now() - interval '60 days' RETURNING 1");
  const std::string slot = "frequency = \"weekly\"\nweekday = \"" + weekday_today_utc(-1) + "\"\nat = \"00:00\"\ntime_zone = \"UTC\"\n";
  const std::string sections = "[[category]]\nname = \"it\"\nkeywords = [\"laptop\"]\n\n"
                               "[[summary]]\nname = \"new-boss\"\nto = \"boss@example.test\"\n" + slot +
                               "\n[[summary]]\nname = \"old-boss\"\nto = \"boss@example.test\"\n" + slot;
  const std::string config = write_config(stack, "summary-late", "", {}, sections);
  sql_exec(stack, "INSERT INTO summary_sent (subscription, period_key, recipient, scheduled_at, late, message_id) VALUES"
                  " ('old-boss', 'weekly:2000-01-03', 'boss@example.test', now() - interval '30 days', false, '<old@x>')"
                  " RETURNING 1");
  RunResult run = run_command(std::string(INTAKED_PATH) + " --config " + config + " --once");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  ASSERT_EQ(wait_for_messages(stack, "boss", "INBOX", 2, 30), 2U) << run.output;
  std::vector<std::string> subjects;
  for (const auto uid : imap_uids(stack, "boss", "INBOX"))
    subjects.push_back(header_of(imap_fetch(stack, "boss", "INBOX", uid), "Subject"));
  std::sort(subjects.begin(), subjects.end());
  ASSERT_EQ(subjects.size(), 2U);
  EXPECT_EQ(subjects[0].rfind("Requests summary: ", 0), 0U) << subjects[0];
  EXPECT_EQ(subjects[1].rfind("[late] Requests summary: ", 0), 0U) << subjects[1];
  EXPECT_EQ(subjects[1], "[late] " + subjects[0]);
  EXPECT_EQ(sql_value(stack, "SELECT string_agg(subscription || '=' || late::text, ',' ORDER BY subscription)"
                             " FROM summary_sent WHERE period_key <> 'weekly:2000-01-03'"),
            "new-boss=false,old-boss=true");
}

// A preview of a period that runs for weeks more: only the request whose due
// time has passed is overdue; one due in three hours is due soon, aged in
// minutes; targets not due yet count as neither met nor missed.
TEST(Summary, a_running_period_preview_lists_as_overdue_only_requests_past_their_due_time) {
  Stack stack = load_stack();
  ASSERT_FALSE(::testing::Test::HasFailure());
  reset_stack(stack);
  const std::string config =
      write_config(stack, "summary-running", "", {}, "[[category]]\nname = \"it\"\nkeywords = [\"laptop\"]\n");
  sql_exec(stack, "INSERT INTO requests (mailbox, requester_address, requester_name, subject, category, created_at,"
                  " first_response_at, due_first_response, due_resolution) VALUES"
                  " ('requests', 'alice@example.test', 'Alice', 'Printer on fire', 'it', now() - interval '2 days',"
                  "  NULL, NULL, now() - interval '1 hour'),"
                  " ('requests', 'bob@example.test', 'Bob', 'Monitor flickers', 'it', now() - interval '10 minutes',"
                  "  NULL, now() + interval '3 hours', now() + interval '2 days'),"
                  " ('requests', 'carol@example.test', 'Carol', 'New chair', 'it', now() - interval '1 day',"
                  "  now() - interval '23 hours', now() - interval '20 hours', now() + interval '3 days') RETURNING 1");
  RunResult preview = run_command(std::string(INTAKECTL_PATH) + " --config " + config +
                                  " summary preview --to boss@example.test --period " + utc_day(stack, -3) + ".." +
                                  utc_day(stack, 20));
  ASSERT_EQ(preview.exit_code, 0) << preview.output;
  const std::string& text = preview.output;
  EXPECT_NE(text.find(" (so far)\n"), std::string::npos) << text;  // the subject
  const std::string overdue = block_after(text, "\n  Overdue:\n");
  EXPECT_NE(overdue.find("Printer on fire"), std::string::npos) << text;
  EXPECT_NE(overdue.find("resolution due"), std::string::npos) << text;
  EXPECT_EQ(overdue.find("Monitor flickers"), std::string::npos) << text;
  EXPECT_EQ(overdue.find("New chair"), std::string::npos) << text;
  const std::string soon = block_after(text, "\n  Due within a day:\n");
  EXPECT_NE(soon.find("Monitor flickers"), std::string::npos) << text;
  EXPECT_NE(soon.find("first response due"), std::string::npos) << text;
  EXPECT_EQ(soon.find("New chair"), std::string::npos) << text;
  // Aged in minutes as of now, not days as of the period's end.
  EXPECT_NE(soon.find("min"), std::string::npos) << soon;
  EXPECT_EQ(soon.find("d "), std::string::npos) << soon;
  // Carol answered in an hour. On time: her first response met, Alice's resolution
  // missed; the rest not due yet.
  const std::string overview = block_after(text, "== Overview ==\n");
  EXPECT_NE(overview.find("  it    3 (+3)    0 (=)     3 (+3)  1 (+1)   1h              50%"), std::string::npos) << text;
}

// Requests due at the same time are listed in the order they were made (by
// number), however PostgreSQL returns the rows: here they are stored out of
// that order.
TEST(Summary, overdue_requests_due_at_the_same_time_are_listed_by_number) {
  Stack stack = load_stack();
  ASSERT_FALSE(::testing::Test::HasFailure());
  reset_stack(stack);
  const std::string config =
      write_config(stack, "summary-ties", "", {}, "[[category]]\nname = \"it\"\nkeywords = [\"laptop\"]\n");
  for (const char* row : {"(900003, 'Third made')", "(900001, 'First made')", "(900002, 'Second made')"})
    sql_exec(stack, std::string("INSERT INTO requests (number, mailbox, requester_address, requester_name, subject, category,"
                                " created_at, due_resolution) SELECT n, 'requests', 'alice@example.test', 'Alice', s, 'it',"
                                " date_trunc('hour', now()) - interval '2 days', date_trunc('hour', now()) - interval '1 day'"
                                " FROM (VALUES ") + row + ") v(n, s) RETURNING 1");
  RunResult preview = run_command(std::string(INTAKECTL_PATH) + " --config " + config +
                                  " summary preview --to boss@example.test --period " + utc_day(stack, -3) + ".." +
                                  utc_day(stack, 20));
  ASSERT_EQ(preview.exit_code, 0) << preview.output;
  const std::string overdue = block_after(preview.output, "\n  Overdue:\n");
  const auto first = overdue.find("REQ-900001"), second = overdue.find("REQ-900002"), third = overdue.find("REQ-900003");
  ASSERT_NE(first, std::string::npos) << preview.output;
  ASSERT_NE(second, std::string::npos) << preview.output;
  ASSERT_NE(third, std::string::npos) << preview.output;
  EXPECT_LT(first, second) << overdue;
  EXPECT_LT(second, third) << overdue;
}

// Three teams, one with requests: the overview has a row for each, in the
// text and the HTML part, before any team's section; the quiet ones collapse
// to one line; no command for the manager to run.
TEST(Summary, the_summarys_overview_table_holds_every_team) {
  Stack stack = load_stack();
  ASSERT_FALSE(::testing::Test::HasFailure());
  reset_stack(stack);
  const std::string config = write_config(
      stack, "summary-overview", "", {},
      "[[category]]\nname = \"it\"\ndisplay_name = \"IT\"\nkeywords = [\"laptop\"]\n\n"
      "[[category]]\nname = \"hr\"\ndisplay_name = \"HR & Payroll\"\nkeywords = [\"payslip\"]\n\n"
      "[[category]]\nname = \"facilities\"\nkeywords = [\"chair\"]\n");
  sql_exec(stack, "INSERT INTO requests (mailbox, requester_address, requester_name, subject, category, created_at)"
                  " VALUES ('requests', 'alice@example.test', 'Alice', 'Laptop', 'it', now() - interval '2 days') RETURNING 1");
  const std::string period = utc_day(stack, -8) + ".." + utc_day(stack, -1);
  RunResult text = run_command(std::string(INTAKECTL_PATH) + " --config " + config +
                               " summary preview --to boss@example.test --period " + period);
  ASSERT_EQ(text.exit_code, 0) << text.output;
  const std::string overview = block_after(text.output, "== Overview ==\n");
  const auto it = overview.find("\n  IT  "), hr = overview.find("\n  HR & Payroll  "), fac = overview.find("\n  facilities  ");
  ASSERT_NE(it, std::string::npos) << text.output;
  ASSERT_NE(hr, std::string::npos) << text.output;
  ASSERT_NE(fac, std::string::npos) << text.output;
  EXPECT_LT(it, hr);
  EXPECT_LT(hr, fac);
  EXPECT_EQ(overview.rfind("  Team ", 0), 0U) << overview;
  EXPECT_LT(text.output.find("== Overview =="), text.output.find("== IT =="));
  EXPECT_EQ(text.output.find("== HR & Payroll =="), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("Nothing received, resolved or open at the end: HR & Payroll, facilities."), std::string::npos)
      << text.output;
  EXPECT_EQ(text.output.find("intakectl"), std::string::npos) << text.output;
  RunResult html = run_command(std::string(INTAKECTL_PATH) + " --config " + config +
                               " summary preview --to boss@example.test --html --period " + period);
  ASSERT_EQ(html.exit_code, 0) << html.output;
  const std::string& h = html.output;
  const auto section = h.find(">IT</td>");  // the first team's section heading
  ASSERT_NE(section, std::string::npos) << h;
  for (const char* name : {"<strong>IT</strong>", "<strong>HR &amp; Payroll</strong>", "<strong>facilities</strong>"}) {
    const auto row = h.find(name);
    EXPECT_NE(row, std::string::npos) << name << "\n" << h;
    EXPECT_LT(row, section) << name;
  }
  EXPECT_EQ(h.find("intakectl"), std::string::npos) << h;
  xmlDocPtr doc = xmlReadMemory(h.data(), static_cast<int>(h.size()), "summary.html", "UTF-8",
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  EXPECT_NE(doc, nullptr) << "the HTML part is not well-formed:\n" << h;
  if (doc != nullptr) xmlFreeDoc(doc);
}

}  // namespace
}  // namespace intake::testing
