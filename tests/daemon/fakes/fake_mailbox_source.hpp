// The mailbox port (daemon/core/mailbox_source.hpp) as a folder in memory:
// messages by UID, a processed folder, and failures the test plants.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "daemon/core/mailbox_source.hpp"

namespace intake::testing {

class FakeMailboxSource final : public daemon::MailboxSource {
 public:
  std::uint64_t uidvalidity = 7;
  std::map<std::uint64_t, std::string> inbox;  // UID -> raw message
  std::vector<std::uint64_t> processed;        // moved, in order
  std::set<std::uint64_t> fetch_fails;         // fetch() fails for now (the server went away)
  int fetches = 0;
  std::function<void(std::uint64_t)> on_fetch;  // called at each fetch (on the fetching thread)

  std::uint64_t add(std::string raw) {
    const std::uint64_t uid = next_uid_++;
    inbox[uid] = std::move(raw);
    return uid;
  }

  Result<daemon::FolderStatus> status() override { return daemon::FolderStatus{uidvalidity, next_uid_}; }
  Result<std::vector<std::uint64_t>> search_uids(std::uint64_t first, std::uint64_t last, bool unseen_only) override {
    (void)unseen_only;
    std::vector<std::uint64_t> out;
    for (const auto& [uid, raw] : inbox)
      if (uid >= first && (last == 0 || uid <= last)) out.push_back(uid);
    return out;
  }
  Result<std::string> fetch(std::uint64_t uid) override {
    ++fetches;
    if (on_fetch) on_fetch(uid);
    if (fetch_fails.count(uid) != 0) {
      Error e = fail("IMAP: connection reset");
      e.kind = ErrorKind::unreachable;
      return e;
    }
    auto it = inbox.find(uid);
    if (it == inbox.end()) return fail("no such message", true);
    return it->second;
  }
  Result<std::string> fetch_header(std::uint64_t uid) override { return fetch(uid); }
  Result<std::uint64_t> size_of(std::uint64_t uid) override {
    auto it = inbox.find(uid);
    if (it == inbox.end()) return fail("no such message", true);
    return static_cast<std::uint64_t>(it->second.size());
  }
  Status mark_processed(const std::vector<std::uint64_t>& uids) override {
    for (auto uid : uids) {
      inbox.erase(uid);
      processed.push_back(uid);
    }
    return Ok{};
  }

 private:
  std::uint64_t next_uid_ = 1;
};

}  // namespace intake::testing
