#include "daemon/classify/classify.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "daemon/classify/trust.hpp"
#include "daemon/core/local_time.hpp"
#include "parsers/common/strings.hpp"
#include "parsers/request/request_fields.hpp"

namespace intake::daemon {
namespace {

bool in_list(const std::vector<parsers::Address>& list, const std::string& address) {
  const std::string want = parsers::address_without_plus(address);
  return std::any_of(list.begin(), list.end(), [&](const parsers::Address& a) { return parsers::address_without_plus(a.address) == want; });
}

bool is_no_reply(const std::string& address, const std::vector<std::string>& patterns) {
  const std::string a = parsers::ascii_lower(address);
  const std::string local = a.substr(0, a.find('@'));
  for (const auto& p : patterns)
    if (local.find(parsers::ascii_lower(p)) != std::string::npos) return true;
  return false;
}

// The week a request's time phrases are read against: the hours of the
// calendar its category is served by (the category's [service_levels]
// calendar, else the [service_levels] one, as service_level_for picks it), or
// the config's only [[calendar]] when no service levels name one; without a
// calendar, office hours to requests.day_end_hour. A day's hours are its first
// opening and last closing, read as wall-clock times in the requester's zone:
// "first thing tomorrow" is the requester's morning, when the desk's working
// day starts, not the desk's opening converted to another continent's night.
// Cheap: a lookup by name, no allocation (it runs for every message).
parsers::WorkingWeek working_week(const parsers::Config& config, const std::string& category) {
  parsers::WorkingWeek week = parsers::WorkingWeek::office_hours(config.requests.day_end_hour);
  const parsers::CalendarConfig* calendar = nullptr;
  const parsers::ServiceLevelsConfig& levels = config.service_levels;
  if (levels.configured) {
    const auto own = levels.categories.find(category);
    const std::string& name =
        own != levels.categories.end() && !own->second.calendar.empty() ? own->second.calendar : levels.calendar;
    for (const parsers::CalendarConfig& c : config.calendars)
      if (c.name == name) calendar = &c;
  } else if (config.calendars.size() == 1) {
    calendar = &config.calendars.front();
  }
  if (calendar == nullptr) return week;
  for (std::size_t d = 0; d < week.days.size(); ++d) {
    const std::vector<parsers::TimeRange>& ranges = calendar->hours[d];
    // Sorted and not overlapping (parse_config checked): the last ends last.
    week.days[d] = ranges.empty() ? parsers::WorkingDay{} : parsers::WorkingDay{ranges.front().start_min, ranges.back().end_min};
  }
  return week;
}

// Category, priority, requested time and missing facts, from the config and the text.
void read_request_fields(const parsers::Email& email, const parsers::MailboxConfig& mailbox, const parsers::Config& config,
                         std::chrono::sys_seconds now, Decision& d) {
  const parsers::Employee* requester = email.from ? config.employee(email.from->address) : nullptr;
  const parsers::Routing routing = parsers::route_request(email, mailbox, config, requester);
  d.category = routing.category;
  d.routing_reason = routing.reason;
  const parsers::CategoryConfig* category = config.category(d.category);
  const parsers::PriorityChoice priority = parsers::choose_priority(email, category, config.requests);
  d.priority = priority.priority;
  d.priority_reason = priority.reason;
  d.requester_department = requester ? requester->department : std::string();
  d.time_zone = requester && !requester->time_zone.empty() ? requester->time_zone : config.requests.time_zone;
  // "Tomorrow" means the day after the requester wrote, not after we fetched:
  // the Date header is the reference when it is plausible.
  std::chrono::sys_seconds written = now;
  if (email.date && *email.date <= now + std::chrono::hours(24) && *email.date >= now - std::chrono::hours(24 * 30))
    written = *email.date;
  const std::string text = email.subject + "\n" + email.request_text;
  if (auto t = parsers::find_requested_time(text, to_local(written, d.time_zone), working_week(config, d.category))) {
    d.requested_by = from_local(t->by, d.time_zone);
    d.requested_by_phrase = t->phrase;
  }
  if (category != nullptr) d.missing = parsers::missing_facts(email.subject, email.request_text, *category);
}

}  // namespace

Decision classify(const parsers::Email& email, const parsers::MailboxConfig& mailbox, const parsers::Config& config,
                  std::chrono::sys_seconds now) {
  Decision d;
  d.category = mailbox.default_category;
  read_request_fields(email, mailbox, config, now, d);
  const std::string from = email.from ? email.from->address : std::string();
  // intake's own mail come back (an acknowledgment delivered into a shared
  // mailbox, a copy through an alias): observed, never a request or a reply.
  const bool own_address = parsers::address_without_plus(from) == parsers::address_without_plus(config.smtp.from) ||
                           std::any_of(config.mailboxes.begin(), config.mailboxes.end(), [&](const parsers::MailboxConfig& m) {
                             return parsers::address_without_plus(m.address) == parsers::address_without_plus(from);
                           });
  const std::string own_id_suffix = "@" + parsers::ascii_lower(parsers::domain_of(config.smtp.from));
  const std::string id = parsers::ascii_lower(email.message_id);
  const bool own_id = id.rfind("intake.", 0) == 0 && id.size() > own_id_suffix.size() &&
                      id.compare(id.size() - own_id_suffix.size(), own_id_suffix.size(), own_id_suffix) == 0;
  if (!email.loop_header.empty() || own_id || own_address) {
    d.make_request = false;
    d.acknowledge = false;
    d.own_mail = true;
    d.quiet_reason = !email.loop_header.empty() ? "carries intake's loop header"
                     : own_id                   ? "intake's own Message-ID"
                                                : "sent by intake's own address";
    return d;
  }
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
  // Only colleagues make requests: anyone else's mail is kept and observed,
  // never answered (no backscatter to forged senders).
  if (!from.empty() && !parsers::sender_accepted(config, from)) {
    d.make_request = false;
    d.acknowledge = false;
    d.outside = true;
    d.quiet_reason = "sender outside requests.accept_from_domains and the directory";
    // Answered only where the sender is known to be who they say (no
    // backscatter to a forged address), and never an automatic mail.
    d.answer_outside = config.requests.outside_notice && email.kind == parsers::MessageKind::human &&
                       !is_no_reply(from, config.requests.no_reply_patterns) &&
                       authenticate_sender(email, config.trust.authserv_ids).verdict == AuthVerdict::passed;
    return d;
  }
  // A colleague's address the company's own servers found forged (a failed
  // check, not a missing one) is treated as outside too.
  if (!from.empty() && !config.trust.authserv_ids.empty()) {
    const SenderAuth auth = authenticate_sender(email, config.trust.authserv_ids);
    if (auth.verdict == AuthVerdict::failed) {
      d.make_request = false;
      d.acknowledge = false;
      d.outside = true;
      d.quiet_reason = "authentication failed for the sender's domain (" + auth.detail + ")";
      return d;
    }
  }
  if (email.kind != parsers::MessageKind::human) {
    d.acknowledge = false;
    d.quiet_reason = std::string("kind ") + parsers::to_string(email.kind);
  } else if (from.empty()) {
    d.acknowledge = false;
    d.quiet_reason = "no sender address";
  } else if (is_no_reply(from, config.requests.no_reply_patterns)) {
    d.acknowledge = false;
    d.quiet_reason = "no-reply sender";
  }
  return d;
}

Status set_due_times(Decision& decision, const ServicePolicy* service, std::chrono::sys_seconds arrival) {
  if (service == nullptr || !service->configured()) return Ok{};
  // Waiting on the requester from the start: the clock starts when the
  // missing facts arrive (ReplyRules' start_clock), and the due times are set then.
  if (!decision.missing.empty()) return Ok{};
  const auto level = service->level_for(decision.category, decision.priority);
  if (!level) return Ok{};
  std::optional<std::chrono::system_clock::time_point> requested;
  if (decision.requested_by) requested = *decision.requested_by;
  auto due = compute_due_times(*level, arrival, requested);
  if (!due) return due.error();
  decision.due_first_response = due->due_first_response;
  decision.due_resolution = due->due_resolution;
  decision.requested_earlier = due->requested == RequestedTime::earlier_than_target;
  return Ok{};
}

}  // namespace intake::daemon
