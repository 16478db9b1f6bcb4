#include "daemon/respond/mail_preview.hpp"

#include <algorithm>
#include <optional>

#include "parsers/common/strings.hpp"

namespace intake::daemon {

const std::vector<std::string>& previewable_templates() {
  static const std::vector<std::string> names = {
      "acknowledgment", "acknowledgment_missing", "team_notice",    "follow_up_notice", "assigned_notice",
      "staff_response", "resolved_notice",        "due_soon_alert", "overdue_alert",    "command_rejected_notice",
      "outside_notice", "oversized_notice",       "fetch_alert"};
  return names;
}

namespace {

// The request's own mail as the composer saw it when the request was made.
parsers::Email request_email(const RequestView& request) {
  parsers::Email email;
  email.from = parsers::Address{request.requester_name, request.requester_address};
  email.subject = request.subject;
  email.message_id = request.request_message_id;
  email.body_text = request.request_text;
  email.request_text = request.request_text;
  return email;
}

}  // namespace

Result<PreviewMail> preview_mail(MailComposer& composer, const std::string& template_name, RequestView request) {
  const auto& names = previewable_templates();
  if (std::find(names.begin(), names.end(), template_name) == names.end())
    return fail("no preview of \"" + template_name + "\" for a request (one of: " + parsers::join(names, ", ") + ")", true);
  if (template_name == "acknowledgment_missing" && request.missing.empty()) request.missing = {"(the missing facts)"};
  if (template_name == "acknowledgment") request.missing.clear();

  std::optional<PreviewMail> seen;
  composer.observe_renders([&](const std::string& name, const RenderedMail& mail) { seen = PreviewMail{name, mail, {}}; });
  const parsers::Email email = request_email(request);
  parsers::Email reply = email;
  reply.request_text = reply.body_text = "(the requester's reply)";
  const nlohmann::json staff_words = {{"response", "(the staff member's answer)"}, {"staff_name", "(staff member)"}};
  std::optional<QueuedMail> made;
  const std::string& t = template_name;
  if (t == "acknowledgment" || t == "acknowledgment_missing") made = composer.make_acknowledgment(email, request);
  else if (t == "team_notice") made = composer.make_team_notice(email, request, "");
  else if (t == "follow_up_notice") made = composer.make_follow_up_notice(reply, request, "wrote again", false);
  else if (t == "assigned_notice")
    made = composer.make_assigned_notice(request, request.owner.empty() ? "owner@example.com" : request.owner,
                                         "(staff member)");
  else if (t == "staff_response") made = composer.make_request_mail("staff_response", request, staff_words);
  else if (t == "resolved_notice") made = composer.make_resolved_notice(request, staff_words);
  else if (t == "due_soon_alert" || t == "overdue_alert") {
    made = composer.make_due_alert(request, request.due_first_response ? "first_response" : "resolution",
                                   t == "overdue_alert");
  } else if (t == "command_rejected_notice") {
    parsers::Email forged = reply;
    forged.from = parsers::Address{"", "(sender)"};
    made = composer.make_command_rejected_notice(forged, request, "(why it was refused)");
  } else if (t == "outside_notice") made = composer.make_outside_notice(email);
  else if (t == "oversized_notice") made = composer.make_oversized_notice(email, request.category, 32925696);
  else if (t == "fetch_alert") {
    // Not about a request: the first mailbox's alert.
    const parsers::Config& config = composer.config();
    if (!config.mailboxes.empty()) made = composer.make_fetch_alert(config.mailboxes.front(), 5, "(the last error)");
  }
  composer.observe_renders(nullptr);
  if (!seen) return fail(template_name + " would not be rendered here (a template error, or nothing of it is configured)", true);
  if (!made) return fail(template_name + " would not be sent for " + request.reference + ": nobody to send it to, or the category turned it off", true);
  seen->to = made->mail.rcpt_to;
  return *seen;
}

}  // namespace intake::daemon
