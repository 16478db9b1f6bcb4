// A MailboxSource around the real one (CurlImapSource) for the service loop:
// it reports each IMAP step (watchdog heartbeat, first login) and hands out
// new messages in rounds of a few, so intaked can stop or reload between
// rounds while the cycle itself (IntakeCycle) stays unaware of the service.
// It trusts the inner source for everything else.
#pragma once

#include <functional>
#include <optional>

#include "daemon/core/mailbox_source.hpp"

namespace intake::daemon {

class RoundSource final : public MailboxSource {
 public:
  // per_round 0: no rounds, every new message at once.
  RoundSource(MailboxSource& inner, std::size_t per_round, std::function<void()> heartbeat,
              std::function<void()> on_login);
  Result<FolderStatus> status() override;
  // The search for new messages (no upper end) asks the server once per
  // folder state and then serves the next `per_round` UIDs from that answer.
  Result<std::vector<std::uint64_t>> search_uids(std::uint64_t first, std::uint64_t last, bool unseen_only) override;
  Result<std::string> fetch(std::uint64_t uid) override;
  Result<std::string> fetch_header(std::uint64_t uid) override;
  Result<std::uint64_t> size_of(std::uint64_t uid) override;
  Status mark_processed(const std::vector<std::uint64_t>& uids) override;
  // The last search for new messages left some for another round.
  bool more() const { return more_; }

 private:
  void beat() const {
    if (heartbeat_) heartbeat_();
  }
  MailboxSource& inner_;
  std::size_t per_round_;
  std::function<void()> heartbeat_, on_login_;
  std::uint64_t uidvalidity_ = 0;
  std::optional<std::vector<std::uint64_t>> pending_;  // the server's answer, ascending
  bool pending_unseen_only_ = false;
  bool more_ = false;
};

}  // namespace intake::daemon
