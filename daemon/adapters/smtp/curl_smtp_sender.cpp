#include "daemon/adapters/smtp/curl_smtp_sender.hpp"

#include <algorithm>
#include <cstring>

namespace intake::daemon {
namespace {

struct Upload {
  const std::string* data;
  std::size_t offset = 0;
};

extern "C" size_t read_upload(char* buffer, size_t size, size_t nitems, void* userdata) {
  auto* up = static_cast<Upload*>(userdata);
  const size_t room = size * nitems;
  const size_t n = std::min(room, up->data->size() - up->offset);
  std::copy_n(up->data->data() + up->offset, n, buffer);  // bytes for libcurl, not a C string
  up->offset += n;
  return n;
}

}  // namespace

CurlSmtpSender::CurlSmtpSender(const parsers::SmtpConfig& config, std::string password, std::unique_ptr<TokenSource> tokens)
    : config_(config), password_(std::move(password)), tokens_(std::move(tokens)), handle_(curl_easy_init()) {}

// A login failure is not the mail's fault: the drain stops and the mail
// waits (unreachable), it is never failed for good.
Status CurlSmtpSender::send(const OutgoingMail& mail) {
  if (tokens_ && bearer_token_.empty()) {
    auto token = tokens_->token();
    if (!token) {
      Error e = fail("SMTP " + server() + ": no bearer token: " + token.error().message);
      e.kind = ErrorKind::unreachable;
      return e;
    }
    bearer_token_ = std::move(token.value());
  }
  Status result = send_once(mail);
  if (result || !login_denied_ || !tokens_ || token_refreshed_) return result;
  // Access tokens live about an hour: a rejected login is the sign to ask
  // again, once, so a bad configuration fails fast instead of looping.
  token_refreshed_ = true;
  auto token = tokens_->token();
  if (token) {
    bearer_token_ = std::move(token.value());
    result = send_once(mail);
    if (result || !login_denied_) return result;
  }
  Error e = fail("SMTP " + server() + ": login denied for " + config_.username +
                 " (auth xoauth2): the server rejected the bearer token, and " +
                 (token ? std::string("the fresh one too") : "getting a fresh one failed: " + token.error().message));
  e.kind = ErrorKind::unreachable;
  return e;
}

Status CurlSmtpSender::send_once(const OutgoingMail& mail) {
  login_denied_ = false;
  if (!handle_) return fail("cannot create a libcurl handle");
  CURL* h = handle_.get();
  const char* scheme = config_.security == parsers::Security::tls ? "smtps" : "smtp";
  std::string url = std::string(scheme) + "://" + config_.host + ":" + std::to_string(config_.port);
  SlistPtr rcpts;
  for (const auto& r : mail.rcpt_to) rcpts.reset(curl_slist_append(rcpts.release(), r.c_str()));
  // The desk's own copy, in the same transaction: the server's receipt that
  // intake reads back (smtp.sent_copy; store/ marks the row sent by it).
  if (!config_.sent_copy.empty() &&
      std::find(mail.rcpt_to.begin(), mail.rcpt_to.end(), config_.sent_copy) == mail.rcpt_to.end())
    rcpts.reset(curl_slist_append(rcpts.release(), config_.sent_copy.c_str()));
  Upload up{&mail.raw};
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, ("<" + mail.mail_from + ">").c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpts.get());
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(h, CURLOPT_READDATA, &up);
  curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(mail.raw.size()));
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 15L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, static_cast<long>(config_.timeout_s));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_USE_SSL, config_.security == parsers::Security::starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, config_.verify_tls ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, config_.verify_tls ? 2L : 0L);
  if (!config_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, config_.ca_file.c_str());
  if (!config_.username.empty()) curl_easy_setopt(h, CURLOPT_USERNAME, config_.username.c_str());
  if (tokens_) {
    // XOAUTH2 by name, as Microsoft 365 and Gmail take it for SMTP AUTH.
    curl_easy_setopt(h, CURLOPT_XOAUTH2_BEARER, bearer_token_.c_str());
    curl_easy_setopt(h, CURLOPT_LOGIN_OPTIONS, "AUTH=XOAUTH2");
  } else if (!config_.username.empty()) {
    curl_easy_setopt(h, CURLOPT_PASSWORD, password_.c_str());
  }
  CURLcode rc = curl_easy_perform(h);
  login_denied_ = rc == CURLE_LOGIN_DENIED;
  // The slist dies at the end of this call; libcurl must not keep a pointer to it.
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, nullptr);
  if (rc == CURLE_OK) return Ok{};
  long code = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  std::string detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
  const bool permanent = code >= 500 && code < 600;
  Error e = fail("SMTP " + server() + ": " + detail +
                     (code ? " (reply " + std::to_string(code) + ")" : ""),
                 permanent);
  if (code == 0) e.kind = ErrorKind::unreachable;  // not even a greeting: the server is down or cut off
  return e;
}

}  // namespace intake::daemon
