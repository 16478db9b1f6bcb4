// The sender port (daemon/core/mail_sender.hpp) in memory: what was sent, in
// order, and the answer a test gives for a recipient (a 4xx, a 5xx, or no
// server at all).
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "daemon/core/mail_sender.hpp"

namespace intake::testing {

class FakeMailSender final : public daemon::MailSender {
 public:
  std::vector<daemon::OutgoingMail> sent;
  std::function<std::optional<Error>(const daemon::OutgoingMail&)> refuse;
  int calls = 0;

  Status send(const daemon::OutgoingMail& mail) override {
    ++calls;
    if (refuse)
      if (auto e = refuse(mail)) return *e;
    sent.push_back(mail);
    return Ok{};
  }
};

}  // namespace intake::testing
