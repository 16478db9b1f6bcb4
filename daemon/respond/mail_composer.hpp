// Stage 5's mails: every mail intake sends, composed from its template and
// the request it is about, with the headers that thread it, mark it as
// automatic and stop loops. Pure but for the clock and the random part of
// Message-IDs; nothing here touches the database or the network (the
// outbox row is written by the store, the mail sent by the outbox drain).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daemon/core/clock.hpp"
#include "daemon/core/request_values.hpp"
#include "daemon/respond/mime_builder.hpp"
#include "daemon/respond/templates.hpp"
#include "parsers/common/email.hpp"
#include "parsers/config/config.hpp"

namespace intake::daemon {

class MailComposer {
 public:
  MailComposer(const parsers::Config& config, const TemplateSet& templates, const Clock& clock, RandomSource& random);

  // The acknowledgment of a new request, to its sender (Reply-To, else From).
  std::optional<QueuedMail> make_acknowledgment(const parsers::Email& email, const RequestView& request) const;
  // A new request told to its team (the owner, else the category's staff,
  // else daemon.admin_address): the request's text and attachments, threaded
  // to the request so that a reply to it is a staff reply. None when nobody
  // is to be told or the category turned it off (notify_new_request).
  std::optional<QueuedMail> make_team_notice(const parsers::Email& email, const RequestView& request,
                                             const std::string& department) const;
  // The requester's later reply told to the owner, else the staff (`what`:
  // "wrote again", "sent the missing information", "reopened the request");
  // none when nobody is to be told or the category turned it off.
  std::optional<QueuedMail> make_follow_up_notice(const parsers::Email& email, const RequestView& request,
                                                  const std::string& what, bool reopened) const;
  // The request sent to its new owner; none when the category turned it off.
  std::optional<QueuedMail> make_assigned_notice(const RequestView& request, const std::string& owner,
                                                 const std::string& assigned_by) const;
  // To the sender of mail over daemon.max_message_bytes.
  std::optional<QueuedMail> make_oversized_notice(const parsers::Email& email, const std::string& category,
                                                  std::uint64_t size_bytes) const;
  // To the sender of mail from outside (requests.outside_notice): the desk
  // serves colleagues only.
  std::optional<QueuedMail> make_outside_notice(const parsers::Email& email) const;
  // To the admin address after `failures` failed fetches in a row.
  std::optional<QueuedMail> make_fetch_alert(const parsers::MailboxConfig& mailbox, int failures, const std::string& error) const;
  // A notice to the requester of `request` (resolved_notice, staff_response),
  // threaded to the request; nullopt when the template fails (logged).
  std::optional<QueuedMail> make_request_mail(const std::string& template_name, const RequestView& request,
                                              nlohmann::json values) const;
  // To the owner (else the staff) and daemon.admin_address: a staff mail in
  // the request's thread whose sender could not be authenticated (`why`).
  std::optional<QueuedMail> make_command_rejected_notice(const parsers::Email& email, const RequestView& request,
                                                         const std::string& why) const;
  // The resolved notice to the requester, with the staff member's words when
  // `values` holds a response, and the rating links (ratings[]: score, label).
  std::optional<QueuedMail> make_resolved_notice(const RequestView& request, nlohmann::json values) const;
  // The same to other recipients (the owner team).
  std::optional<QueuedMail> make_request_mail_to(const std::string& template_name, const RequestView& request,
                                                 nlohmann::json extra, const std::vector<parsers::Address>& to) const;
  // The variables every request mail gets (templates/README.md).
  nlohmann::json request_values(const RequestView& request) const;
  // To the owner, else the category's staff, else the admin address.
  std::optional<QueuedMail> make_due_alert(const RequestView& request, const std::string& kind, bool overdue) const;
  // Called with every mail rendered (its template's name and its parts)
  // before it is built: `intakectl render` and the golden files
  // (tests/data/mail-golden/) see exactly what would be sent.
  using RenderObserver = std::function<void(const std::string& template_name, const RenderedMail& mail)>;
  void observe_renders(RenderObserver observer) { observer_ = std::move(observer); }
  const parsers::Config& config() const { return config_; }
  // A Message-ID of intake's own: intake.<tag>.<random>@<the desk's domain>.
  std::string new_message_id(const std::string& tag, std::size_t random_bytes = 8) const;
  // What every mail of intake's has, written once: the desk as sender, a
  // Message-ID of its own (intake.<tag>.<random>@...), the date, the rendered
  // subject and parts, then the headers `Auto-Submitted: <auto_submitted>`
  // (none when empty), `X-Auto-Response-Suppress: All` (when
  // `suppress_auto_responses`) and the loop header X-Intake-Loop.
  MessageSpec spec_for(const RenderedMail& rendered, std::vector<parsers::Address> to, const std::string& tag,
                       std::size_t random_bytes, const std::string& auto_submitted, bool suppress_auto_responses) const;
  // The outbox form of a built message: from intake's envelope sender to
  // every address of spec.to.
  QueuedMail to_outbox(const MessageSpec& spec) const;

 private:
  // Who hears of a request: its owner, else its category's staff, else daemon.admin_address.
  std::vector<parsers::Address> team_of(const RequestView& request) const;
  // An automatic answer to the sender of `email`, threaded to it.
  QueuedMail make_answer(const parsers::Email& email, const RenderedMail& rendered, const std::string& id_tag,
                         std::vector<std::pair<std::string, std::string>> extra_headers) const;
  Result<RenderedMail> render(const std::string& name, const std::string& category, const nlohmann::json& values) const;
  nlohmann::json plain_or_false(const std::optional<std::chrono::sys_seconds>& t, const std::string& zone) const;
  std::chrono::sys_seconds now_seconds() const {
    return std::chrono::time_point_cast<std::chrono::seconds>(clock_.now());
  }
  const parsers::Config& config_;
  const TemplateSet& templates_;
  const Clock& clock_;
  RandomSource& random_;
  RenderObserver observer_;
};

}  // namespace intake::daemon
