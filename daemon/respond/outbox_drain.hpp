// Stage 5's sending: the outbox drained over the sender port, one claimed row
// at a time (a row is marked sending and committed before its bytes go out),
// and the due-soon and overdue alerts queued once each.
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
// Queues the due-soon and overdue alerts that are due (once each): read,
// rendered here, then written.
void queue_due_alerts(OutboxStore& store, const MailComposer& composer, const parsers::Config& config);

}  // namespace intake::daemon
