// A preview of any mail intake sends about a request, through the very
// MailComposer call that sends it (the values, the template chosen, the zone
// a time is shown in): `intakectl render` and the golden files of every mail
// (tests/data/mail-golden/) both use it, so neither can drift from the mail.
// Parts that only a later mail supplies (a staff member's words, the reason
// a command was refused) are filled with marked examples.
#pragma once

#include <string>
#include <vector>

#include "daemon/core/request_values.hpp"
#include "daemon/respond/mail_composer.hpp"
#include "parsers/common/result.hpp"

namespace intake::daemon {

struct PreviewMail {
  std::string template_name;  // the template the composer chose
  RenderedMail mail;
  std::vector<std::string> to;  // who it would go to
};

// Every template a request's preview can show, in the order of a request's life.
const std::vector<std::string>& previewable_templates();

// The mail `template_name` about `request`, as MailComposer makes it. An
// acknowledgment previews the missing-facts variant when the request lacks
// facts (and `acknowledgment_missing` asks for one with a placeholder fact).
// An error names the template when it is not one of previewable_templates()
// or when the composer would send nothing (nobody to tell, turned off).
Result<PreviewMail> preview_mail(MailComposer& composer, const std::string& template_name, RequestView request);

}  // namespace intake::daemon
