#include "daemon/respond/mail_composer.hpp"

#include <algorithm>

#include "daemon/core/logging.hpp"
#include "daemon/core/plain_time.hpp"
#include "parsers/common/strings.hpp"

namespace intake::daemon {
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

MailComposer::MailComposer(const parsers::Config& config, const TemplateSet& templates, const Clock& clock,
                           RandomSource& random)
    : config_(config), templates_(templates), clock_(clock), random_(random) {}

std::string MailComposer::new_message_id(const std::string& tag, std::size_t random_bytes) const {
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * random_bytes);
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < random_bytes; ++i) {
    if (i % 8 == 0) bits = random_.next();
    const auto byte = static_cast<unsigned>(bits & 0xff);
    bits >>= 8;
    hex += digits[byte >> 4];
    hex += digits[byte & 15];
  }
  return "intake." + tag + "." + hex + "@" + parsers::domain_of(config_.smtp.from);
}

MessageSpec MailComposer::spec_for(const RenderedMail& rendered, std::vector<parsers::Address> to, const std::string& tag,
                                   std::size_t random_bytes, const std::string& auto_submitted,
                                   bool suppress_auto_responses) const {
  MessageSpec spec;
  spec.from = {config_.smtp.from_name, config_.smtp.from};
  spec.to = std::move(to);
  spec.subject = rendered.subject;
  // The tag (a request reference) is in our Message-ID, so any reply threads back to it.
  spec.message_id = new_message_id(tag, random_bytes);
  spec.date = clock_.now();
  spec.text = rendered.text;
  spec.html = rendered.html;
  if (!auto_submitted.empty()) spec.extra_headers.push_back({"Auto-Submitted", auto_submitted});
  if (suppress_auto_responses) spec.extra_headers.push_back({"X-Auto-Response-Suppress", "All"});
  spec.extra_headers.push_back({"X-Intake-Loop", config_.smtp.from});
  return spec;
}

QueuedMail MailComposer::to_outbox(const MessageSpec& spec) const {
  QueuedMail q;
  q.mail.mail_from = config_.smtp.from;
  q.mail.rcpt_to.reserve(spec.to.size());
  for (const auto& a : spec.to) q.mail.rcpt_to.push_back(a.address);
  q.mail.raw = build_message(spec);
  q.message_id = spec.message_id;
  q.subject = spec.subject;
  return q;
}

std::optional<QueuedMail> MailComposer::make_fetch_alert(const parsers::MailboxConfig& mailbox, int failures,
                                                          const std::string& error) const {
  if (config_.daemon.admin_address.empty()) return std::nullopt;
  nlohmann::json values = {
      {"mailbox", mailbox.name},
      {"address", mailbox.address},
      {"host", mailbox.host},
      {"failures", failures},
      {"error", error},
      {"desk_name", config_.smtp.from_name.empty() ? config_.smtp.from : config_.smtp.from_name},
  };
  auto rendered = render("fetch_alert", "", values);
  if (!rendered) {
    stage_logger("fetch")->error("mailbox {}: admin alert not rendered: {}", mailbox.name, rendered.error().message);
    return std::nullopt;
  }
  QueuedMail q = to_outbox(spec_for(*rendered, {{"", config_.daemon.admin_address}}, "alert", 12, "auto-generated", false));
  stage_logger("fetch")->error("mailbox {}: {} failed fetches in a row: admin {} alerted", mailbox.name, failures,
                               config_.daemon.admin_address);
  return q;
}

QueuedMail MailComposer::make_answer(const parsers::Email& email, const RenderedMail& rendered, const std::string& id_tag,
                                    std::vector<std::pair<std::string, std::string>> extra_headers) const {
  MessageSpec spec = spec_for(rendered, {answer_address(email)}, id_tag, 8, "auto-replied", true);
  spec.in_reply_to = email.message_id;
  spec.references = email.references;
  if (!email.message_id.empty()) spec.references.push_back(email.message_id);
  for (auto& h : extra_headers) spec.extra_headers.push_back(std::move(h));
  return to_outbox(spec);
}

Result<RenderedMail> MailComposer::render(const std::string& name, const std::string& category,
                                          const nlohmann::json& values) const {
  auto rendered = templates_.render(name, category, values);
  if (rendered && observer_) observer_(name, rendered.value());
  return rendered;
}

nlohmann::json MailComposer::plain_or_false(const std::optional<std::chrono::sys_seconds>& t, const std::string& zone) const {
  if (!t) return false;
  auto text = format_plain_time_for(*t, zone, config_.requests.time_zone, now_seconds());
  if (!text) return false;
  return text.value();
}

std::optional<QueuedMail> MailComposer::make_acknowledgment(const parsers::Email& email, const RequestView& request) const {
  const parsers::Address to = answer_address(email);
  const std::string name = display_name(email, to);
  nlohmann::json values = request_values(request);
  values["subject"] = email.subject.empty() ? std::string("(no subject)") : email.subject;
  values["requester_name"] = name;
  values["requester_first_name"] = name.substr(0, name.find(' '));
  values["requester_address"] = to.address;
  auto rendered = render(request.missing.empty() ? "acknowledgment" : "acknowledgment_missing", request.category, values);
  if (!rendered) {
    stage_logger("respond")->error("{}: acknowledgment not rendered: {}", request.reference, rendered.error().message);
    return std::nullopt;
  }
  return make_answer(email, *rendered, request.reference, {{"X-Intake-Reference", request.reference}});
}

namespace {

// An attachment's size for people: bytes, KB or MB with one decimal.
std::string size_text(std::size_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " bytes";
  if (bytes < std::size_t{1024} * 1024) return std::to_string((bytes + 512) / 1024) + " KB";
  const std::size_t tenths = (bytes * 10 + 524288) / 1048576;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " MB";
}

}  // namespace

std::optional<QueuedMail> MailComposer::make_team_notice(const parsers::Email& email, const RequestView& request,
                                                          const std::string& department) const {
  const parsers::CategoryConfig* category = config_.category(request.category);
  if (category != nullptr && !category->notify_new_request) return std::nullopt;
  const std::vector<parsers::Address> to = team_of(request);
  if (to.empty()) return std::nullopt;
  nlohmann::json attachments = nlohmann::json::array();
  for (const auto& a : email.attachments)
    attachments.push_back({{"name", a.filename.empty() ? std::string("(unnamed)") : a.filename}, {"size", size_text(a.size)}});
  // The new part of the mail, or all of it when stripping the quotes left little.
  const std::string& text = email.request_text.size() < 40 && email.body_text.size() > email.request_text.size()
                                ? email.body_text
                                : email.request_text;
  return make_request_mail_to("team_notice", request,
                              {{"requester_department", department.empty() ? nlohmann::json(false) : nlohmann::json(department)},
                               {"request_text", text},
                               {"attachments", attachments},
                               {"has_attachments", !attachments.empty()},
                               // The team reads times in the desk's zone.
                               {"due_first_response", plain_or_false(request.due_first_response, config_.requests.time_zone)},
                               {"due_resolution", plain_or_false(request.due_resolution, config_.requests.time_zone)},
                               {"requested_by", plain_or_false(request.requested_by, config_.requests.time_zone)}},
                              to);
}

std::optional<QueuedMail> MailComposer::make_follow_up_notice(const parsers::Email& email, const RequestView& request,
                                                               const std::string& what, bool reopened) const {
  const parsers::CategoryConfig* category = config_.category(request.category);
  if (category != nullptr && !category->notify_follow_up) return std::nullopt;
  const std::vector<parsers::Address> to = team_of(request);
  if (to.empty()) return std::nullopt;
  const std::string& text = email.request_text.empty() ? email.body_text : email.request_text;
  return make_request_mail_to("follow_up_notice", request, {{"reply_text", text}, {"what", what}, {"reopened", reopened}},
                              to);
}

std::optional<QueuedMail> MailComposer::make_assigned_notice(const RequestView& request, const std::string& owner,
                                                             const std::string& assigned_by) const {
  const parsers::CategoryConfig* category = config_.category(request.category);
  if (category != nullptr && !category->notify_assigned) return std::nullopt;
  return make_request_mail_to("assigned_notice", request,
                              {{"request_text", request.request_text},
                               {"assigned_by", assigned_by},
                               // The team reads times in the desk's zone.
                               {"due_first_response", plain_or_false(request.due_first_response, config_.requests.time_zone)},
                               {"due_resolution", plain_or_false(request.due_resolution, config_.requests.time_zone)}},
                              {{"", owner}});
}

std::vector<parsers::Address> MailComposer::team_of(const RequestView& request) const {
  std::vector<parsers::Address> to;
  const parsers::CategoryConfig* category = config_.category(request.category);
  if (!request.owner.empty()) to.push_back({"", request.owner});
  else if (category != nullptr)
    for (const auto& s : category->staff) to.push_back({"", s});
  if (to.empty() && !config_.daemon.admin_address.empty()) to.push_back({"", config_.daemon.admin_address});
  return to;
}

std::optional<QueuedMail> MailComposer::make_outside_notice(const parsers::Email& email) const {
  const parsers::Address to = answer_address(email);
  const std::string name = display_name(email, to);
  nlohmann::json values = {
      {"subject", email.subject.empty() ? std::string("(no subject)") : email.subject},
      {"requester_name", name},
      {"requester_first_name", name.substr(0, name.find(' '))},
      {"requester_address", to.address},
      {"company_domains", parsers::join(parsers::accepted_domains(config_), ", ")},
      {"desk_name", config_.smtp.from_name.empty() ? config_.smtp.from : config_.smtp.from_name},
  };
  auto rendered = render("outside_notice", "", values);
  if (!rendered) {
    stage_logger("respond")->error("<{}>: outside notice not rendered: {}", email.message_id, rendered.error().message);
    return std::nullopt;
  }
  return make_answer(email, *rendered, "outside", {});
}

std::optional<QueuedMail> MailComposer::make_oversized_notice(const parsers::Email& email, const std::string& category,
                                                              std::uint64_t size_bytes) const {
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
  auto rendered = render("oversized_notice", category, values);
  if (!rendered) {
    stage_logger("respond")->error("<{}>: oversized notice not rendered: {}", email.message_id, rendered.error().message);
    return std::nullopt;
  }
  return make_answer(email, *rendered, "oversized", {});
}

nlohmann::json MailComposer::request_values(const RequestView& request) const {
  const std::string name = request.requester_name.empty() ? request.requester_address : request.requester_name;
  return {{"reference", request.reference},
          {"subject", request.subject.empty() ? std::string("(no subject)") : request.subject},
          {"requester_name", name},
          {"requester_first_name", name.substr(0, name.find(' '))},
          {"requester_address", request.requester_address},
          {"category", request.category},
          {"team", config_.team_name(request.category)},
          {"priority", request.priority},
          {"status", to_string(request.status)},
          {"owner", request.owner.empty() ? nlohmann::json(false) : nlohmann::json(request.owner)},
          {"desk_name", config_.smtp.from_name.empty() ? config_.smtp.from : config_.smtp.from_name},
          {"desk_address", config_.smtp.from},
          {"missing", request.missing},
          {"missing_text", parsers::join(request.missing, "; ")},
          {"has_missing", !request.missing.empty()},
          {"requested_by", plain_or_false(request.requested_by, request.time_zone)},
          {"due_first_response", plain_or_false(request.due_first_response, request.time_zone)},
          {"due_resolution", plain_or_false(request.due_resolution, request.time_zone)},
          {"requested_earlier", request.requested_earlier},
          // Service levels promise timeframes here (the missing-facts
          // acknowledgment says the clock starts with the answer).
          {"has_timeframe", config_.service_levels.configured}};
}

std::optional<QueuedMail> MailComposer::make_request_mail(const std::string& template_name, const RequestView& request,
                                                         nlohmann::json values) const {
  return make_request_mail_to(template_name, request, std::move(values),
                              {{request.requester_name, request.requester_address}});
}

std::optional<QueuedMail> MailComposer::make_command_rejected_notice(const parsers::Email& email, const RequestView& request,
                                                                   const std::string& why) const {
  std::vector<parsers::Address> to = team_of(request);
  const std::string admin = config_.daemon.admin_address;
  if (!admin.empty() && std::none_of(to.begin(), to.end(), [&](const parsers::Address& a) {
        return parsers::address_without_plus(a.address) == parsers::address_without_plus(admin);
      }))
    to.push_back({"", admin});
  if (to.empty()) return std::nullopt;
  return make_request_mail_to("command_rejected_notice", request,
                              {{"sender", email.from ? email.from->address : std::string("(no sender)")}, {"why", why}}, to);
}

std::optional<QueuedMail> MailComposer::make_resolved_notice(const RequestView& request, nlohmann::json values) const {
  nlohmann::json ratings = nlohmann::json::array();
  for (const auto& [score, label] : {std::pair{5, "excellent"}, {4, "good"}, {3, "average"}, {2, "poor"}, {1, "bad"}})
    ratings.push_back({{"score", score}, {"label", label}});
  values["ratings"] = std::move(ratings);
  return make_request_mail("resolved_notice", request, std::move(values));
}

std::optional<QueuedMail> MailComposer::make_due_alert(const RequestView& request, const std::string& kind,
                                                      bool overdue) const {
  const std::vector<parsers::Address> to = team_of(request);
  if (to.empty()) return std::nullopt;
  const auto& due = kind == "first_response" ? request.due_first_response : request.due_resolution;
  // The team reads it in the desk's zone, not the requester's.
  return make_request_mail_to(overdue ? "overdue_alert" : "due_soon_alert", request,
                              {{"due_kind", kind == "first_response" ? "first response" : "resolution"},
                               {"due", plain_or_false(due, config_.requests.time_zone)}},
                              to);
}

std::optional<QueuedMail> MailComposer::make_request_mail_to(const std::string& template_name, const RequestView& request,
                                                            nlohmann::json extra, const std::vector<parsers::Address>& to) const {
  nlohmann::json values = request_values(request);
  for (auto it = extra.begin(); it != extra.end(); ++it) values[it.key()] = it.value();
  auto rendered = render(template_name, request.category, values);
  if (!rendered) {
    stage_logger("respond")->error("{}: {} not rendered: {}", request.reference, template_name, rendered.error().message);
    return std::nullopt;
  }
  // A forwarded staff response is a person's answer; a notice is not.
  MessageSpec spec = spec_for(*rendered, to, request.reference, 8,
                              template_name == "staff_response" ? std::string() : std::string("auto-generated"), true);
  spec.in_reply_to = request.request_message_id;
  if (!request.request_message_id.empty()) spec.references = {request.request_message_id};
  spec.extra_headers.push_back({"X-Intake-Reference", request.reference});
  return to_outbox(spec);
}

}  // namespace intake::daemon
