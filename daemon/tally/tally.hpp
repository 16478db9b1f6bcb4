// Reply tallies, the pure part: what a message becomes in the tallies (who to
// whom, its tone, the colleagues it credits), how a message's figures compare
// with its sender's own baseline (the chord score), and the JSON intakectl
// prints. No database, no clock (callers pass "now"). Trusts nothing in the
// message: addresses are normalized, text is bounded by the word matchers.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "parsers/config/config.hpp"
#include "parsers/common/time_text.hpp"
#include "parsers/common/email.hpp"
#include "parsers/common/result.hpp"

namespace intake::daemon {

// One message as the tallies keep it: headers and what its text says, never
// the body itself.
struct TallyEntry {
  std::string message_id;  // without angle brackets; "sha256:<hex>" when the message has none
  std::string sender;      // lower case, without plus tag; empty when unknown
  std::string sender_name;
  std::string subject;
  std::chrono::sys_seconds sent_at{};  // the Date header, else when intake first saw it
  // To and Cc, distinct, lower case without plus tag; the sender and intake's
  // own addresses (every [[mailbox]] address and smtp.from) left out, since
  // neither can answer the message.
  std::vector<std::string> recipients;
  std::string kind;  // human, auto_reply, bulk, bounce (the parser's)
  std::string in_reply_to;
  std::vector<std::string> references;
  bool positive = false;               // agreement, thanks or praise in the new text
  std::vector<std::string> positive_words;
  bool thanks_unnamed = false;         // thanks or praise naming nobody: credits the author of the message replied to
  std::vector<std::string> kudos_to;   // colleagues thanked or praised by name or address
  std::string source;                  // where it was seen: "mailbox requests", "observe boss/Sent", "import"
};

// The parsed message as a tally entry. `fallback_sent_at` stands in for a
// missing Date header (arrival time, an mbox "From " line, a file's time).
TallyEntry make_tally_entry(const parsers::Email& email, const std::string& message_id, std::chrono::sys_seconds fallback_sent_at,
                            const parsers::Config& config, std::string source);

// "Similar audience": recipient counts in the same power-of-two band
// (0: none, 1: one, 2: 2-3, 3: 4-7, 4: 8-15, ...).
int audience_band(std::size_t recipients);

// A message's figures as the store keeps them, and its sender's baseline.
struct MessageFigures {
  std::string message_id, sender, sender_name, subject;
  std::chrono::sys_seconds sent_at{};
  int recipients = 0;
  int replies = 0;            // human replies in its thread within the window, the sender's own left out
  int distinct_repliers = 0;
  int positive = 0;           // of those replies, the positive ones
  int depth = 0;              // deepest level a counted reply is at (1: direct replies only)
  std::optional<std::int64_t> first_reply_after_s;
  // Distinct repliers of the sender's previous messages to a similar
  // audience, newest first, at most [tally] baseline_messages.
  std::vector<int> baseline;
  std::int64_t row = 0;  // the store's id: a tie-breaker and a cursor
};

struct ChordScore {
  double reply_rate = 0;       // distinct repliers / recipients (0 without recipients)
  double baseline_median = 0;  // 0 when the sender has no earlier message to such an audience
  double score = 1;            // (distinct repliers + 1) / (baseline median + 1): 1 is as usual
  bool struck_a_chord = false; // at least min_repliers and at least chord_factor x the median
};

double median(std::vector<int> values);
ChordScore chord_score(const MessageFigures& figures, const parsers::TallyConfig& config);

// The messages in the order `tally top` shows them: score, then distinct
// repliers, then the newer first, then by Message-ID (a total order).
void rank(std::vector<MessageFigures>& figures, const parsers::TallyConfig& config);

class TallyStore;

// Which messages a ranking looks at: human or bulk, sent in [since, until).
struct TopQuery {
  std::chrono::sys_seconds since{}, until = std::chrono::sys_seconds::max();
  std::string sender;         // empty: everyone
  std::size_t limit = 20;     // how many the caller shows
  bool chords_only = false;   // only those that struck a chord (the summaries)
};

// Every message that can be among the best `limit` by score (ties at the
// last place included), oldest first as figures_since gives them: the
// caller ranks and cuts. Read most distinct repliers first, it stops once no
// later message can score as high (the score is at most distinct repliers
// + 1), so it reads a few thousand rows of a million instead of all.
Result<std::vector<MessageFigures>> top_figures(TallyStore& store, const TopQuery& query, const parsers::TallyConfig& config);

// "30d", "12h", "2w", "90min" before `now`, or a date "2026-01-31" (00:00 UTC).
std::optional<std::chrono::sys_seconds> parse_since(std::string_view text, std::chrono::sys_seconds now);

using parsers::iso_utc;  // parsers/common/time_text.hpp

// The JSON of one ranked message (`tally top --json`, `tally show --json`).
nlohmann::json figures_json(const MessageFigures& figures, const parsers::TallyConfig& config, std::chrono::sys_seconds now);

// Angle brackets and white space off a Message-ID as typed on a command line.
std::string bare_message_id(std::string_view text);

}  // namespace intake::daemon
