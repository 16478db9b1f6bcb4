// The tally store (daemon/tally/tally_store.hpp) over libpqxx: its own
// connection, every call one guarded transaction (pqxx_guard.hpp). No pqxx
// type appears in this header.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/tally/tally_store.hpp"

namespace intake::daemon {

struct PqxxConnection;  // a pqxx::connection (pqxx_guard.hpp), kept out of this header

class PqxxTallyStore final : public TallyStore {
 public:
  explicit PqxxTallyStore(std::string conninfo);
  ~PqxxTallyStore() override;
  PqxxTallyStore(const PqxxTallyStore&) = delete;
  PqxxTallyStore& operator=(const PqxxTallyStore&) = delete;

  Status set_reply_window(std::int64_t reply_window_s) override;
  Result<TallyProgress> progress(const std::string& key) override;
  Result<AddStats> add(const std::vector<TallyEntry>& entries, const std::optional<TallyProgress>& progress) override;
  Result<std::vector<StoredMessage>> messages_after(std::int64_t row, std::int64_t lookback, int limit) override;
  Result<std::vector<MessageFigures>> figures_since(std::chrono::sys_seconds since, const std::string& sender,
                                                    int baseline_messages) override;
  Result<std::vector<MessageFigures>> figures_by_repliers(std::chrono::sys_seconds since, std::chrono::sys_seconds until,
                                                          const std::string& sender, int baseline_messages, int min_repliers,
                                                          const std::optional<FiguresCursor>& after, int limit) override;
  Result<TallyThread> thread(const std::string& message_id, int baseline_messages) override;
  Result<std::vector<KudosFact>> kudos_facts(std::chrono::sys_seconds since,
                                             std::optional<std::chrono::sys_seconds> until) override;

 private:
  template <typename F>
  auto guarded(const char* what, F&& f) -> decltype(f());
  Status connect();
  std::string conninfo_;
  std::unique_ptr<PqxxConnection> conn_;
  std::int64_t reply_window_s_ = std::int64_t{7} * 86400;
};

}  // namespace intake::daemon
