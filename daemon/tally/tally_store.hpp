// What the reply tallies need from PostgreSQL (the libpqxx adapter is
// daemon/adapters/postgres/pqxx_tally_store.hpp). The
// tallies are their own tables (0005): messages intake only observes or
// imports never enter `messages`, so they can never turn into requests or
// change how a request's thread is found. No pqxx type appears in this header.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "parsers/common/email.hpp"
#include "parsers/common/result.hpp"
#include "daemon/tally/tally.hpp"

namespace intake::daemon {

// How far one feed has been read (tally_progress): committed with the entries
// it produced, so a crash re-reads at most one batch (and Message-IDs make
// that harmless).
struct TallyProgress {
  std::string key;  // "messages", "observe:boss/INBOX"
  std::uint64_t uidvalidity = 0;
  std::uint64_t position = 0;  // messages.id, or the last UID read
};

// A stored inbound message (table `messages`) as the tallies read it back.
struct StoredMessage {
  std::int64_t row = 0;
  std::string message_id;
  std::string mailbox;
  std::chrono::sys_seconds received_at{};
  parsers::Email email;  // headers, kind and request text (not the body)
};

struct AddStats {
  std::size_t added = 0, known = 0;  // known: that Message-ID was tallied before
};

// One message of a thread under the message `tally show` shows.
struct ThreadMessage {
  std::string message_id, sender, sender_name, kind;
  std::chrono::sys_seconds sent_at{};
  int level = 1;  // 1: a direct reply
  bool positive = false;
  std::vector<std::string> positive_words;
  bool counted = false;
  std::string not_counted_because;  // empty when counted
};

struct TallyThread {
  MessageFigures message;
  std::vector<ThreadMessage> replies;  // every message below it, by time
};

struct KudosRow {
  std::string colleague, by, message_id;
  std::chrono::sys_seconds sent_at{};
};

// A human message that thanks or praises (or a good rating with a comment),
// with what kudos_credits needs to decide whom it credits: the colleagues it
// names, and for thanks naming nobody, the message it answers and the root
// of its thread.
struct KudosFact {
  std::string by, message_id;
  std::chrono::sys_seconds sent_at{};
  std::vector<std::string> named;  // colleagues named in its text (tally_kudos), or the owner a rating credits
  bool thanks_unnamed = false;     // thanks or praise naming nobody
  bool has_parent = false;         // false: it starts its thread
  std::string parent_sender;
  bool root_credits = false;             // the thread's root thanks or praises (by name or not)
  std::vector<std::string> root_named;   // the colleagues the root thanks or praises by name
};

// Where the previous batch of figures_by_repliers ended.
struct FiguresCursor {
  int distinct_repliers = 0;
  std::int64_t row = 0;
};

class TallyStore {
 public:
  virtual ~TallyStore() = default;
  // Figures are computed with this window; a change recomputes all of them.
  virtual Status set_reply_window(std::int64_t reply_window_s) = 0;
  virtual Result<TallyProgress> progress(const std::string& key) = 0;
  // One transaction: the entries not yet known (by Message-ID), their links,
  // the figures of every message whose thread changed, and `progress`.
  virtual Result<AddStats> add(const std::vector<TallyEntry>& entries, const std::optional<TallyProgress>& progress) = 0;
  // Inbound rows of `messages` after `row`, oldest first, that are not
  // tallied yet; `lookback` rows before it are looked at again, since ids are
  // taken at insert and a transaction that took an earlier id can commit later
  // (a `quarantine retry` beside the daemon's cycle).
  virtual Result<std::vector<StoredMessage>> messages_after(std::int64_t row, std::int64_t lookback, int limit) = 0;
  // Messages (human or bulk) sent at or after `since`, with their senders'
  // baselines; `sender` empty for all.
  virtual Result<std::vector<MessageFigures>> figures_since(std::chrono::sys_seconds since, const std::string& sender,
                                                            int baseline_messages) = 0;
  // The same for [since, until), at least `min_repliers` distinct repliers,
  // most distinct repliers first (then the latest row), after `after` when
  // given, at most `limit` (top_figures reads them in batches).
  virtual Result<std::vector<MessageFigures>> figures_by_repliers(std::chrono::sys_seconds since,
                                                                  std::chrono::sys_seconds until, const std::string& sender,
                                                                  int baseline_messages, int min_repliers,
                                                                  const std::optional<FiguresCursor>& after, int limit) = 0;
  // A permanent error when no such message is tallied.
  virtual Result<TallyThread> thread(const std::string& message_id, int baseline_messages) = 0;
  // Messages sent in [since, until) (no end without `until`) that thank or
  // praise, and good ratings with a comment given then; kudos_since() below
  // says whom they credit.
  virtual Result<std::vector<KudosFact>> kudos_facts(std::chrono::sys_seconds since,
                                                     std::optional<std::chrono::sys_seconds> until) = 0;
};

// Whom one message credits (tally.cpp): the colleagues it names; else, for
// thanks or praise naming nobody in a reply, the colleagues the thread's root
// thanks by name when the root is itself a thank-you ("Big thanks to Dave"
// answered by "+1, well done!"), never the root's sender for their own
// announcement; else the sender of the message it answers. Nobody is
// credited for thanking themselves.
std::vector<std::string> kudos_credited(const KudosFact& fact);

// Every credit of the messages and ratings since `since` (and before
// `until`, when given), one row per colleague and message.
std::vector<KudosRow> kudos_credits(const std::vector<KudosFact>& facts);
Result<std::vector<KudosRow>> kudos_since(TallyStore& store, std::chrono::sys_seconds since,
                                          std::optional<std::chrono::sys_seconds> until = std::nullopt);

}  // namespace intake::daemon
