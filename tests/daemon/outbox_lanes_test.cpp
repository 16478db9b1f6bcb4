// Sending over several lanes at once (smtp.connections): each lane a store
// and a sender of its own, the budget shared, a stop or an unreachable
// server seen by all, the caller's thread kept beating while it waits.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "daemon/respond/outbox_drain.hpp"
#include "tests/daemon/fakes/fake_mail_sender.hpp"
#include "tests/daemon/fakes/fake_outbox_store.hpp"

namespace intake::daemon {
namespace {

using testing::FakeMailSender;
using testing::FakeOutboxStore;

class OutboxLanes : public ::testing::Test {
 protected:
  OutboxLanes() {
    config.smtp.from = "requests@example.test";
    for (int i = 0; i < 5; ++i) {
      first.add("acknowledgment", "alice@example.test");
      second.add("acknowledgment", "bob@example.test");
    }
  }
  std::vector<SendLane> lanes() { return {{&first, &first_sender}, {&second, &second_sender}}; }

  parsers::Config config;
  // Each lane's store is its own here; in PostgreSQL the lanes share the
  // table and SKIP LOCKED keeps their claims apart.
  FakeOutboxStore first, second;
  FakeMailSender first_sender, second_sender;
};

TEST_F(OutboxLanes, both_lanes_send_and_the_second_runs_on_a_thread_of_its_own) {
  std::thread::id second_thread;
  second_sender.refuse = [&](const OutgoingMail&) -> std::optional<Error> {
    second_thread = std::this_thread::get_id();
    return std::nullopt;
  };
  const CycleStats stats = drain_outbox(lanes(), config, 100);
  EXPECT_EQ(stats.mails_sent, 10u);
  EXPECT_EQ(stats.mails.sent.at("acknowledgment"), 10u);
  EXPECT_EQ(first.count("sent"), 5u);
  EXPECT_EQ(second.count("sent"), 5u);
  EXPECT_EQ(first_sender.sent.size(), 5u);
  EXPECT_EQ(second_sender.sent.size(), 5u);
  EXPECT_NE(second_thread, std::thread::id{});
  EXPECT_NE(second_thread, std::this_thread::get_id());
  // Still one commit per mail on each lane (plus the claim that finds none).
  EXPECT_EQ(first.commits, 6);
  EXPECT_EQ(second.commits, 6);
}

TEST_F(OutboxLanes, the_budget_is_shared_by_the_lanes) {
  const CycleStats stats = drain_outbox(lanes(), config, 4);
  EXPECT_EQ(stats.mails_sent, 4u);
  EXPECT_EQ(first.count("sent") + second.count("sent"), 4u);
  EXPECT_EQ(first.count("sending") + second.count("sending"), 0u);
}

TEST_F(OutboxLanes, with_nothing_for_the_first_lane_no_other_lane_opens) {
  FakeOutboxStore empty;
  const CycleStats stats = drain_outbox({{&empty, &first_sender}, {&second, &second_sender}}, config, 100);
  EXPECT_EQ(stats.mails_sent, 0u);
  EXPECT_EQ(second.commits, 0);
  EXPECT_EQ(second_sender.calls, 0);
}

TEST_F(OutboxLanes, an_unreachable_server_on_one_lane_stops_the_other_after_its_mail) {
  second_sender.refuse = [&](const OutgoingMail&) -> std::optional<Error> {
    return fail("connect: refused", ErrorKind::unreachable);
  };
  // The stop check comes after a lane has told the others; the second lane's
  // (on its own thread) lets the first lane's first mail go.
  std::promise<void> told;
  std::once_flag once;
  const auto caller = std::this_thread::get_id();
  auto told_future = told.get_future().share();
  first_sender.refuse = [&](const OutgoingMail&) -> std::optional<Error> {
    if (told_future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) return fail("the second lane never sent");
    return std::nullopt;
  };
  const CycleStats stats = drain_outbox(lanes(), config, 100, [&] {
    if (std::this_thread::get_id() != caller) std::call_once(once, [&] { told.set_value(); });
    return false;
  });
  EXPECT_TRUE(stats.send_failed);
  EXPECT_EQ(stats.error, "connect: refused");
  EXPECT_EQ(second_sender.calls, 1);
  EXPECT_EQ(first_sender.calls, 1);  // its mail went, then it stopped
  EXPECT_EQ(first.count("sent"), 1u);
  EXPECT_EQ(first.count("pending"), 4u);
  EXPECT_EQ(second.count("pending"), 5u);
}

TEST_F(OutboxLanes, a_stop_is_seen_by_every_lane) {
  const CycleStats stats = drain_outbox(lanes(), config, 100, [] { return true; });
  EXPECT_EQ(stats.mails_sent, 2u);  // one mail each, then both stop
  EXPECT_EQ(first.count("pending"), 4u);
  EXPECT_EQ(second.count("pending"), 4u);
  EXPECT_EQ(first.count("sending") + second.count("sending"), 0u);
}

TEST_F(OutboxLanes, the_calling_thread_keeps_beating_while_another_lane_sends) {
  FakeOutboxStore one;
  one.add("acknowledgment", "carol@example.test");
  std::promise<void> beat;
  auto beaten = beat.get_future().share();
  std::once_flag once;
  // The second lane's first mail is held until the caller, its own lane done, has beaten once.
  second_sender.refuse = [&](const OutgoingMail&) -> std::optional<Error> {
    if (beaten.wait_for(std::chrono::seconds(10)) != std::future_status::ready) return fail("no heartbeat while waiting");
    return std::nullopt;
  };
  int beats = 0;
  const CycleStats stats = drain_outbox({{&one, &first_sender}, {&second, &second_sender}}, config, 100, {}, [&] {
    ++beats;
    std::call_once(once, [&] { beat.set_value(); });
  });
  EXPECT_GE(beats, 1);
  EXPECT_EQ(stats.mails_sent, 6u);
  EXPECT_EQ(stats.mails_failed, 0u);
}

}  // namespace
}  // namespace intake::daemon
