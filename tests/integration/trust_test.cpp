// Trust on the real stack: the flood caps that stop loops and machines do
// not silence colleagues (an employee in the directory has a cap of their
// own, an urgent request is always acknowledged), the low cap still holds
// for an address outside the directory, and a request recorded quietly
// makes `intakectl status` say so.
#include <gtest/gtest.h>

#include <thread>

#include "tests/support/stack_client.hpp"

namespace intake::testing {
namespace {

using namespace std::chrono_literals;

const char* directory = R"(
[[employee]]
address = "alice@example.test"
name = "Alice Example"
department = "Sales"
)";

class Trust : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = load_stack();
    ASSERT_FALSE(HasFailure());
    reset_stack(stack_);
    config_ = write_config(stack_, "trust", "", {}, directory);
  }
  void once() {
    RunResult r = run_command(std::string(INTAKED_PATH) + " --config " + config_ + " --once");
    EXPECT_EQ(r.exit_code, 0) << r.output;
  }
  void append(const std::string& from, const std::string& subject, const std::string& id) {
    imap_append(stack_, "requests", "INBOX",
                "From: " + from + "\nTo: requests@example.test\nSubject: " + subject +
                    "\nDate: Mon, 07 Dec 2026 09:00:00 +0000\nMessage-ID: <" + id +
                    ">\nContent-Type: text/plain; charset=utf-8\n\nPlease have a look.\n");
  }
  Stack stack_;
  std::string config_;
};

TEST_F(Trust, an_employees_busy_hour_is_answered_and_a_stranger_past_the_cap_is_kept_quietly_and_reported) {
  // Twelve from Alice (in the directory) in an hour, the last one urgent.
  for (int i = 0; i < 12; ++i)
    append("Alice Example <alice@example.test>", (i == 11 ? "URGENT: " : "") + std::string("Question ") + std::to_string(i),
           "q" + std::to_string(i) + "@alice");
  once();
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox WHERE purpose = 'acknowledgment' AND rcpt_to = 'alice@example.test'"),
            "12");
  RunResult fine = run_command(std::string(INTAKECTL_PATH) + " --config " + config_ + " status");
  EXPECT_EQ(fine.exit_code, 0) << fine.output;

  // Fifteen from an address of an accepted domain that is not in the directory: the low cap holds.
  for (int i = 0; i < 15; ++i) append("Partner <partner@example.test>", "Order " + std::to_string(i), "o" + std::to_string(i) + "@partner");
  once();
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM requests WHERE requester_address = 'partner@example.test'"), "15");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox WHERE purpose = 'acknowledgment' AND rcpt_to = 'partner@example.test'"),
            "10");
  RunResult warned = run_command(std::string(INTAKECTL_PATH) + " --config " + config_ + " status");
  EXPECT_EQ(warned.exit_code, 1) << warned.output;
  EXPECT_EQ(warned.output.rfind("WARNING - ", 0), 0U) << warned.output;
  EXPECT_NE(warned.output.find("5 request(s) recorded without acknowledgment by the flood caps"), std::string::npos)
      << warned.output;
  EXPECT_EQ(wait_for_messages(stack_, "alice", "INBOX", 12, 30), 12U);
}

}  // namespace
}  // namespace intake::testing
