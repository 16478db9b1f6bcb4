// Manager summaries on the real stack: a weekly subscription puts one email
// with a text and an HTML part into the manager's inbox, a restart in the
// same period sends nothing more, and the HTML is well-formed (libxml2's XML
// parser, which refuses what a lenient HTML parser would repair).
#include <gtest/gtest.h>
#include <libxml/parser.h>

#include <chrono>
#include <thread>

#include "tests/support/stack_client.hpp"

namespace intake::testing {
namespace {

using namespace std::chrono_literals;

std::string weekday_today_utc() {
  using namespace std::chrono;
  static const char* names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  return names[weekday{floor<days>(system_clock::now())}.c_encoding()];
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
  EXPECT_NE(text.output.find("Received 0"), std::string::npos) << text.output;
  // The seeded requests, read back from PostgreSQL: the last eight days hold both.
  const std::string from = sql_value(stack, "SELECT to_char(now() AT TIME ZONE 'UTC' - interval '8 days', 'YYYY-MM-DD')");
  const std::string to = sql_value(stack, "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD')");
  RunResult week = run_command(std::string(INTAKECTL_PATH) + " --config " + config +
                               " summary preview --to boss@example.test --period " + from + ".." + to);
  EXPECT_EQ(week.exit_code, 0) << week.output;
  EXPECT_NE(week.output.find("Received 2 "), std::string::npos) << week.output;
  EXPECT_NE(week.output.find("acknowledged 1, resolved 0"), std::string::npos) << week.output;
  EXPECT_NE(week.output.find("to first response  2h    2h"), std::string::npos) << week.output;
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

}  // namespace
}  // namespace intake::testing
