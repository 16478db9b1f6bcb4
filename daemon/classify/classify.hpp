// Stage 3: what a parsed message is (a request, observed mail, intake's own
// mail come back) and, for a request, its category, priority, requested
// time, missing facts and due times. Pure: the config, the message and the
// time come in, a Decision goes out; no database, no clock.
#pragma once

#include <chrono>

#include "daemon/core/business_calendar.hpp"
#include "daemon/core/request_values.hpp"
#include "parsers/common/email.hpp"
#include "parsers/config/config.hpp"

namespace intake::daemon {

// Who may get an automatic answer, and where a message goes. `now` is the
// fetch time; timeframe phrases are read against the message's own Date
// where that is plausible.
Decision classify(const parsers::Email& email, const parsers::MailboxConfig& mailbox, const parsers::Config& config,
                  std::chrono::sys_seconds now);

// Due times from the service level of the decision's category and priority,
// counted from `arrival`; a requested time later than the target moves the
// resolution to it, an earlier one is noted for the acknowledgment. Nothing
// changes when `service` is null or not configured. An error says why no
// due times could be set (logged by the caller).
Status set_due_times(Decision& decision, const ServicePolicy* service, std::chrono::sys_seconds arrival);

}  // namespace intake::daemon
