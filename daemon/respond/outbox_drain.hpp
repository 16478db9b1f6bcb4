// Stage 5's sending: the outbox drained over the sender port, one claimed row
// at a time per lane (a row is marked sending and committed before its bytes
// go out), over one lane or several at once (smtp.connections), and the
// due-soon and overdue alerts queued once each.
#pragma once

#include <functional>

#include "daemon/core/mail_sender.hpp"
#include "daemon/core/outbox_store.hpp"
#include "daemon/core/stage_times.hpp"
#include "daemon/respond/mail_composer.hpp"
#include "parsers/config/config.hpp"

namespace intake::daemon {

// What an outbox row's log lines are about: its request (REQ-1042), else the
// row itself ("outbox #12": a summary, an admin alert).
std::string outbox_subject(const OutboxItem& item);

// At most `max_messages`, one at a time; an unreachable server stops the
// drain (the rest wait), and so does `stop` returning true between two mails.
CycleStats drain_outbox(OutboxStore& store, MailSender& sender, const parsers::Config& config, int max_messages,
                        const std::function<bool()>& stop = {});

// One sending lane: a database connection and an SMTP connection of its own
// (claims skip the rows another lane holds: FOR UPDATE SKIP LOCKED).
struct SendLane {
  OutboxStore* store = nullptr;
  MailSender* sender = nullptr;
};

// The same over several lanes at once, `max_messages` shared among them. The
// first lane runs on the calling thread and claims first; the others start,
// each on a thread of its own, only when that claim found a row. An
// unreachable server or `stop` (called from every lane: it must be
// thread-safe) stops all lanes after their current mail. While the calling
// thread waits for the others, it calls `waiting` about every half second
// (the watchdog's heartbeat lives on that thread).
CycleStats drain_outbox(const std::vector<SendLane>& lanes, const parsers::Config& config, int max_messages,
                        const std::function<bool()>& stop = {}, const std::function<void()>& waiting = {});
// Queues the due-soon and overdue alerts that are due (once each): read,
// rendered here, then written.
void queue_due_alerts(OutboxStore& store, const MailComposer& composer, const parsers::Config& config);

}  // namespace intake::daemon
