// intakectl render: a template's preview for a request, through the same
// MailComposer call that sends it (respond/mail_preview.hpp).
#include <iostream>

#include "daemon/app/app.hpp"
#include "daemon/cli/commands.hpp"
#include "daemon/respond/mail_preview.hpp"

namespace intake::daemon::cli {

int cmd_render(const std::string& path, const std::string& name, const std::string& reference, bool html) {
  int rc = 0;
  auto rt = open_runtime(path, rc);
  if (!rt) return rc;
  auto view = rt->store->request_view(reference);
  if (!view) {
    std::cerr << view.error().message << "\n";
    return 1;
  }
  SystemClock clock;
  SystemRandom random;
  MailComposer composer(rt->config, rt->templates, clock, random);
  auto preview = preview_mail(composer, name, *view);
  if (!preview) {
    std::cerr << preview.error().message << "\n";
    return 1;
  }
  std::cout << "Subject: " << preview->mail.subject << "\n\n" << (html ? preview->mail.html : preview->mail.text);
  return 0;
}

}  // namespace intake::daemon::cli
