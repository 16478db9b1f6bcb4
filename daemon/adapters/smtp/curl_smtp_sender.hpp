// MailSender over libcurl: one easy handle, so one SMTP connection reused for a
// batch. The MTA's replies decide retry (4xx, network) versus permanent (5xx).
#pragma once

#include <string>

#include "parsers/config/config.hpp"
#include "daemon/adapters/curl/curl_handle.hpp"
#include "daemon/core/mail_sender.hpp"

namespace intake::daemon {

class CurlSmtpSender final : public MailSender {
 public:
  CurlSmtpSender(const parsers::SmtpConfig& config, std::string password);
  Status send(const OutgoingMail& mail) override;

 private:
  parsers::SmtpConfig config_;
  std::string password_;
  CurlPtr handle_;
};

}  // namespace intake::daemon
