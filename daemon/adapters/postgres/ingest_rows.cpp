#include "daemon/adapters/postgres/ingest_rows.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "daemon/adapters/postgres/pqxx_guard.hpp"
#include "parsers/common/strings.hpp"
#include "parsers/common/time_text.hpp"

namespace intake::daemon {
namespace {

using nlohmann::json;
using parsers::iso_utc;

json text_list(const std::vector<std::string>& list) {
  json j = json::array();
  for (const auto& s : list) j.push_back(storable_text(s));
  return j;
}

// The addresses alone (names stay in their own columns).
json address_list(const std::vector<parsers::Address>& list) {
  json j = json::array();
  for (const auto& a : list) j.push_back(storable_text(a.address));
  return j;
}

const char* resolved_name(ResolvedMark mark) {
  switch (mark) {
    case ResolvedMark::set: return "set";
    case ResolvedMark::clear: return "clear";
    case ResolvedMark::keep: break;
  }
  return "keep";
}

// The attachments as the parser listed them, for requests show.
json attachment_list(const std::vector<parsers::Attachment>& list) {
  json j = json::array();
  for (const auto& a : list)
    j.push_back({{"filename", storable_text(a.filename)},
                 {"content_type", storable_text(a.content_type)},
                 {"size", a.size},
                 {"inline", a.inline_part},
                 {"content_id", storable_text(a.content_id)}});
  return j;
}

// A request's changes over the whole chunk, in plan order: the last status,
// owner, priority and missing facts; the counts summed.
struct ChangeRow {
  std::optional<RequestStatus> status;
  ResolvedMark resolved = ResolvedMark::keep;
  int reopened = 0, thanks = 0;
  std::optional<std::vector<std::string>> missing;
  std::string owner, priority;
  bool first_response = false;
  std::optional<std::chrono::sys_seconds> due_first_response, due_resolution;

  void add(const RequestChange& c) {
    if (c.due_first_response) due_first_response = c.due_first_response;
    if (c.due_resolution) due_resolution = c.due_resolution;
    if (c.status) {
      status = c.status;
      if (c.resolved != ResolvedMark::keep) resolved = c.resolved;
    }
    reopened += c.reopened ? 1 : 0;
    thanks += c.thanks ? 1 : 0;
    if (c.missing) missing = c.missing;
    if (!c.owner.empty()) owner = c.owner;
    if (!c.priority.empty()) priority = c.priority;
    first_response = first_response || c.first_response;
  }

  json row(std::int64_t id) const {
    json j = {{"id", id}, {"resolved", resolved_name(resolved)}, {"reopened", reopened}, {"thanks", thanks},
              {"first_response", first_response}};
    if (status) j["status"] = to_string(*status);
    if (missing) j["missing"] = text_list(*missing);
    if (!owner.empty()) j["owner"] = storable_text(owner);
    if (!priority.empty()) j["priority"] = priority;
    if (due_first_response) j["due_first_response"] = iso_utc(due_first_response);
    if (due_resolution) j["due_resolution"] = iso_utc(due_resolution);
    return j;
  }
};

class RowBuilder {
 public:
  explicit RowBuilder(IngestRows& rows) : rows_(rows) {}

  void add(const IngestPlan& plan, std::size_t index) {
    if (plan.message != nullptr) {
      auto& uid = rows_.last_uids[{plan.message->mailbox, plan.message->uidvalidity}];
      uid = std::max(uid, plan.message->uid);
    }
    if (plan.kind == PlanKind::own_copy && plan.message != nullptr && !plan.message->email.message_id.empty())
      sent_copies_.push_back(storable_text(plan.message->email.message_id));
    if (plan.kind == PlanKind::quarantine)
      rows_.quarantine.push_back({plan.message, plan.reason, plan.size_bytes, index});
    else if (plan.kind != PlanKind::duplicate && plan.kind != PlanKind::change)
      message(plan);
    if (plan.created) request(plan, *plan.created);
    if (plan.change) change(plan.request_id, *plan.change);
    for (const auto& e : plan.events) event(plan, e);
    if (plan.feedback) feedback(plan, *plan.feedback);
    for (const auto& m : plan.mails) mail(plan, m);
    if (plan.flood_checked) {
      auto [it, fresh] = rows_.flood_counts.emplace(plan.flood_checked->first, plan.flood_checked->second);
      if (!fresh) it->second = std::min(it->second, plan.flood_checked->second);
    }
  }

  void finish() {
    for (const auto& [id, c] : changes_) changes_json_.push_back(c.row(id));
    auto text = [](const json& j) { return j.empty() ? std::string() : pqxx_guard::dump(j); };
    rows_.messages = text(messages_);
    rows_.requests = text(requests_);
    rows_.changes = text(changes_json_);
    rows_.events = text(events_);
    rows_.outbox = text(outbox_);
    rows_.sent = text(sent_);
    rows_.sent_copies = text(sent_copies_);
    json flood = json::array();
    for (const auto& [address, count] : rows_.flood_counts) flood.push_back(address);
    rows_.flood_json = pqxx_guard::dump(flood);
  }

 private:
  void message(const IngestPlan& plan) {
    const InboundMessage& m = *plan.message;
    const parsers::Email& e = m.email;
    rows_.raws.push_back(&m.raw);
    json row = {{"id", plan.message_row},
                {"role", plan.role},
                {"mailbox", m.mailbox},
                {"uidvalidity", m.uidvalidity},
                {"uid", m.uid},
                {"message_id", storable_text(m.email.message_id.empty() ? "sha256:" + m.content_sha256 : e.message_id)},
                {"content_sha256", m.content_sha256},
                {"in_reply_to", storable_text(e.in_reply_to)},
                {"refs", text_list(e.references)},
                {"from_address", storable_text(e.from ? e.from->address : std::string())},
                {"from_name", storable_text(e.from ? e.from->name : std::string())},
                {"to_addresses", address_list(e.to)},
                {"cc_addresses", address_list(e.cc)},
                {"subject", storable_text(e.subject)},
                {"sent_at", iso_utc(e.date)},
                {"kind", std::string(parsers::to_string(e.kind))},
                {"body_text", storable_text(e.body_text)},
                {"request_text", storable_text(e.request_text)},
                {"warnings", text_list(e.warnings)},
                {"attachments", attachment_list(e.attachments)},
                {"k", rows_.raws.size()}};
    if (plan.request_id != 0) row["request_id"] = plan.request_id;
    messages_.push_back(std::move(row));
  }

  void request(const IngestPlan& plan, const NewRequest& r) {
    const RequestView& v = r.view;
    created_.insert(v.id);
    requests_.push_back({{"id", v.id},
                         {"number", r.number},
                         {"mailbox", plan.message != nullptr ? plan.message->mailbox : std::string()},
                         {"requester_address", storable_text(v.requester_address)},
                         {"requester_name", storable_text(v.requester_name)},
                         {"subject", storable_text(v.subject)},
                         {"category", v.category},
                         {"priority", v.priority},
                         {"status", to_string(v.status)},
                         {"requested_by", iso_utc(v.requested_by)},
                         {"requested_by_phrase", storable_text(r.requested_by_phrase)},
                         {"missing", text_list(v.missing)},
                         {"requester_department", storable_text(r.requester_department)},
                         {"time_zone", v.time_zone},
                         {"due_first_response", iso_utc(v.due_first_response)},
                         {"due_resolution", iso_utc(v.due_resolution)},
                         {"requested_earlier", v.requested_earlier}});
  }

  void change(std::int64_t id, const RequestChange& c) {
    if (created_.count(id) == 0 && checked_.insert(id).second) rows_.versions.emplace_back(id, c.version);
    changes_[id].add(c);
  }

  void event(const IngestPlan& plan, const PlannedEvent& e) {
    json row = {{"request_id", plan.request_id}, {"type", e.type}, {"detail", storable_text(e.detail)}, {"n", events_.size()}};
    if (!e.by.empty()) row["by"] = storable_text(e.by);
    if (e.about_message && plan.message_row != 0) row["message_ref"] = plan.message_row;
    events_.push_back(std::move(row));
  }

  // The comment is the event's detail; the score and the owner it credits
  // have columns of their own (migration 0011) for the summaries.
  void feedback(const IngestPlan& plan, const PlannedFeedback& f) {
    json row = {{"request_id", plan.request_id},          {"type", "feedback"},
                {"detail", storable_text(f.feedback.comment)}, {"n", events_.size()},
                {"score", f.feedback.score},              {"credited", storable_text(f.credited)}};
    if (!f.by.empty()) row["by"] = storable_text(f.by);
    if (plan.message_row != 0) row["message_ref"] = plan.message_row;
    events_.push_back(std::move(row));
  }

  void mail(const IngestPlan& plan, const PlannedMail& m) {
    rows_.mail_raws.push_back(&m.mail.mail.raw);
    const std::size_t k = rows_.mail_raws.size();
    json row = {{"purpose", m.purpose}, {"mail_from", m.mail.mail.mail_from},
                {"rcpt_to", parsers::join(m.mail.mail.rcpt_to, ",")}, {"message_id", m.mail.message_id}, {"k", k}};
    if (m.of_request && plan.request_id != 0) {
      row["request_id"] = plan.request_id;
      sent_.push_back({{"request_id", plan.request_id}, {"role", m.purpose}, {"message_id", m.mail.message_id},
                       {"in_reply_to", m.in_reply_to}, {"from_address", m.mail.mail.mail_from},
                       {"to_addresses", m.mail.mail.rcpt_to}, {"subject", storable_text(m.mail.subject)}, {"k", k}});
    }
    outbox_.push_back(std::move(row));
  }

  IngestRows& rows_;
  json messages_ = json::array(), requests_ = json::array(), changes_json_ = json::array(), events_ = json::array(),
       outbox_ = json::array(), sent_ = json::array(), sent_copies_ = json::array();
  std::map<std::int64_t, ChangeRow> changes_;
  std::set<std::int64_t> created_, checked_;
};

}  // namespace

std::string storable_text(const std::string& text) {
  if (text.find('\0') == std::string::npos) return text;
  std::string out;
  out.reserve(text.size() + 8);
  for (char c : text) {
    if (c == '\0')
      out += "\xEF\xBF\xBD";
    else
      out += c;
  }
  return out;
}

IngestRows build_ingest_rows(const std::vector<IngestPlan>& plans) {
  IngestRows rows;
  RowBuilder builder(rows);
  for (std::size_t i = 0; i < plans.size(); ++i) builder.add(plans[i], i);
  builder.finish();
  return rows;
}

}  // namespace intake::daemon
