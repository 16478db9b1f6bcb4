// store/outcome.hpp: every rule of decide_outcome, one test each.
#include <gtest/gtest.h>

#include "daemon/store/outcome.hpp"

namespace intake::daemon {
namespace {

Error refused() { return fail("PostgreSQL error during ingest: index row size 3904 exceeds btree version 4 maximum 2704"); }
Error gone() {
  Error e = fail("PostgreSQL connection lost during ingest");
  e.kind = ErrorKind::unreachable;
  return e;
}

TEST(StoreOutcome, success_is_done) {
  for (Step step : {Step::fetch, Step::parse, Step::store}) EXPECT_EQ(decide_outcome(step, nullptr, 0, 3).outcome, Outcome::done);
}

TEST(StoreOutcome, a_lost_database_is_retried_later_and_counts_nothing) {
  const Error e = gone();
  const MessageOutcome o = decide_outcome(Step::store, &e, 0, 3);
  EXPECT_EQ(o.outcome, Outcome::retry_later);
  EXPECT_FALSE(o.counted);
}

TEST(StoreOutcome, a_refused_message_is_retried_until_max_attempts_then_quarantined_with_the_error) {
  const Error e = refused();
  for (int failures : {1, 2}) {
    const MessageOutcome o = decide_outcome(Step::store, &e, failures, 3);
    EXPECT_EQ(o.outcome, Outcome::retry_later) << failures;
    EXPECT_TRUE(o.counted) << failures;
  }
  const MessageOutcome o = decide_outcome(Step::store, &e, 3, 3);
  EXPECT_EQ(o.outcome, Outcome::quarantine);
  EXPECT_EQ(o.reason,
            "could not be stored (3 attempts, daemon.max_attempts = 3): PostgreSQL error during ingest: index row size 3904 "
            "exceeds btree version 4 maximum 2704");
}

TEST(StoreOutcome, max_attempts_of_one_quarantines_at_the_first_refusal) {
  const Error e = refused();
  EXPECT_EQ(decide_outcome(Step::store, &e, 1, 1).outcome, Outcome::quarantine);
}

TEST(StoreOutcome, a_message_the_server_cannot_give_is_quarantined_and_a_dropped_fetch_retried) {
  const Error missing = fail("IMAP: no such message", true);
  const MessageOutcome held = decide_outcome(Step::fetch, &missing, 0, 3);
  EXPECT_EQ(held.outcome, Outcome::quarantine);
  EXPECT_EQ(held.reason, "IMAP: no such message");
  const Error timeout = fail("IMAP: timeout");
  EXPECT_EQ(decide_outcome(Step::fetch, &timeout, 0, 3).outcome, Outcome::retry_later);
  const Error down = gone();
  EXPECT_EQ(decide_outcome(Step::fetch, &down, 0, 3).outcome, Outcome::retry_later);
}

TEST(StoreOutcome, an_unreadable_message_is_quarantined_at_once) {
  const Error e = fail("no headers and no text could be read", true);
  const MessageOutcome o = decide_outcome(Step::parse, &e, 0, 3);
  EXPECT_EQ(o.outcome, Outcome::quarantine);
  EXPECT_EQ(o.reason, "no headers and no text could be read");
}

TEST(StoreOutcome, names_for_the_log) {
  EXPECT_STREQ(to_string(Outcome::done), "done");
  EXPECT_STREQ(to_string(Outcome::retry_later), "retry_later");
  EXPECT_STREQ(to_string(Outcome::quarantine), "quarantine");
}

}  // namespace
}  // namespace intake::daemon
