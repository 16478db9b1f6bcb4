// The tally stage: feeds the reply tallies from every place intake sees mail.
//  - the shared mailboxes: every inbound row of `messages`, copied after the
//    intake cycle commits it (a cursor over messages.id, committed with the
//    copies, so nothing is skipped or taken twice and the cycle's own
//    transaction stays as it is);
//  - observed mailboxes ([[observe]]), read-only (core/observed_mailbox.hpp);
//  - archives (`intakectl import`: mbox or Maildir), so baselines exist from
//    day one.
// Every feed is idempotent by Message-ID. Parsing failures skip a message
// (logged): nothing here can hold up intake.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <spdlog/fwd.h>

#include "daemon/core/clock.hpp"
#include "parsers/config/config.hpp"
#include "daemon/core/observed_mailbox.hpp"
#include "parsers/common/result.hpp"
#include "daemon/tally/tally_store.hpp"

namespace intake::daemon {

struct TallyFeedStats {
  std::size_t read = 0, added = 0, known = 0, skipped = 0, truncated = 0;
};

class TallyStage {
 public:
  // `archives`: how `import` reads a path (null: import refuses).
  TallyStage(const parsers::Config& config, TallyStore& store, const Clock& clock, ArchiveReader archives = nullptr);
  // The reply window from the config (a change recomputes every figure).
  Status prepare();
  // What is stored in `messages` and not tallied yet: all of it, or about
  // max_rows (whole batches) so one cycle stays short after an upgrade.
  Result<TallyFeedStats> catch_up(std::size_t max_rows = SIZE_MAX);
  // New messages in each folder of an observed mailbox, at most batch_size
  // per folder per call.
  Result<TallyFeedStats> observe(const parsers::ObserveConfig& mailbox, ObservedSource& source);
  // An mbox file or a Maildir folder.
  Result<TallyFeedStats> import(const std::string& path);

  static constexpr std::size_t max_import_message_bytes = std::size_t{4} * 1024 * 1024;

 private:
  std::chrono::sys_seconds now() const;
  // One folder of an observed mailbox: its next batch of new messages.
  Status observe_folder(const parsers::ObserveConfig& mailbox, const std::string& folder, ObservedSource& source,
                        TallyFeedStats& stats, spdlog::logger& log);
  // One message of that batch, added to `entries`; one that cannot be read
  // for good or parsed is skipped (logged), a passing failure is returned.
  Status observe_message(const parsers::ObserveConfig& mailbox, const std::string& folder, ObservedSource& source,
                         std::uint64_t uid, std::vector<TallyEntry>& entries, TallyFeedStats& stats, spdlog::logger& log);
  const parsers::Config& config_;
  TallyStore& store_;
  const Clock& clock_;
  ArchiveReader archives_;
};

}  // namespace intake::daemon
