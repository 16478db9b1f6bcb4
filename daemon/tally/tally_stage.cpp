#include "daemon/tally/tally_stage.hpp"

#include "daemon/core/digest.hpp"
#include "daemon/fetch/intake_cycle.hpp"
#include "daemon/core/logging.hpp"
#include "parsers/mime/mime_parser.hpp"

namespace intake::daemon {
namespace {
constexpr int catch_up_batch = 500;
// Rows before the cursor looked at again (see TallyStore::messages_after);
// an ingest transaction is short, so a thousand later rows is ample.
constexpr std::int64_t catch_up_lookback = 1000;
constexpr std::size_t import_batch = 200;

std::string message_id_of(const parsers::Email& email, const std::string& raw) {
  return email.message_id.empty() ? "sha256:" + sha256_hex(raw) : email.message_id;
}
}  // namespace

TallyStage::TallyStage(const parsers::Config& config, TallyStore& store, const Clock& clock, ArchiveReader archives)
    : config_(config), store_(store), clock_(clock), archives_(std::move(archives)) {}

std::chrono::sys_seconds TallyStage::now() const { return std::chrono::time_point_cast<std::chrono::seconds>(clock_.now()); }

Status TallyStage::prepare() { return store_.set_reply_window(std::int64_t{config_.tally.reply_window_days} * 86400); }

Result<TallyFeedStats> TallyStage::catch_up(std::size_t max_rows) {
  TallyFeedStats stats;
  auto at = store_.progress("messages");
  if (!at) return at.error();
  std::uint64_t cursor = at->position;
  std::int64_t lookback = catch_up_lookback;
  while (true) {
    auto rows = store_.messages_after(static_cast<std::int64_t>(cursor), lookback, catch_up_batch);
    lookback = 0;  // once per catch-up: what it finds is tallied right away
    if (!rows) return rows.error();
    if (rows->empty()) break;
    std::vector<TallyEntry> entries;
    for (const auto& m : *rows) {
      entries.push_back(make_tally_entry(m.email, m.message_id, m.received_at, config_, "mailbox " + m.mailbox));
      cursor = std::max(cursor, static_cast<std::uint64_t>(m.row));
    }
    stats.read += rows->size();
    auto added = store_.add(entries, TallyProgress{"messages", 0, cursor});
    if (!added) return added.error();
    stats.added += added->added;
    stats.known += added->known;
    if (rows->size() < static_cast<std::size_t>(catch_up_batch)) break;
    if (stats.read >= max_rows) {
      stage_logger("tally")->info("tallied {} stored message(s); more next cycle", stats.added);
      return stats;
    }
  }
  if (stats.added > 0) stage_logger("tally")->info("tallied {} stored message(s)", stats.added);
  return stats;
}

Result<TallyFeedStats> TallyStage::observe(const parsers::ObserveConfig& mailbox, ObservedSource& source) {
  auto log = stage_logger("tally");
  TallyFeedStats stats;
  for (const auto& folder : mailbox.folders)
    if (auto r = observe_folder(mailbox, folder, source, stats, *log); !r) return r.error();
  if (stats.read > 0)
    log->info("observe {} ({}): read {} message(s), {} new to the tallies, {} known, {} skipped", mailbox.name,
              mailbox.address, stats.read, stats.added, stats.known, stats.skipped);
  return stats;
}

Status TallyStage::observe_folder(const parsers::ObserveConfig& mailbox, const std::string& folder, ObservedSource& source,
                                  TallyFeedStats& stats, spdlog::logger& log) {
  const std::string key = "observe:" + mailbox.name + "/" + folder;
  auto status = source.examine(folder);
  if (!status && status.error().permanent()) {
    // A folder this server does not have ("Sent" is "Sent Items" on some):
    // said once per cycle, the other folders are still read.
    log.error("observe {} ({}) folder {}: {}", mailbox.name, mailbox.address, folder, status.error().message);
    ++stats.skipped;
    return Ok{};
  }
  if (!status) return status.error();
  auto progress = store_.progress(key);
  if (!progress) return progress.error();
  std::uint64_t last = progress->position;
  if (progress->uidvalidity != status->uidvalidity) {
    if (progress->uidvalidity != 0)
      log.warn("observe {}/{}: UIDVALIDITY changed from {} to {}: reading it again, known messages are skipped",
               mailbox.name, folder, progress->uidvalidity, status->uidvalidity);
    last = 0;
  }
  auto uids = source.uids_from(last + 1);
  if (!uids) return uids.error();
  const std::size_t batch = static_cast<std::size_t>(mailbox.batch_size);
  // One batch per folder per cycle: a large mailbox is read over several
  // cycles and never holds up intake (`intakectl import` loads history).
  if (uids->size() > batch) uids->resize(batch);
  for (std::size_t start = 0; start < uids->size(); start += batch) {
    std::vector<TallyEntry> entries;
    std::uint64_t upto = last;
    for (std::size_t i = start; i < std::min(uids->size(), start + batch); ++i) {
      const std::uint64_t uid = (*uids)[i];
      if (auto r = observe_message(mailbox, folder, source, uid, entries, stats, log); !r) return r.error();
      upto = uid;
    }
    auto added = store_.add(entries, TallyProgress{key, status->uidvalidity, upto});
    if (!added) return added.error();
    stats.added += added->added;
    stats.known += added->known;
    last = upto;
  }
  if (uids->empty() && progress->uidvalidity != status->uidvalidity) {
    auto saved = store_.add({}, TallyProgress{key, status->uidvalidity, 0});
    if (!saved) return saved.error();
  }
  return Ok{};
}

Status TallyStage::observe_message(const parsers::ObserveConfig& mailbox, const std::string& folder, ObservedSource& source,
                                   std::uint64_t uid, std::vector<TallyEntry>& entries, TallyFeedStats& stats,
                                   spdlog::logger& log) {
  auto raw = source.peek(uid);
  if (!raw && !raw.error().permanent()) return raw.error();
  ++stats.read;
  if (!raw) {
    ++stats.skipped;
    log.warn("observe {}/{} uid {}: skipped: {}", mailbox.name, folder, uid, raw.error().message);
    return Ok{};
  }
  try {
    const parsers::Email email = parsers::parse_email(raw.value());
    entries.push_back(make_tally_entry(email, message_id_of(email, raw.value()), now(), config_,
                                       "observe " + mailbox.name + "/" + folder));
  } catch (const std::exception& e) {
    ++stats.skipped;
    log.warn("observe {}/{} uid {}: skipped: parser failed: {}", mailbox.name, folder, uid, e.what());
  }
  return Ok{};
}

Result<TallyFeedStats> TallyStage::import(const std::string& path) {
  auto log = stage_logger("tally");
  TallyFeedStats stats;
  std::vector<TallyEntry> entries;
  Status failed = Ok{};
  auto flush = [&]() {
    if (entries.empty()) return true;
    auto added = store_.add(entries, std::nullopt);
    entries.clear();
    if (!added) {
      failed = added.error();
      return false;
    }
    stats.added += added->added;
    stats.known += added->known;
    return true;
  };
  if (!archives_) return fail("no archive reader: this tally stage cannot import", true);
  auto read = archives_(path, max_import_message_bytes, [&](ArchivedMessage&& m) {
    ++stats.read;
    if (m.truncated) ++stats.truncated;
    try {
      const parsers::Email email = parsers::parse_email(m.raw);
      if (!email.from && email.message_id.empty() && email.subject.empty() && email.body_text.empty()) {
        ++stats.skipped;
        log->warn("import {} ({}): skipped: no headers and no text could be read", path, m.where);
        return true;
      }
      entries.push_back(
          make_tally_entry(email, message_id_of(email, m.raw), m.delivered_at.value_or(now()), config_, "import"));
    } catch (const std::exception& e) {
      ++stats.skipped;
      log->warn("import {} ({}): skipped: parser failed: {}", path, m.where, e.what());
    }
    return entries.size() < import_batch || flush();
  });
  if (!read) return read.error();
  if (!failed) return failed.error();
  if (!flush()) return failed.error();
  return stats;
}

}  // namespace intake::daemon
