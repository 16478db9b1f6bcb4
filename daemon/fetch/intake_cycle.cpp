#include "daemon/fetch/intake_cycle.hpp"

#include <algorithm>
#include <cctype>
#include <thread>

#include "daemon/core/digest.hpp"
#include "daemon/core/local_time.hpp"
#include "daemon/core/plain_time.hpp"
#include "daemon/fetch/fetch_pipe.hpp"
#include "daemon/summarize/summary.hpp"
#include "daemon/tally/tally.hpp"
#include "daemon/core/logging.hpp"
#include "parsers/mime/mime_parser.hpp"
#include "parsers/common/strings.hpp"
#include "parsers/request/request_fields.hpp"
#include "daemon/core/request_status.hpp"
#include "daemon/store/outcome.hpp"

namespace intake::daemon {
namespace {

// The acknowledgment caps: daemon.auto_reply_limit outside the directory,
// daemon.employee_auto_reply_limit for the employees in it.
FloodLimit flood_limit(const parsers::Config& config) {
  std::set<std::string> directory;
  for (const auto& e : config.employees) directory.insert(parsers::ascii_lower(parsers::address_without_plus(e.address)));
  return {config.daemon.auto_reply_limit, config.daemon.auto_reply_window_s, config.daemon.employee_auto_reply_limit,
          std::move(directory)};
}

// The raw bytes one chunk of fetched mail may hold before it is stored: a
// group commit needs a few messages, not megabytes of them in memory.
constexpr std::size_t max_chunk_bytes = std::size_t{4} << 20;

}  // namespace

namespace {
RandomSource& system_random() {
  static thread_local SystemRandom random;
  return random;
}
}  // namespace

IntakeCycle::IntakeCycle(const parsers::Config& config, const CycleStores& stores, const TemplateSet& templates, const Clock& clock,
                         const ServicePolicy* service, RandomSource* random)
    : config_(config),
      stores_(stores),
      clock_(clock),
      service_(service),
      mail_(config, templates, clock, random != nullptr ? *random : system_random()),
      summaries_(config, stores.summaries, templates, clock, service, mail_),
      replies_(config, mail_),
      plan_mails_(*this, mail_, replies_),
      writer_(stores.intake, plan_mails_, flood_limit(config), clock, config.daemon.max_attempts) {}

void IntakeCycle::set_due_times(Decision& decision, std::chrono::sys_seconds arrival) const {
  if (auto r = daemon::set_due_times(decision, service_, arrival); !r)
    stage_logger("store")->warn("category {}: no due times: {}", decision.category, r.error().message);
}

void IntakeCycle::start_clock(const RequestView& request, ReplyPlan& plan) const {
  Decision d;
  d.category = request.category;
  d.priority = plan.priority.empty() ? request.priority : plan.priority;
  d.requested_by = request.requested_by;
  set_due_times(d, now_seconds());
  plan.due_first_response = d.due_first_response;
  plan.due_resolution = d.due_resolution;
}

// One pass over one mailbox (IntakeCycle::fetch_mailbox): the folder's state,
// the leftovers of a crash, then each new message fetched, parsed and
// classified into a chunk that is stored in one transaction and moved with
// one command. Every message ends in one outcome (store/outcome.hpp); a
// message the database refuses is tried again at once and quarantined after
// daemon.max_attempts, so it never holds up the messages behind it. Only a
// lost server or database (retry_later, counted nothing) stops the pass.
//
// Pipelined: a thread of its own fetches, parses and classifies the next
// chunk and moves the chunks already committed (every IMAP command is on
// that thread, over the one connection), while this thread commits the
// chunk before (every database call is on this one). At most one chunk waits
// between them, and the fetcher takes no new message while the raw mail
// handed over and not yet committed reaches max_chunk_bytes (FetchPipe).
class MailboxRun {
 public:
  MailboxRun(IntakeCycle& cycle, const parsers::MailboxConfig& mailbox, MailboxSource& source)
      : cycle_(cycle), mailbox_(mailbox), source_(source), log_(stage_logger("fetch")) {}

  CycleStats run() {
    auto uids = prepare();
    if (!uids) return failed(uids.error().message);
    FetchPipe<std::vector<Pending>> pipe(max_chunk_bytes);
    std::optional<std::string> fetch_error, store_error;
    {
      // Joined before anything it uses goes, an exception here included.
      std::thread fetcher([&] { fetch_all(*uids, pipe, fetch_error); });
      struct Join {
        FetchPipe<std::vector<Pending>>& pipe;
        std::thread& thread;
        ~Join() {
          pipe.stop();
          thread.join();
        }
      } join{pipe, fetcher};
      while (auto chunk = pipe.next()) {
        std::size_t bytes = 0;
        for (const Pending& p : *chunk) bytes += p.msg.raw.size();
        auto [done, error] = store_chunk(*chunk);
        chunk.reset();  // its memory goes before the fetcher is let on
        pipe.committed(bytes, std::move(done));
        if (error) {
          store_error = std::move(error);
          break;
        }
      }
    }
    add_fetch_side();
    // A fetch that failed for now: what came before it is stored, then the pass stops.
    if (store_error) return failed(*store_error);
    if (fetch_error) return failed(*fetch_error);
    if (auto r = cycle_.stores_.intake.record_fetch(mailbox_.name, true, ""); !r)
      log_->warn("mailbox {}: the successful pass was not recorded in its health row: {}", mailbox_.name, r.error().message);
    if (stats_.fetched > 0)
      log_->info("mailbox {}: {} fetched; stage times (wall/cpu): {}", mailbox_.name, stats_.fetched, stats_.stages.line());
    return stats_;
  }

 private:
  // A fetched message on its way to its outcome: an ingest, or a quarantine
  // with its reason.
  struct Pending {
    InboundMessage msg;
    Decision decision;
    bool quarantine = false;
    std::string reason;
    std::int64_t size_bytes = -1;
    std::optional<QueuedMail> notice;
    // Oversized, from someone who gets acknowledgments: the notice to write
    // (by the committer, which writes every mail).
    std::optional<std::string> oversized_category;
  };

  // The fetcher's thread: each message fetched, parsed and classified into
  // chunks handed over to the committer; committed UIDs moved in between.
  void fetch_all(const std::vector<std::uint64_t>& uids, FetchPipe<std::vector<Pending>>& pipe,
                 std::optional<std::string>& error) {
    const MoveUids move = [&](const std::vector<std::uint64_t>& done) { mark_processed(done); };
    try {
      std::vector<Pending> chunk;
      std::size_t bytes = 0;
      bool open = true;
      for (const std::uint64_t uid : uids) {
        if (!(open = pipe.wait_for_room(move))) break;
        Pending p;
        if (auto e = take(uid, p)) {
          error = std::move(e);
          break;
        }
        bytes += p.msg.raw.size();
        chunk.push_back(std::move(p));
        if (chunk.size() >= static_cast<std::size_t>(mailbox_.batch_size) || bytes >= max_chunk_bytes) {
          open = pipe.hand_over(std::move(chunk), bytes, move);
          chunk = {};
          bytes = 0;
          if (!open) break;
        }
      }
      if (open && !chunk.empty()) pipe.hand_over(std::move(chunk), bytes, move);
    } catch (const std::exception& e) {
      error = std::string("fetching stopped: ") + e.what();
    }
    pipe.finish(move);
  }

  // The fetcher's thread: committed messages to the processed folder.
  void mark_processed(const std::vector<std::uint64_t>& done) {
    StageTimer move_timer(fetch_stats_.stages, Stage::move);
    if (auto r = source_.mark_processed(done); !r)
      log_->warn("mailbox {}: {} messages stored but not marked processed (next cycle retries): {}", mailbox_.name,
                 done.size(), r.error().message);
  }

  // The fetcher's counts and times, once its thread has ended.
  void add_fetch_side() {
    stats_.fetched += fetch_stats_.fetched;
    stats_.stages.add(fetch_stats_.stages);
  }

  CycleStats failed(const std::string& why) {
    stats_.fetch_failed = true;
    stats_.error = why;
    log_->error("mailbox {}: {}", mailbox_.name, why);
    // The health row records the failure; when the database itself is gone,
    // so is that, and the log says so.
    auto recorded = cycle_.stores_.intake.record_fetch(mailbox_.name, false, why);
    if (!recorded) {
      log_->warn("mailbox {}: the failure was not recorded in its health row (no admin alert this time): {}", mailbox_.name,
                 recorded.error().message);
      return stats_;
    }
    // The admin alert, once per run of failures, from the failure that makes
    // daemon.alert_after_failures in a row.
    if (recorded->alerted || recorded->consecutive_failures < cycle_.config_.daemon.alert_after_failures) return stats_;
    if (auto alert = cycle_.mail_.make_fetch_alert(mailbox_, recorded->consecutive_failures, why))
      if (auto queued = cycle_.stores_.intake.queue_fetch_alert(mailbox_.name, *alert); !queued)
        log_->warn("mailbox {}: the admin alert was not queued: {}", mailbox_.name, queued.error().message);
    return stats_;
  }

  // The folder's state (a new UIDVALIDITY starts it over), the leftovers of a
  // crash between commit and move marked processed, and the new UIDs.
  Result<std::vector<std::uint64_t>> prepare() {
    auto state = cycle_.stores_.intake.mailbox_state(mailbox_.name);
    if (!state) return state.error();
    auto folder = source_.status();
    if (!folder) return folder.error();
    uidvalidity_ = folder->uidvalidity;
    if (state->uidvalidity != folder->uidvalidity) {
      if (state->uidvalidity != 0)
        log_->warn("mailbox {}: UIDVALIDITY changed from {} to {}: re-scanning, known messages are skipped", mailbox_.name,
                   state->uidvalidity, folder->uidvalidity);
      if (auto r = cycle_.stores_.intake.reset_mailbox(mailbox_.name, folder->uidvalidity); !r) return r.error();
      state->last_uid = 0;
    }
    if (state->last_uid > 0) {
      auto leftovers = source_.search_uids(1, state->last_uid, mailbox_.processed_folder.empty());
      if (!leftovers) return leftovers.error();
      if (!leftovers->empty()) {
        if (auto r = source_.mark_processed(*leftovers); !r) return r.error();
        log_->info("mailbox {}: marked {} already-stored messages processed", mailbox_.name, leftovers->size());
      }
    }
    return source_.search_uids(state->last_uid + 1, 0, false);
  }

  // Fetches, parses and classifies one message into `p`; an error: the
  // server failed for now (the pass stops, the message stays).
  std::optional<std::string> take(std::uint64_t uid, Pending& p) {
    p.msg.mailbox = mailbox_.name;
    p.msg.uidvalidity = uidvalidity_;
    p.msg.uid = uid;
    auto raw = [&] {
      StageTimer t(fetch_stats_.stages, Stage::fetch);
      return source_.fetch(uid);
    }();
    if (!raw && raw.error().too_large()) return take_oversized(uid, p);
    if (!raw) {
      const MessageOutcome o = decide_outcome(Step::fetch, &raw.error(), 0, cycle_.config_.daemon.max_attempts);
      if (o.outcome != Outcome::quarantine) return raw.error().message;
      p.msg.content_sha256 = sha256_hex("");
      p.quarantine = true;
      p.reason = o.reason;
      return std::nullopt;
    }
    ++fetch_stats_.fetched;
    p.msg.raw = std::move(raw.value());
    p.msg.content_sha256 = sha256_hex(p.msg.raw);
    std::optional<Error> unreadable;
    {
      StageTimer t(fetch_stats_.stages, Stage::parse);
      try {
        p.msg.email = parsers::parse_email(p.msg.raw);
        const parsers::Email& e = p.msg.email;
        if (!e.from && e.message_id.empty() && e.subject.empty() && e.body_text.empty())
          unreadable = fail("no headers and no text could be read", true);
      } catch (const std::exception& e) {
        unreadable = fail(std::string("parser failed: ") + e.what(), true);
      }
    }
    const MessageOutcome o = decide_outcome(Step::parse, unreadable ? &*unreadable : nullptr, 0, 0);
    if (o.outcome == Outcome::quarantine) {
      p.quarantine = true;
      p.reason = o.reason;
      return std::nullopt;
    }
    StageTimer t(fetch_stats_.stages, Stage::classify);
    p.decision = classify(p.msg.email, mailbox_, cycle_.config_, cycle_.now_seconds());
    cycle_.set_due_times(p.decision, cycle_.now_seconds());
    return std::nullopt;
  }

  // Over daemon.max_message_bytes: not taken in, not lost: the headers and
  // the reason are kept, the message itself goes on to the processed folder,
  // the sender is told.
  std::optional<std::string> take_oversized(std::uint64_t uid, Pending& p) {
    auto size = source_.size_of(uid);
    auto header = source_.fetch_header(uid);
    if (!size && !size.error().permanent()) return size.error().message;
    if (!header && !header.error().permanent()) return header.error().message;
    p.msg.raw = header ? header.value() : std::string();
    p.msg.content_sha256 = sha256_hex(p.msg.raw);
    p.msg.email = parsers::parse_email(p.msg.raw);
    const std::uint64_t size_bytes = size ? size.value() : 0;
    p.quarantine = true;
    p.reason = "oversized: " + (size_bytes > 0 ? std::to_string(size_bytes) + " bytes" : std::string("larger")) +
               ", over daemon.max_message_bytes = " + std::to_string(cycle_.config_.daemon.max_message_bytes) +
               "; headers kept, the message is in the processed folder";
    p.size_bytes = static_cast<std::int64_t>(size_bytes);
    const Decision decision = classify(p.msg.email, mailbox_, cycle_.config_, cycle_.now_seconds());
    if (decision.make_request && decision.acknowledge) p.oversized_category = decision.category;
    return std::nullopt;
  }

  // Stores and moves the chunk (store/chunk_writer.hpp); an error: what is
  // stored is moved, the rest stays on the server for the next cycle.
  // The committer's thread: one chunk to the store; the UIDs whose outcome
  // is committed (to be moved), and the error that stopped it, if any.
  struct ChunkDone {
    std::vector<std::uint64_t> done;
    std::optional<std::string> error;
  };
  ChunkDone store_chunk(std::vector<Pending>& chunk) {
    std::vector<ChunkItem> items;
    items.reserve(chunk.size());
    for (Pending& p : chunk) {
      ChunkItem item;
      item.message = &p.msg;
      if (p.quarantine) {
        if (p.oversized_category)
          p.notice = cycle_.mail_.make_oversized_notice(p.msg.email, *p.oversized_category,
                                                        static_cast<std::uint64_t>(std::max<std::int64_t>(p.size_bytes, 0)));
        item.reason = p.reason;
        item.size_bytes = p.size_bytes;
        item.notice = p.notice;
      } else {
        item.decision = &p.decision;
      }
      items.push_back(std::move(item));
    }
    std::vector<StoredItem> out;
    Status stored = Ok{};
    {
      StageTimer t(stats_.stages, Stage::store);
      stored = cycle_.writer_.store(mailbox_.name, items, out);
    }
    ChunkDone result;
    for (std::size_t i = 0; i < chunk.size(); ++i) {
      if (!out[i].stored) continue;
      if (out[i].quarantined) {
        chunk[i].reason = out[i].reason;
        report_quarantine(chunk[i], out[i].quarantine_id);
      } else {
        report_ingest(chunk[i], out[i].result);
      }
      result.done.push_back(chunk[i].msg.uid);
    }
    if (!stored) result.error = stored.error().message;
    return result;
  }

  void report_quarantine(const Pending& p, std::int64_t id) {
    ++stats_.quarantined;
    log_->warn("mailbox {} uid {} <{}>: quarantined #{}: {}{}", mailbox_.name, p.msg.uid, p.msg.email.message_id, id, p.reason,
               p.notice ? ", sender told" : "");
  }

  void report_ingest(const Pending& p, const IngestResult& result) {
    const std::string from = p.msg.email.from ? p.msg.email.from->address : "?";
    switch (result.outcome) {
      case IngestOutcome::created: ++stats_.created; break;
      case IngestOutcome::joined: ++stats_.joined; break;
      case IngestOutcome::observed: ++stats_.observed; break;
      case IngestOutcome::duplicate: ++stats_.duplicates; break;
    }
    std::string quiet;
    if (result.flood_limited)
      quiet = ", quiet: flood limit (daemon.auto_reply_limit)";
    else if (!p.decision.quiet_reason.empty() && result.outcome == IngestOutcome::created)
      quiet = ", quiet: " + p.decision.quiet_reason;
    log_->info("{} <{}> from {}: {}{}{}{}", result.reference.empty() ? "-" : result.reference, p.msg.email.message_id, from,
               to_string(result.outcome), result.reply_role.empty() ? "" : " as " + result.reply_role,
               result.ack_queued ? ", acknowledgment queued" : "", quiet);
  }

  IntakeCycle& cycle_;
  const parsers::MailboxConfig& mailbox_;
  MailboxSource& source_;
  std::shared_ptr<spdlog::logger> log_;
  CycleStats stats_;        // the committer's
  CycleStats fetch_stats_;  // the fetcher's: fetched, and the fetch, parse, classify and move times
  std::uint64_t uidvalidity_ = 0;
};

CycleStats IntakeCycle::fetch_mailbox(const parsers::MailboxConfig& mailbox, MailboxSource& source) {
  return MailboxRun(*this, mailbox, source).run();
}

Result<IngestResult> IntakeCycle::reprocess(InboundMessage msg, const parsers::MailboxConfig& mailbox) {
  msg.content_sha256 = sha256_hex(msg.raw);
  try {
    msg.email = parsers::parse_email(msg.raw);
  } catch (const std::exception& e) {
    return fail(std::string("parser failed: ") + e.what(), true);
  }
  if (!msg.email.from && msg.email.message_id.empty() && msg.email.subject.empty() && msg.email.body_text.empty())
    return fail("no headers and no text could be read", true);
  Decision decision = classify(msg.email, mailbox, config_, now_seconds());
  set_due_times(decision, now_seconds());
  ChunkItem item;
  item.message = &msg;
  item.decision = &decision;
  return writer_.store_once(mailbox.name, item);
}

}  // namespace intake::daemon
