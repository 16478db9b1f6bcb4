// One intake cycle: fetch what is new in a mailbox, parse and classify it,
// store it (request and acknowledgment in one transaction), and only then mark
// it processed on the server; then drain the outbox. Every message ends in one
// explicit outcome, decided here.
#pragma once

#include <cstddef>
#include <string>

#include "clock.hpp"
#include "config.hpp"
#include "mail_sender.hpp"
#include "mailbox_source.hpp"
#include "record_store.hpp"
#include "templates.hpp"

namespace intake::daemon {

struct CycleStats {
  std::size_t fetched = 0, created = 0, joined = 0, observed = 0, duplicates = 0, quarantined = 0;
  std::size_t acks_sent = 0, acks_failed = 0;
  bool fetch_failed = false;
  bool send_failed = false;  // the mail server could not be reached
  std::string error;
};

// Who may get an automatic answer, and where a message goes.
Decision classify(const parsers::Email& email, const parsers::MailboxConfig& mailbox, const parsers::Config& config);

class IntakeCycle {
 public:
  IntakeCycle(const parsers::Config& config, RecordStore& store, const TemplateSet& templates, const Clock& clock);
  CycleStats fetch_mailbox(const parsers::MailboxConfig& mailbox, MailboxSource& source);
  CycleStats drain_outbox(MailSender& sender, int max_messages);
  // A quarantined message through parse, classify and store again (after a
  // parser fix); a permanent error says why it still cannot be taken.
  Result<IngestResult> reprocess(InboundMessage message, const parsers::MailboxConfig& mailbox);

 private:
  // An automatic answer to the sender of `email`, threaded to it.
  QueuedMail make_answer(const parsers::Email& email, const RenderedMail& rendered, const std::string& id_tag,
                         std::vector<std::pair<std::string, std::string>> extra_headers) const;
  std::optional<QueuedMail> make_acknowledgment(const parsers::Email& email, const RequestView& request);
  std::optional<QueuedMail> make_oversized_notice(const parsers::Email& email, const std::string& category,
                                                  std::uint64_t size_bytes);
  std::optional<QueuedMail> make_fetch_alert(const parsers::MailboxConfig& mailbox, int failures, const std::string& error);
  const parsers::Config& config_;
  RecordStore& store_;
  const TemplateSet& templates_;
  const Clock& clock_;
};

std::string sha256_hex(const std::string& data);

}  // namespace intake::daemon
