// Between the two threads of a pipelined mailbox pass (fetch/intake_cycle.cpp):
// the fetcher hands over chunks of parsed and classified messages, the
// committer stores each and hands back the UIDs it committed, which the
// fetcher moves on its IMAP connection between two fetches. At most one
// chunk waits, and the fetcher takes no new message while the raw mail
// handed over and not yet committed reaches the byte cap: memory stays
// bounded by about two chunks. Written here because no packaged library does
// this small hand-off (std::mutex and std::condition_variable are enough).
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace intake::daemon {

using MoveUids = std::function<void(const std::vector<std::uint64_t>&)>;

template <typename Chunk>
class FetchPipe {
 public:
  explicit FetchPipe(std::size_t byte_cap) : byte_cap_(byte_cap) {}

  // Fetcher: waits until the bytes handed over and not committed are under
  // the cap, moving committed UIDs meanwhile. False: the committer stopped.
  bool wait_for_room(const MoveUids& move) {
    return serve(move, [&] { return in_flight_ < byte_cap_; });
  }
  // Fetcher: hands over a chunk of `bytes` raw mail once none waits (moving
  // meanwhile). False: the committer stopped; the chunk is dropped.
  bool hand_over(Chunk chunk, std::size_t bytes, const MoveUids& move) {
    if (!serve(move, [&] { return !waiting_.has_value(); })) return false;
    const std::lock_guard<std::mutex> lock(mutex_);
    waiting_ = std::move(chunk);
    in_flight_ += bytes;
    changed_.notify_all();
    return true;
  }
  // Fetcher: no more chunks; moves what is committed until the committer stops.
  void finish(const MoveUids& move) {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      finished_ = true;
      changed_.notify_all();
    }
    serve(move, [] { return false; });
  }

  // Committer: the next chunk; none once the fetcher finished and none waits.
  std::optional<Chunk> next() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return waiting_.has_value() || finished_; });
    std::optional<Chunk> out = std::move(waiting_);
    waiting_.reset();
    changed_.notify_all();
    return out;
  }
  // Committer: a chunk of `bytes` is done; `uids` (maybe none) are to be moved.
  void committed(std::size_t bytes, std::vector<std::uint64_t> uids) {
    const std::lock_guard<std::mutex> lock(mutex_);
    in_flight_ -= std::min(bytes, in_flight_);
    if (!uids.empty()) moves_.push_back(std::move(uids));
    changed_.notify_all();
  }
  // Committer: takes nothing more (at the end, or after an error). The
  // fetcher stops fetching, moves what is committed, and ends.
  void stop() {
    const std::lock_guard<std::mutex> lock(mutex_);
    stopped_ = true;
    changed_.notify_all();
  }

 private:
  // Moves while there are UIDs to move (the lock released meanwhile) until
  // `ready`; false once the committer stopped and nothing is left to move.
  template <typename Ready>
  bool serve(const MoveUids& move, Ready ready) {
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
      if (!moves_.empty()) {
        const std::vector<std::uint64_t> uids = std::move(moves_.front());
        moves_.pop_front();
        lock.unlock();
        move(uids);
        lock.lock();
        continue;
      }
      if (stopped_) return false;
      if (ready()) return true;
      changed_.wait(lock);
    }
  }

  const std::size_t byte_cap_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<Chunk> waiting_;
  std::size_t in_flight_ = 0;
  std::deque<std::vector<std::uint64_t>> moves_;
  bool finished_ = false, stopped_ = false;
};

}  // namespace intake::daemon
