// The SMTP side: hand one finished message to the MTA. A failure says whether
// a retry can help (4xx, connection) or not (5xx: permanent).
#pragma once

#include <string>
#include <vector>

#include "parsers/common/result.hpp"

namespace intake::daemon {

struct OutgoingMail {
  std::string mail_from;
  std::vector<std::string> rcpt_to;
  std::string raw;  // complete RFC 5322 message, CRLF line ends
};

class MailSender {
 public:
  virtual ~MailSender() = default;
  virtual Status send(const OutgoingMail& mail) = 0;
};

}  // namespace intake::daemon
