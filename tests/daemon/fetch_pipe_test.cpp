// The hand-off between the fetcher and the committer of a pipelined mailbox
// pass (daemon/fetch/fetch_pipe.hpp).
#include "daemon/fetch/fetch_pipe.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

namespace intake::daemon {
namespace {

using namespace std::chrono_literals;
using Pipe = FetchPipe<std::vector<std::uint64_t>>;

TEST(FetchPipe, chunks_arrive_in_order_and_committed_uids_are_moved_by_the_fetcher_before_it_ends) {
  Pipe pipe(1000);
  std::vector<std::vector<std::uint64_t>> moved;
  std::thread::id mover;
  std::thread fetcher([&] {
    const MoveUids move = [&](const std::vector<std::uint64_t>& uids) {
      moved.push_back(uids);
      mover = std::this_thread::get_id();
    };
    for (std::uint64_t c = 0; c < 5; ++c) {
      ASSERT_TRUE(pipe.wait_for_room(move));
      ASSERT_TRUE(pipe.hand_over({c * 10 + 1, c * 10 + 2}, 10, move));
    }
    pipe.finish(move);
  });
  const auto fetcher_id = fetcher.get_id();
  std::vector<std::uint64_t> seen;
  while (auto chunk = pipe.next()) {
    seen.insert(seen.end(), chunk->begin(), chunk->end());
    pipe.committed(10, *chunk);
  }
  pipe.stop();
  fetcher.join();
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{1, 2, 11, 12, 21, 22, 31, 32, 41, 42}));
  ASSERT_EQ(moved.size(), 5u);  // every committed chunk, the last one included
  EXPECT_EQ(moved.back(), (std::vector<std::uint64_t>{41, 42}));
  EXPECT_EQ(mover, fetcher_id);
}

TEST(FetchPipe, the_fetcher_takes_no_new_message_while_the_bytes_handed_over_reach_the_cap) {
  Pipe pipe(100);
  const MoveUids none = [](const std::vector<std::uint64_t>&) {};
  ASSERT_TRUE(pipe.hand_over({1}, 100, none));
  std::atomic<bool> room{false};
  std::thread fetcher([&] {
    room = pipe.wait_for_room(none);
  });
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(room.load()) << "100 bytes in flight of a 100-byte cap";
  auto chunk = pipe.next();  // taken, not yet committed: still in flight
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(room.load());
  pipe.committed(100, *chunk);
  fetcher.join();
  EXPECT_TRUE(room.load());
}

TEST(FetchPipe, at_most_one_chunk_waits) {
  Pipe pipe(1000000);
  const MoveUids none = [](const std::vector<std::uint64_t>&) {};
  ASSERT_TRUE(pipe.hand_over({1}, 1, none));
  std::atomic<bool> second{false};
  std::thread fetcher([&] { second = pipe.hand_over({2}, 1, none); });
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(second.load());
  EXPECT_EQ(pipe.next(), (std::vector<std::uint64_t>{1}));
  fetcher.join();
  EXPECT_TRUE(second.load());
  EXPECT_EQ(pipe.next(), (std::vector<std::uint64_t>{2}));
}

TEST(FetchPipe, a_stopped_committer_stops_the_fetcher_after_the_moves_it_committed) {
  Pipe pipe(1000);
  std::vector<std::uint64_t> moved;
  const MoveUids move = [&](const std::vector<std::uint64_t>& uids) { moved.insert(moved.end(), uids.begin(), uids.end()); };
  ASSERT_TRUE(pipe.hand_over({1, 2}, 10, move));
  std::atomic<bool> handed{true};
  std::thread fetcher([&] {
    handed = pipe.hand_over({3}, 10, move);  // waits: one chunk waits already
    pipe.finish(move);
  });
  auto chunk = pipe.next();
  pipe.committed(10, *chunk);
  pipe.stop();  // e.g. the database went away: nothing more is taken
  fetcher.join();
  EXPECT_EQ(moved, (std::vector<std::uint64_t>{1, 2}));
  // The second chunk may or may not have been handed over before the stop,
  // but it was never committed, so never moved.
  (void)handed.load();
}

}  // namespace
}  // namespace intake::daemon
