// Named spdlog loggers, one per stage (fetch, store, respond, main, service).
// Lines carry the request reference (REQ-n) and the Message-ID (<...>); never
// bodies, never secrets. Under systemd they go to the journal with both as
// structured fields; elsewhere to stderr as text.
#pragma once

#include <sys/uio.h>

#include <functional>
#include <memory>
#include <spdlog/spdlog.h>
#include <string>
#include <string_view>

namespace intake::daemon {

enum class LogTarget { stderr_text, journal };

// "journal", "stderr", or "auto": the journal when stderr is the stream systemd
// connected to it (JOURNAL_STREAM names that stream's device:inode), stderr
// otherwise (a terminal, a test, cron).
LogTarget choose_log_target(const std::string& setting);

// Sets the level of every stage logger and where they all write.
void setup_logging(const std::string& level, LogTarget target = LogTarget::stderr_text);
std::shared_ptr<spdlog::logger> stage_logger(const std::string& stage);

// The structured fields of one journal entry, taken from the line by the
// convention above: the first REQ-<digits> token and the first <...> token.
struct JournalFields {
  std::string stage;       // INTAKE_STAGE, the logger's name
  std::string reference;   // INTAKE_REFERENCE, may be empty
  std::string message_id;  // INTAKE_MESSAGE_ID, without brackets, may be empty
};
JournalFields journal_fields(std::string_view stage, std::string_view text);

// Writes one entry; sd_journal_sendv in production, a fake in tests. Returns
// 0 or a negative errno, as sd_journal_sendv does.
using JournalWriter = std::function<int(const iovec* fields, int count)>;
// The journal's writer for the journal target (the systemd adapter's
// sd_journal_sendv, set by the main); without one that target writes stderr.
void set_journal_writer(JournalWriter writer);
// A sink that sends each line to the journal with the fields above; a line the
// journal refuses is written to stderr instead of being lost.
// `writer` null: the registered one; null when there is none.
std::shared_ptr<spdlog::sinks::sink> make_journal_sink(std::string identifier, JournalWriter writer = nullptr);

}  // namespace intake::daemon
