#include "daemon/store/ingest_planner.hpp"

#include <map>
#include <set>

#include "daemon/classify/thread_match.hpp"
#include "parsers/common/strings.hpp"
#include "parsers/common/time_text.hpp"

namespace intake::daemon {
namespace {

std::string sender_of(const parsers::Email& e) { return e.from ? e.from->address : std::string(); }

// The history line of a new request: where it was routed and why.
std::string created_detail(const RequestView& view, const Decision& decision) {
  std::string detail = "category " + view.category + " (" + decision.routing_reason + "), priority " + view.priority + " (" +
                       decision.priority_reason + ")";
  if (!decision.requested_by_phrase.empty())
    detail += ", requested by " + parsers::iso_utc(decision.requested_by) + " (\"" + decision.requested_by_phrase + "\")";
  return detail;
}

// A reply's plan applied to `view` (which then shows the request as the
// change leaves it): the row's changes and the history lines, in the order
// a reader expects them. The status machine decides every move.
RequestChange apply_reply(RequestView& view, const ReplyPlan& reply, const std::string& by, bool about_message,
                          std::vector<PlannedEvent>& events) {
  RequestChange change;
  change.version = view.version;
  auto event = [&](std::string type, std::string detail) {
    events.push_back({std::move(type), by, std::move(detail), about_message});
  };
  for (const auto& e : reply.events) event(e.type, e.detail);
  if (reply.new_status && *reply.new_status != view.status) {
    const std::string from = to_string(view.status), to = to_string(*reply.new_status);
    if (status_move_allowed(view.status, *reply.new_status)) {
      change.status = *reply.new_status;
      change.resolved = resolved_mark(*reply.new_status);
      change.reopened = is_reopening(view.status);
      view.status = *reply.new_status;
      event(reply.reopened ? "reopened" : "status_changed", from + " -> " + to);
    } else {
      event("status_refused", from + " -> " + to + " is not allowed (from " + from + ": " + allowed_moves(view.status) + ")");
    }
  }
  if (reply.missing) {
    change.missing = reply.missing;
    view.missing = *reply.missing;
  }
  if (!reply.owner.empty() && reply.owner != view.owner) {
    event("assigned", (view.owner.empty() ? "nobody" : view.owner) + " -> " + reply.owner);
    change.owner = reply.owner;
    view.owner = reply.owner;
  }
  if (!reply.priority.empty() && reply.priority != view.priority) {
    event("priority_changed", view.priority + " -> " + reply.priority);
    change.priority = reply.priority;
    view.priority = reply.priority;
  }
  if (reply.start_clock && reply.due_first_response && !view.due_first_response) {
    event("clock_started", "first response due " + parsers::iso_utc(reply.due_first_response) + ", resolution due " +
                               parsers::iso_utc(reply.due_resolution));
    change.due_first_response = view.due_first_response = reply.due_first_response;
    change.due_resolution = view.due_resolution = reply.due_resolution;
  }
  change.first_response = reply.first_response;
  change.thanks = reply.thanks;
  return change;
}

void add_reply_mails(const ReplyPlan& reply, const RequestView& view, const std::string& by, bool about_message,
                     IngestPlan& plan) {
  for (const auto& [purpose, mail] : reply.mails) {
    plan.events.push_back({purpose + "_queued", by, "to " + parsers::join(mail.mail.rcpt_to, ","), about_message});
    plan.mails.push_back({purpose, mail, true, view.request_message_id});
  }
}

// The chunk's working knowledge: the snapshot, with what earlier messages of
// the chunk add to it as they are planned.
struct Known {
  std::set<std::string> stored_in;
  std::map<std::string, std::int64_t> request_of_message;

  explicit Known(const IngestSnapshot& s) : stored_in(s.stored_in), request_of_message(s.request_of_message) {}
};

PlanOutline outline_one(const ChunkItem& item, std::size_t index, const IngestSnapshot& snapshot, Known& known) {
  PlanOutline o;
  if (item.decision == nullptr) {
    o.kind = PlanKind::quarantine;
    return o;
  }
  const parsers::Email& e = item.message->email;
  if (!known.stored_in.insert(stored_message_id(*item.message)).second) return o;  // duplicate
  if (item.decision->own_mail || (!e.message_id.empty() && snapshot.sent_out.count(e.message_id) > 0)) {
    o.kind = PlanKind::own_copy;
    return o;
  }
  if (auto thread = match_thread(e, known.request_of_message, snapshot.request_of_number)) {
    o.kind = PlanKind::joined;
    o.request_id = *thread;
  } else if (item.decision->make_request) {
    o.kind = PlanKind::created;
    o.request_id = snapshot.request_ids.at(index);
  } else {
    o.kind = PlanKind::observed;
    return o;
  }
  if (!e.message_id.empty()) known.request_of_message.emplace(e.message_id, o.request_id);
  return o;
}

// Builds the plans of one chunk in order (build_plans).
class ChunkPlanner {
 public:
  ChunkPlanner(const IngestSnapshot& snapshot, const std::vector<std::int64_t>& numbers, const PlanContext& context)
      : views_(snapshot.requests), acks_sent_(snapshot.acks_sent), numbers_(numbers), context_(context) {}

  IngestPlan plan(const ChunkItem& item, const PlanOutline& outline, std::int64_t message_row) {
    const parsers::Email& for_mail = (item.fetched != nullptr ? item.fetched : item.message)->email;
    IngestPlan p;
    p.kind = outline.kind;
    p.message = item.message;
    p.message_row = message_row;
    p.request_id = outline.request_id;
    switch (outline.kind) {
      case PlanKind::duplicate: p.result.outcome = IngestOutcome::duplicate; break;
      case PlanKind::own_copy:
        p.role = "own_copy";
        p.result.outcome = IngestOutcome::observed;
        break;
      case PlanKind::observed:
        p.role = item.decision->outside ? "outside" : "observed";
        p.result.outcome = IngestOutcome::observed;
        if (item.decision->answer_outside) answer_outside(for_mail, p);
        break;
      case PlanKind::joined: join(*item.message, for_mail, p); break;
      case PlanKind::created: create(*item.message, for_mail, *item.decision, p); break;
      case PlanKind::quarantine:
        p.reason = item.reason;
        p.size_bytes = item.size_bytes;
        if (item.notice) p.mails.push_back({"oversized_notice", *item.notice, false, ""});
        break;
      case PlanKind::change: break;  // not from a message (plan_change)
    }
    return p;
  }

 private:
  void join(const InboundMessage& m, const parsers::Email& for_mail, IngestPlan& p) {
    RequestView& view = views_.at(p.request_id);
    const ReplyPlan reply = context_.mails.reply(for_mail, view);
    const std::string by = sender_of(m.email);
    p.role = reply.role;
    p.change = apply_reply(view, reply, by, true, p.events);
    if (reply.feedback) p.feedback = PlannedFeedback{*reply.feedback, by, view.owner};
    for (const auto& [purpose, mail] : reply.mails)
      if (purpose == "command_rejected_notice") view.rejected_command_told = true;  // once per request
    add_reply_mails(reply, view, by, true, p);
    p.result.outcome = IngestOutcome::joined;
    p.result.reference = view.reference;
    p.result.reply_role = reply.role;
  }

  void create(const InboundMessage& m, const parsers::Email& for_mail, const Decision& d, IngestPlan& p) {
    const parsers::Email& e = m.email;
    NewRequest row;
    row.number = numbers_.at(next_number_++);
    row.requested_by_phrase = d.requested_by_phrase;
    row.requester_department = d.requester_department;
    RequestView& v = row.view;
    v.id = p.request_id;
    v.reference = "REQ-" + std::to_string(row.number);
    v.category = d.category;
    v.priority = d.priority;
    v.status = initial_status(!d.missing.empty());
    v.requester_address = sender_of(e);
    v.requester_name = e.from ? e.from->name : std::string();
    v.subject = e.subject;
    // The request's own Message-ID for threading its mails; none for a sha256: one.
    if (e.message_id.rfind("sha256:", 0) != 0) v.request_message_id = e.message_id;
    v.time_zone = d.time_zone;
    v.request_text = e.request_text.empty() ? e.body_text : e.request_text;
    v.missing = d.missing;
    v.requested_by = d.requested_by;
    v.due_first_response = d.due_first_response;
    v.due_resolution = d.due_resolution;
    v.requested_earlier = d.requested_earlier;
    p.role = "request";
    p.events.push_back({"created", v.requester_address, created_detail(v, d), true});
    if (!d.missing.empty()) p.events.push_back({"information_missing", "", parsers::join(d.missing, "; "), true});
    p.result.outcome = IngestOutcome::created;
    p.result.reference = v.reference;
    if (d.acknowledge) {
      acknowledge(for_mail, v, p);
      tell_team(for_mail, v, d, p);
    } else {
      p.events.push_back({"not_acknowledged", "", d.quiet_reason, false});
    }
    RequestView later = v;
    later.requested_earlier = false;  // only while the request is being made
    views_[v.id] = later;
    p.created = std::move(row);
  }

  void acknowledge(const parsers::Email& e, const RequestView& v, IngestPlan& p) {
    std::optional<QueuedMail> ack = context_.mails.acknowledgment(e, v);
    if (!ack || ack->mail.rcpt_to.empty()) return;
    const std::string& rcpt = ack->mail.rcpt_to.front();
    const FloodVerdict verdict = take_acknowledgment(acks_sent_, rcpt, context_.flood, v.priority == "urgent");
    if (context_.flood.limit > 0) p.flood_checked = std::make_pair(parsers::ascii_lower(rcpt), verdict.sent);
    if (!verdict.allowed) {
      p.events.push_back({"not_acknowledged", "", flood_detail(verdict.sent, rcpt, context_.flood), false});
      p.result.flood_limited = true;
      return;
    }
    p.events.push_back({"acknowledgment_queued", "", "to " + parsers::join(ack->mail.rcpt_to, ","), false});
    p.mails.push_back({"acknowledgment", std::move(*ack), true, v.request_message_id});
    p.result.ack_queued = true;
  }

  // Mail from outside answered (requests.outside_notice), under the same
  // flood cap as acknowledgments: a loop with another desk ends there.
  void answer_outside(const parsers::Email& e, IngestPlan& p) {
    std::optional<QueuedMail> notice = context_.mails.outside_notice(e);
    if (!notice || notice->mail.rcpt_to.empty()) return;
    const std::string& rcpt = notice->mail.rcpt_to.front();
    const FloodVerdict verdict = take_acknowledgment(acks_sent_, rcpt, context_.flood);
    if (context_.flood.limit > 0) p.flood_checked = std::make_pair(parsers::ascii_lower(rcpt), verdict.sent);
    if (!verdict.allowed) return;
    p.mails.push_back({"outside_notice", std::move(*notice), false, ""});
  }

  // A quiet request (an auto-reply, bulk mail) tells nobody; any other, its team.
  void tell_team(const parsers::Email& e, const RequestView& v, const Decision& d, IngestPlan& p) {
    std::optional<QueuedMail> notice = context_.mails.team_notice(e, v, d);
    if (!notice) return;
    p.events.push_back({"team_notice_queued", "", "to " + parsers::join(notice->mail.rcpt_to, ","), false});
    p.mails.push_back({"team_notice", std::move(*notice), true, v.request_message_id});
  }

  std::map<std::int64_t, RequestView> views_;
  std::map<std::string, int> acks_sent_;
  const std::vector<std::int64_t>& numbers_;
  std::size_t next_number_ = 0;
  const PlanContext& context_;
};

}  // namespace

std::string stored_message_id(const InboundMessage& message) {
  return message.email.message_id.empty() ? "sha256:" + message.content_sha256 : message.email.message_id;
}

SnapshotQuery snapshot_query(const std::string& mailbox, const std::vector<ChunkItem>& items,
                             std::chrono::sys_seconds acks_since) {
  SnapshotQuery q;
  q.mailbox = mailbox;
  q.acks_since = acks_since;
  q.reserve = static_cast<int>(items.size());
  std::set<std::string> addresses;
  for (const ChunkItem& item : items) {
    if (item.decision == nullptr) continue;
    const parsers::Email& e = item.message->email;
    q.message_ids.push_back(stored_message_id(*item.message));
    if (!e.message_id.empty()) q.named_ids.push_back(e.message_id);  // our own, come back
    for (auto& id : named_message_ids(e)) q.named_ids.push_back(std::move(id));
    if (auto n = subject_reference(e.subject)) q.numbers.push_back(*n);
    if (e.from) addresses.insert(parsers::ascii_lower(e.from->address));
    for (const auto& a : e.reply_to) addresses.insert(parsers::ascii_lower(a.address));
  }
  q.ack_addresses.assign(addresses.begin(), addresses.end());
  return q;
}

std::vector<PlanOutline> outline_plans(const std::vector<ChunkItem>& items, const IngestSnapshot& snapshot) {
  Known known(snapshot);
  std::vector<PlanOutline> out;
  out.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) out.push_back(outline_one(items[i], i, snapshot, known));
  return out;
}

int new_requests(const std::vector<PlanOutline>& outline) {
  int n = 0;
  for (const auto& o : outline) n += o.kind == PlanKind::created ? 1 : 0;
  return n;
}

std::vector<IngestPlan> build_plans(const std::vector<ChunkItem>& items, const std::vector<PlanOutline>& outline,
                                    const IngestSnapshot& snapshot, const std::vector<std::int64_t>& numbers,
                                    const PlanContext& context) {
  ChunkPlanner planner(snapshot, numbers, context);
  std::vector<IngestPlan> plans;
  plans.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) plans.push_back(planner.plan(items[i], outline[i], snapshot.message_rows.at(i)));
  return plans;
}

Result<IngestPlan> plan_change(const RequestView& request, const ReplyPlan& reply, const std::string& by) {
  if (reply.new_status && *reply.new_status != request.status && !status_move_allowed(request.status, *reply.new_status))
    return fail(request.reference + " is " + to_string(request.status) + ": it cannot move to " +
                    to_string(*reply.new_status) + " (allowed: " + allowed_moves(request.status) + ")",
                true);
  IngestPlan p;
  p.kind = PlanKind::change;
  p.request_id = request.id;
  p.role = reply.role;
  RequestView view = request;
  p.change = apply_reply(view, reply, by, false, p.events);
  add_reply_mails(reply, view, by, false, p);
  p.result.outcome = IngestOutcome::joined;
  p.result.reference = request.reference;
  return p;
}

}  // namespace intake::daemon
