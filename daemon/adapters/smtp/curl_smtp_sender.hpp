// MailSender over libcurl: one easy handle, so one SMTP connection reused for a
// batch. The MTA's replies decide retry (4xx, network) versus permanent (5xx).
#pragma once

#include <memory>
#include <string>

#include "parsers/config/config.hpp"
#include "daemon/adapters/curl/curl_handle.hpp"
#include "daemon/adapters/files/token_source.hpp"
#include "daemon/core/mail_sender.hpp"

namespace intake::daemon {

class CurlSmtpSender final : public MailSender {
 public:
  // auth = "xoauth2": SASL XOAUTH2 with a token asked from `tokens` before
  // the first send; a rejected one is asked for again once (tokens expire).
  CurlSmtpSender(const parsers::SmtpConfig& config, std::string password, std::unique_ptr<TokenSource> tokens = nullptr);
  Status send(const OutgoingMail& mail) override;

 private:
  Status send_once(const OutgoingMail& mail);
  std::string server() const { return config_.host + ":" + std::to_string(config_.port); }
  parsers::SmtpConfig config_;
  std::string password_;
  std::unique_ptr<TokenSource> tokens_;  // null for auth = "password"
  std::string bearer_token_;             // empty until first asked
  bool token_refreshed_ = false;         // one refresh per sender (drain)
  bool login_denied_ = false;            // the last send_once failed at login
  CurlPtr handle_;
};

}  // namespace intake::daemon
