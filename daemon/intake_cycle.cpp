#include "intake_cycle.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <random>

#include "logging.hpp"
#include "mime_builder.hpp"
#include "mime_parser.hpp"

namespace intake::daemon {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// requests+it@example.test counts as requests@example.test.
std::string without_plus(const std::string& address) {
  std::string a = lower(address);
  auto at = a.find('@');
  auto plus = a.find('+');
  if (at == std::string::npos || plus == std::string::npos || plus > at) return a;
  return a.substr(0, plus) + a.substr(at);
}

bool in_list(const std::vector<parsers::Address>& list, const std::string& address) {
  const std::string want = without_plus(address);
  return std::any_of(list.begin(), list.end(), [&](const parsers::Address& a) { return without_plus(a.address) == want; });
}

bool is_no_reply(const std::string& address) {
  const std::string a = lower(address);
  const std::string local = a.substr(0, a.find('@'));
  for (const char* p : {"noreply", "no-reply", "no_reply", "donotreply", "do-not-reply", "mailer-daemon", "postmaster"})
    if (local.find(p) != std::string::npos) return true;
  return false;
}

std::string random_hex(std::size_t bytes) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes; ++i) {
    auto v = static_cast<unsigned>(rng() & 0xff);
    out += digits[v >> 4];
    out += digits[v & 15];
  }
  return out;
}

std::string domain_of(const std::string& address) {
  auto at = address.find('@');
  return at == std::string::npos ? "intake.invalid" : address.substr(at + 1);
}

}  // namespace

std::string sha256_hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += digits[digest[i] >> 4];
    out += digits[digest[i] & 15];
  }
  return out;
}

Decision classify(const parsers::Email& email, const parsers::MailboxConfig& mailbox, const parsers::Config& config) {
  Decision d;
  d.category = mailbox.default_category;
  const std::string from = email.from ? email.from->address : std::string();
  const bool addressed = in_list(email.to, mailbox.address) || (mailbox.accept_cc && in_list(email.cc, mailbox.address));
  if (!addressed && !mailbox.accept_cc) {
    d.make_request = false;
    d.acknowledge = false;
    d.quiet_reason = "shared address only in Cc or Bcc";
    return d;
  }
  if (email.kind == parsers::MessageKind::bounce) {
    d.make_request = false;
    d.acknowledge = false;
    d.quiet_reason = "bounce";
    return d;
  }
  if (email.kind != parsers::MessageKind::human) {
    d.acknowledge = false;
    d.quiet_reason = std::string("kind ") + parsers::to_string(email.kind);
  } else if (from.empty()) {
    d.acknowledge = false;
    d.quiet_reason = "no sender address";
  } else if (!email.loop_header.empty()) {
    d.acknowledge = false;
    d.quiet_reason = "carries intake's loop header";
  } else if (without_plus(from) == without_plus(config.smtp.from) ||
             std::any_of(config.mailboxes.begin(), config.mailboxes.end(),
                         [&](const parsers::MailboxConfig& m) { return without_plus(m.address) == without_plus(from); })) {
    d.acknowledge = false;
    d.quiet_reason = "sent by intake's own address";
  } else if (is_no_reply(from)) {
    d.acknowledge = false;
    d.quiet_reason = "no-reply sender";
  }
  return d;
}

IntakeCycle::IntakeCycle(const parsers::Config& config, RecordStore& store, const TemplateSet& templates, const Clock& clock)
    : config_(config), store_(store), templates_(templates), clock_(clock) {}

std::optional<QueuedMail> IntakeCycle::make_fetch_alert(const parsers::MailboxConfig& mailbox, int failures,
                                                         const std::string& error) {
  if (config_.daemon.admin_address.empty()) return std::nullopt;
  nlohmann::json values = {
      {"mailbox", mailbox.name},
      {"address", mailbox.address},
      {"host", mailbox.host},
      {"failures", failures},
      {"error", error},
      {"desk_name", config_.smtp.from_name.empty() ? config_.smtp.from : config_.smtp.from_name},
  };
  auto rendered = templates_.render("fetch_alert", "", values);
  if (!rendered) {
    stage_logger("fetch")->error("mailbox {}: admin alert not rendered: {}", mailbox.name, rendered.error().message);
    return std::nullopt;
  }
  MessageSpec spec;
  spec.from = {config_.smtp.from_name, config_.smtp.from};
  spec.to = {{"", config_.daemon.admin_address}};
  spec.subject = rendered->subject;
  spec.message_id = "intake.alert." + random_hex(12) + "@" + domain_of(config_.smtp.from);
  spec.date = clock_.now();
  spec.text = rendered->text;
  spec.html = rendered->html;
  spec.extra_headers = {{"Auto-Submitted", "auto-generated"}, {"X-Intake-Loop", config_.smtp.from}};
  QueuedMail q;
  q.mail.mail_from = config_.smtp.from;
  q.mail.rcpt_to = {config_.daemon.admin_address};
  q.mail.raw = build_message(spec);
  q.message_id = spec.message_id;
  q.subject = spec.subject;
  stage_logger("fetch")->error("mailbox {}: {} failed fetches in a row: admin {} alerted", mailbox.name, failures,
                               config_.daemon.admin_address);
  return q;
}

namespace {
// Who an automatic answer to `email` goes to: Reply-To, else From.
parsers::Address answer_address(const parsers::Email& email) {
  return !email.reply_to.empty() ? email.reply_to.front() : *email.from;
}
std::string display_name(const parsers::Email& email, const parsers::Address& to) {
  if (!to.name.empty()) return to.name;
  return email.from && !email.from->name.empty() ? email.from->name : to.address;
}
}  // namespace

QueuedMail IntakeCycle::make_answer(const parsers::Email& email, const RenderedMail& rendered, const std::string& id_tag,
                                    std::vector<std::pair<std::string, std::string>> extra_headers) const {
  const parsers::Address to = answer_address(email);
  MessageSpec spec;
  spec.from = {config_.smtp.from_name, config_.smtp.from};
  spec.to = {to};
  spec.subject = rendered.subject;
  // The tag (a request reference) is in our Message-ID, so any reply threads back to it.
  spec.message_id = "intake." + id_tag + "." + random_hex(8) + "@" + domain_of(config_.smtp.from);
  spec.in_reply_to = email.message_id;
  spec.references = email.references;
  if (!email.message_id.empty()) spec.references.push_back(email.message_id);
  spec.date = clock_.now();
  spec.text = rendered.text;
  spec.html = rendered.html;
  spec.extra_headers = {{"Auto-Submitted", "auto-replied"},
                        {"X-Auto-Response-Suppress", "All"},
                        {"X-Intake-Loop", config_.smtp.from}};
  for (auto& h : extra_headers) spec.extra_headers.push_back(std::move(h));
  QueuedMail q;
  q.mail.mail_from = config_.smtp.from;
  q.mail.rcpt_to = {to.address};
  q.mail.raw = build_message(spec);
  q.message_id = spec.message_id;
  q.subject = spec.subject;
  return q;
}

std::optional<QueuedMail> IntakeCycle::make_acknowledgment(const parsers::Email& email, const RequestView& request) {
  const parsers::Address to = answer_address(email);
  const std::string name = display_name(email, to);
  nlohmann::json values = {
      {"reference", request.reference},
      {"subject", email.subject.empty() ? std::string("(no subject)") : email.subject},
      {"requester_name", name},
      {"requester_first_name", name.substr(0, name.find(' '))},
      {"requester_address", to.address},
      {"category", request.category},
      {"priority", request.priority},
      {"desk_name", config_.smtp.from_name.empty() ? config_.smtp.from : config_.smtp.from_name},
  };
  auto rendered = templates_.render("acknowledgment", request.category, values);
  if (!rendered) {
    stage_logger("respond")->error("{}: acknowledgment not rendered: {}", request.reference, rendered.error().message);
    return std::nullopt;
  }
  return make_answer(email, *rendered, request.reference, {{"X-Intake-Reference", request.reference}});
}

std::optional<QueuedMail> IntakeCycle::make_oversized_notice(const parsers::Email& email, const std::string& category,
                                                             std::uint64_t size_bytes) {
  const parsers::Address to = answer_address(email);
  const std::string name = display_name(email, to);
  auto megabytes = [](std::uint64_t bytes) {
    const std::uint64_t tenths = (bytes * 10 + 524288) / 1048576;
    return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " MB";
  };
  nlohmann::json values = {
      {"subject", email.subject.empty() ? std::string("(no subject)") : email.subject},
      {"requester_name", name},
      {"requester_first_name", name.substr(0, name.find(' '))},
      {"requester_address", to.address},
      {"size", size_bytes > 0 ? megabytes(size_bytes) : std::string("more than ") +
                                    megabytes(static_cast<std::uint64_t>(config_.daemon.max_message_bytes))},
      {"limit", megabytes(static_cast<std::uint64_t>(config_.daemon.max_message_bytes))},
      {"desk_name", config_.smtp.from_name.empty() ? config_.smtp.from : config_.smtp.from_name},
  };
  auto rendered = templates_.render("oversized_notice", category, values);
  if (!rendered) {
    stage_logger("respond")->error("<{}>: oversized notice not rendered: {}", email.message_id, rendered.error().message);
    return std::nullopt;
  }
  return make_answer(email, *rendered, "oversized", {});
}

CycleStats IntakeCycle::fetch_mailbox(const parsers::MailboxConfig& mailbox, MailboxSource& source) {
  auto log = stage_logger("fetch");
  CycleStats stats;
  auto failed = [&](const std::string& why) {
    stats.fetch_failed = true;
    stats.error = why;
    log->error("mailbox {}: {}", mailbox.name, why);
    (void)store_.record_fetch(mailbox.name, false, why, config_.daemon.alert_after_failures,
                              [&](int failures) { return make_fetch_alert(mailbox, failures, why); });
    return stats;
  };

  auto state = store_.mailbox_state(mailbox.name);
  if (!state) return failed(state.error().message);
  auto folder = source.status();
  if (!folder) return failed(folder.error().message);
  if (state->uidvalidity != folder->uidvalidity) {
    if (state->uidvalidity != 0)
      log->warn("mailbox {}: UIDVALIDITY changed from {} to {}: re-scanning, known messages are skipped", mailbox.name,
                state->uidvalidity, folder->uidvalidity);
    if (auto r = store_.reset_mailbox(mailbox.name, folder->uidvalidity); !r) return failed(r.error().message);
    state->uidvalidity = folder->uidvalidity;
    state->last_uid = 0;
  }

  // Committed earlier but not yet moved or flagged (a crash in between).
  if (state->last_uid > 0) {
    auto leftovers = source.search_uids(1, state->last_uid, mailbox.processed_folder.empty());
    if (!leftovers) return failed(leftovers.error().message);
    if (!leftovers->empty()) {
      if (auto r = source.mark_processed(*leftovers); !r) return failed(r.error().message);
      log->info("mailbox {}: marked {} already-stored messages processed", mailbox.name, leftovers->size());
    }
  }

  auto uids = source.search_uids(state->last_uid + 1, 0, false);
  if (!uids) return failed(uids.error().message);
  const std::size_t batch = static_cast<std::size_t>(mailbox.batch_size);
  for (std::size_t start = 0; start < uids->size(); start += batch) {
    std::vector<std::uint64_t> done;
    for (std::size_t i = start; i < std::min(uids->size(), start + batch); ++i) {
      const std::uint64_t uid = (*uids)[i];
      InboundMessage msg;
      msg.mailbox = mailbox.name;
      msg.uidvalidity = folder->uidvalidity;
      msg.uid = uid;
      auto raw = source.fetch(uid);
      if (!raw && raw.error().too_large) {
        // Not taken in, not lost: the headers and the reason are kept, the
        // message itself goes on to the processed folder, the sender is told.
        auto size = source.size_of(uid);
        auto header = source.fetch_header(uid);
        if ((!size && !size.error().permanent) || (!header && !header.error().permanent)) {
          if (!done.empty()) (void)source.mark_processed(done);
          return failed(!size ? size.error().message : header.error().message);
        }
        msg.raw = header ? header.value() : std::string();
        msg.content_sha256 = sha256_hex(msg.raw);
        msg.email = parsers::parse_email(msg.raw);
        const std::uint64_t size_bytes = size ? size.value() : 0;
        const std::string reason = "oversized: " + (size_bytes > 0 ? std::to_string(size_bytes) + " bytes" : std::string("larger")) +
                                   ", over daemon.max_message_bytes = " + std::to_string(config_.daemon.max_message_bytes) +
                                   "; headers kept, the message is in the processed folder";
        const Decision decision = classify(msg.email, mailbox, config_);
        std::optional<QueuedMail> notice;
        if (decision.make_request && decision.acknowledge)
          notice = make_oversized_notice(msg.email, decision.category, size_bytes);
        auto q = store_.quarantine(msg, reason, static_cast<std::int64_t>(size_bytes), notice);
        if (!q) return failed(q.error().message);
        ++stats.quarantined;
        log->warn("mailbox {} uid {} <{}>: quarantined #{}: {}{}", mailbox.name, uid, msg.email.message_id, *q, reason,
                  notice ? ", sender told" : "");
        done.push_back(uid);
        continue;
      }
      if (!raw) {
        if (!raw.error().permanent) {
          if (!done.empty()) (void)source.mark_processed(done);
          return failed(raw.error().message);
        }
        msg.raw = "";
        msg.content_sha256 = sha256_hex("");
        auto q = store_.quarantine(msg, raw.error().message, -1, std::nullopt);
        if (!q) return failed(q.error().message);
        ++stats.quarantined;
        log->warn("mailbox {} uid {}: quarantined #{}: {}", mailbox.name, uid, *q, raw.error().message);
        done.push_back(uid);
        continue;
      }
      ++stats.fetched;
      msg.raw = std::move(raw.value());
      msg.content_sha256 = sha256_hex(msg.raw);
      std::string parse_error;
      try {
        msg.email = parsers::parse_email(msg.raw);
        if (!msg.email.from && msg.email.message_id.empty() && msg.email.subject.empty() && msg.email.body_text.empty())
          parse_error = "no headers and no text could be read";
      } catch (const std::exception& e) {
        parse_error = std::string("parser failed: ") + e.what();
      }
      if (!parse_error.empty()) {
        auto q = store_.quarantine(msg, parse_error, -1, std::nullopt);
        if (!q) return failed(q.error().message);
        ++stats.quarantined;
        log->warn("mailbox {} uid {}: quarantined #{}: {}", mailbox.name, uid, *q, parse_error);
        done.push_back(uid);
        continue;
      }
      const Decision decision = classify(msg.email, mailbox, config_);
      auto result = store_.ingest(msg, decision, [&](const RequestView& r) { return make_acknowledgment(msg.email, r); });
      if (!result) {
        // Nothing of this message is committed; it stays on the server for the next cycle.
        if (!done.empty()) (void)source.mark_processed(done);
        return failed(result.error().message);
      }
      done.push_back(uid);
      const std::string from = msg.email.from ? msg.email.from->address : "?";
      switch (result->outcome) {
        case IngestOutcome::created: ++stats.created; break;
        case IngestOutcome::joined: ++stats.joined; break;
        case IngestOutcome::observed: ++stats.observed; break;
        case IngestOutcome::duplicate: ++stats.duplicates; break;
      }
      log->info("{} <{}> from {}: {}{}{}", result->reference.empty() ? "-" : result->reference, msg.email.message_id, from,
                to_string(result->outcome), result->ack_queued ? ", acknowledgment queued" : "",
                decision.quiet_reason.empty() || result->outcome != IngestOutcome::created ? ""
                                                                                         : ", quiet: " + decision.quiet_reason);
    }
    if (auto r = source.mark_processed(done); !r)
      log->warn("mailbox {}: {} messages stored but not marked processed (next cycle retries): {}", mailbox.name,
                done.size(), r.error().message);
  }
  (void)store_.record_fetch(mailbox.name, true, "", config_.daemon.alert_after_failures, nullptr);
  return stats;
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
  const Decision decision = classify(msg.email, mailbox, config_);
  return store_.ingest(msg, decision, [&](const RequestView& r) { return make_acknowledgment(msg.email, r); });
}

CycleStats IntakeCycle::drain_outbox(MailSender& sender, int max_messages) {
  auto log = stage_logger("respond");
  CycleStats stats;
  int left = max_messages;
  while (left > 0) {
    // One at a time: a crash can then leave at most one row whose send may or
    // may not have completed.
    auto items = store_.claim_outbox(1, config_.daemon.resend_interrupted_after_s);
    if (!items) {
      log->error("outbox: {}", items.error().message);
      stats.error = items.error().message;
      break;
    }
    if (items->empty()) break;
    left -= static_cast<int>(items->size());
    for (const auto& item : *items) {
      if (item.interrupted > 0)
        log->warn("{}: {} #{} was cut off mid-send {} time(s) (crash?); sending again, its recipient may get it twice",
                  item.reference, item.purpose, item.id, item.interrupted);
      Status sent = sender.send(item.mail);
      if (sent) {
        ++stats.acks_sent;
        log->info("{}: {} sent to {}", item.reference, item.purpose, item.mail.rcpt_to.empty() ? "?" : item.mail.rcpt_to[0]);
      } else {
        ++stats.acks_failed;
        if (!sent.error().unreachable)
          log->warn("{}: {} not sent ({}): {}", item.reference, item.purpose,
                    sent.error().permanent ? "permanent" : "will retry", sent.error().message);
      }
      if (auto r = store_.finish_outbox(item.id, sent); !r) log->error("outbox #{}: {}", item.id, r.error().message);
      if (!sent && sent.error().unreachable) {
        // The rest would fail the same way: they wait in the outbox (with
        // backoff) for the next cycle, and the log says so once.
        stats.send_failed = true;
        stats.error = sent.error().message;
        log->error("outbox: the mail server is unreachable, sending stops for this cycle: {}", sent.error().message);
        return stats;
      }
    }
  }
  return stats;
}

}  // namespace intake::daemon
