// No leak over a 1,000-message cycle, on the real stack: a backlog of every
// kind of mail intake meets (plain requests, HTML with attachments, replies,
// auto-replies, encoded headers, mail without a Message-ID) is drained by one
// `intaked --once`. In the AddressSanitizer build (scripts/test stage 3)
// LeakSanitizer checks the process at exit and a leak makes its exit status
// non-zero; elsewhere there is no leak checker and the test is skipped.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "tests/support/stack_client.hpp"

namespace intake::testing {
namespace {

constexpr int messages = 1000;

std::string message_id(int n) { return "leak-" + std::to_string(n) + "@example.test"; }

// The stack's users: acknowledgments to anyone else are refused by its MTA.
const std::vector<std::string> senders = {"alice", "bob", "carol", "dave", "erin"};

// The n-th mail of the backlog: ten kinds in turn.
std::string mail(int n) {
  const std::string& sender = senders[static_cast<std::size_t>(n) % senders.size()];
  std::string head = "From: Employee " + sender + " <" + sender + "@example.test>\n"
                     "To: requests@example.test\n"
                     "Date: Wed, 25 Nov 2026 09:15:00 +0100\n";
  if (n % 10 != 2) head += "Message-ID: <" + message_id(n) + ">\n";
  const std::string number = std::to_string(n);
  switch (n % 10) {
    case 0:  // HTML with a text alternative and an attachment
      return head + "Subject: Broken printer " + number + "\nMIME-Version: 1.0\n"
             "Content-Type: multipart/mixed; boundary=\"outer\"\n\n--outer\n"
             "Content-Type: multipart/alternative; boundary=\"inner\"\n\n--inner\n"
             "Content-Type: text/plain; charset=utf-8\n\nThe printer is down, urgent, by Friday.\n--inner\n"
             "Content-Type: text/html; charset=utf-8\n\n<html><body><p>The printer is <b>down</b>, urgent, by "
             "Friday.</p></body></html>\n--inner--\n--outer\n"
             "Content-Type: application/octet-stream; name=\"log.bin\"\nContent-Transfer-Encoding: base64\n"
             "Content-Disposition: attachment; filename=\"log.bin\"\n\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
             "--outer--\n";
    case 1:  // a reply to the one before: joins its request
      return head + "Subject: Re: Broken printer " + std::to_string(n - 1) + "\nIn-Reply-To: <" + message_id(n - 1) +
             ">\nReferences: <" + message_id(n - 1) + ">\nContent-Type: text/plain; charset=utf-8\n\n"
             "Still broken, see above.\n\n> The printer is down\n";
    case 3:  // an auto-reply: a request, never acknowledged
      return head + "Subject: Out of office " + number + "\nAuto-Submitted: auto-replied\n"
             "Content-Type: text/plain; charset=utf-8\n\nI am away until Monday.\n";
    case 4:  // encoded words, Latin-1 quoted-printable
      return head + "Subject: =?iso-8859-1?q?Caf=E9_machine_" + number + "?=\nMIME-Version: 1.0\n"
             "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\n"
             "La machine =E0 caf=E9 ne marche plus depuis 2026-11-20. Merci !\n";
    default:
      return head + "Subject: Request " + number + "\nContent-Type: text/plain; charset=utf-8\n\n"
             "Please handle request number " + number + " by tomorrow morning.\n\n-- \nSender\n";
  }
}

TEST(Leaks, a_thousand_message_cycle_leaks_nothing) {
#ifndef INTAKE_SANITIZED
  GTEST_SKIP() << "needs the AddressSanitizer build (-DINTAKE_SANITIZE=ON, scripts/test stage 3): nothing checks for leaks here";
#endif
  Stack stack = load_stack();
  ASSERT_FALSE(HasFailure());
  reset_stack(stack);
  // Five senders send 200 mails each: the flood limit must not make the run
  // quieter than a real one.
  const std::string config = write_config(stack, "leak", "auto_reply_limit = 100000");
  for (int n = 0; n < messages; ++n) imap_append(stack, "requests", "INBOX", mail(n));
  ASSERT_EQ(imap_uids(stack, "requests", "INBOX").size(), static_cast<std::size_t>(messages));

  // detect_leaks=1 whatever the caller's ASAN_OPTIONS say (later options win).
  const char* outer = std::getenv("ASAN_OPTIONS");
  const std::string asan = std::string(outer ? outer : "") + ":detect_leaks=1";
  RunResult r = run_command("ASAN_OPTIONS='" + asan + "' " + std::string(INTAKED_PATH) + " --config " + config + " --once");
  const auto report = r.output.find("ERROR: LeakSanitizer");
  EXPECT_EQ(report, std::string::npos) << r.output.substr(report == std::string::npos ? 0 : report, 8000);
  EXPECT_EQ(r.exit_code, 0) << r.output.substr(r.output.size() > 8000 ? r.output.size() - 8000 : 0);

  // The cycle really went through all of them.
  EXPECT_EQ(sql_value(stack, "SELECT count(*) FROM messages WHERE direction = 'in'"), std::to_string(messages));
  EXPECT_EQ(imap_uids(stack, "requests", "INBOX").size(), 0U);
  EXPECT_EQ(sql_value(stack, "SELECT count(*) FROM requests"), std::to_string(messages - messages / 10));  // replies join
  EXPECT_EQ(sql_value(stack, "SELECT count(*) FROM outbox WHERE status = 'sent'"),
            std::to_string(messages - 2 * messages / 10))  // no acknowledgment for replies and auto-replies
      << sql_value(stack, "SELECT string_agg(purpose || ' ' || status || ': ' || n, ', ') FROM "
                          "(SELECT purpose, status, count(*) AS n FROM outbox GROUP BY purpose, status) AS s")
      << "\n" << r.output.substr(r.output.size() > 3000 ? r.output.size() - 3000 : 0);
}

}  // namespace
}  // namespace intake::testing
