// What a reply in a request's thread changes (stage 3 for replies): staff
// commands and responses, missing facts supplied, a thank-you, a reopening,
// as a ReplyPlan the store applies in the same transaction as the message.
// Pure but for the mails it asks MailComposer for (no database, no clock).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "daemon/classify/trust.hpp"
#include "daemon/core/request_values.hpp"
#include "daemon/respond/mail_composer.hpp"
#include "parsers/common/email.hpp"
#include "parsers/config/config.hpp"
#include "parsers/request/request_fields.hpp"

namespace intake::daemon {

// A request that waited on its requester from the start has no due times;
// the reply that moves it on (the facts supplied, or the staff's #status
// acknowledged or in_progress) starts its service-level clock.
bool starts_clock(const RequestView& request, const ReplyPlan& plan);

class ReplyRules {
 public:
  ReplyRules(const parsers::Config& config, const MailComposer& mail) : config_(config), mail_(mail) {}
  ReplyPlan plan(const parsers::Email& email, const RequestView& request) const;
  // A staff member or employee named in "#assign bob": their address, or empty.
  std::string resolve_person(std::string_view who, const parsers::CategoryConfig* category) const;

 private:
  ReplyPlan plan_reply(const parsers::Email& email, const RequestView& request) const;
  struct Sender;
  Sender sender_of(const parsers::Email& email, const RequestView& request) const;
  void staff_reply(const parsers::Email& email, const RequestView& request, const Sender& who,
                   const std::vector<parsers::StaffCommand>& commands, ReplyPlan& plan) const;
  void reject_unauthenticated(const parsers::Email& email, const RequestView& request, const SenderAuth& auth,
                              const std::vector<parsers::StaffCommand>& commands, ReplyPlan& plan) const;
  void tell_team(const parsers::Email& email, const RequestView& request, const std::string& what, bool reopened,
                 ReplyPlan& plan) const;
  bool facts_supplied(const parsers::Email& email, const RequestView& request, const parsers::CategoryConfig* category,
                      ReplyPlan& plan) const;
  void apply_command(const parsers::StaffCommand& command, const RequestView& request,
                     const parsers::CategoryConfig* category, ReplyPlan& plan) const;
  const parsers::Config& config_;
  const MailComposer& mail_;
};

}  // namespace intake::daemon
