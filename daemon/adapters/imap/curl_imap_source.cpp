#include "daemon/adapters/imap/curl_imap_source.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "daemon/adapters/imap/imap_session.hpp"
#include "daemon/core/logging.hpp"
#include "parsers/common/strings.hpp"

namespace intake::daemon {

CurlImapSource::CurlImapSource(const parsers::MailboxConfig& config, std::string password, std::size_t max_message_bytes)
    : config_(config), password_(std::move(password)), max_message_bytes_(max_message_bytes), handle_(curl_easy_init()) {}

CurlImapSource::CurlImapSource(const parsers::MailboxConfig& config, std::unique_ptr<TokenSource> tokens,
                               std::size_t max_message_bytes)
    : config_(config), tokens_(std::move(tokens)), max_message_bytes_(max_message_bytes), handle_(curl_easy_init()) {}

std::string CurlImapSource::server() const {
  const bool ipv6 = config_.host.find(':') != std::string::npos;
  return (ipv6 ? "[" + config_.host + "]" : config_.host) + ":" + std::to_string(config_.port);
}

std::string CurlImapSource::base_url() const {
  const char* scheme = config_.security == parsers::Security::tls ? "imaps" : "imap";
  std::string host = config_.host.find(':') != std::string::npos ? "[" + config_.host + "]" : config_.host;
  return std::string(scheme) + "://" + host + ":" + std::to_string(config_.port) + "/";
}

std::string CurlImapSource::folder_url(const std::string& folder) const { return base_url() + parsers::percent_encode(folder, "/"); }

Result<std::string> CurlImapSource::perform(const std::string& url, const std::string& custom_request, std::size_t max_bytes) {
  if (tokens_ && bearer_token_.empty()) {
    auto token = tokens_->token();
    if (!token) return fail("IMAP " + server() + ": no bearer token: " + token.error().message);
    bearer_token_ = std::move(token.value());
  }
  auto result = perform_once(url, custom_request, max_bytes);
  if (result || !login_denied_ || !tokens_ || token_refreshed_) return result;
  // Access tokens live about an hour (Microsoft 365, Gmail) and a refreshing
  // helper may have written a new one since: a rejected login is the sign to
  // ask again. Once, so a bad configuration fails fast instead of looping.
  token_refreshed_ = true;
  stage_logger("fetch")->info("mailbox {}: {} rejected the bearer token; asking for a fresh one and retrying once",
                              config_.name, server());
  auto token = tokens_->token();
  if (!token)
    return fail("IMAP " + server() + ": the server rejected the bearer token, and getting a fresh one failed: " +
                token.error().message);
  bearer_token_ = std::move(token.value());
  auto again = perform_once(url, custom_request, max_bytes);
  if (!again && login_denied_)
    return fail("IMAP " + server() + ": login denied for " + config_.username +
                " (auth xoauth2): the server rejected the bearer token, and the fresh one too");
  return again;
}

Result<std::string> CurlImapSource::perform_once(const std::string& url, const std::string& custom_request,
                                                 std::size_t max_bytes) {
  login_denied_ = false;
  if (!handle_) return fail("cannot create a libcurl handle");
  CURL* h = handle_.get();
  CurlSink sink;
  sink.max_bytes = max_bytes;
  sink.handle = h;
  char errbuf[CURL_ERROR_SIZE] = {0};
  set_login_options(h, config_, url, password_, bearer_token_);
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, custom_request.empty() ? nullptr : custom_request.c_str());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, intake_curl_sink_write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h, CURLOPT_BUFFERSIZE, receive_buffer_bytes);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    if (sink.overflow) {
      Error e = fail("message larger than " + std::to_string(max_bytes) + " bytes", true);
      e.kind = ErrorKind::too_large;
      return e;
    }
    const std::string detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    const std::string where = "IMAP " + server() + ": ";
    // None of these is permanent: they are about the connection, not the
    // message being fetched, and must never send a message to quarantine.
    switch (rc) {
      case CURLE_PEER_FAILED_VERIFICATION:
        return fail(where + "the server's TLS certificate could not be verified (" + detail +
                    "); set ca_file to the CA that issued it, or fix the server's certificate");
      case CURLE_SSL_CACERT_BADFILE:
        return fail(where + "cannot use the CA file " + (config_.ca_file.empty() ? "(system default)" : config_.ca_file) +
                    " (" + detail + ")");
      case CURLE_USE_SSL_FAILED:
        return fail(where + "the server does not offer STARTTLS; not logging in without TLS (" + detail + ")");
      case CURLE_LOGIN_DENIED:
        login_denied_ = true;
        return fail(where + "login denied for " + config_.username + " (auth " + parsers::to_string(config_.auth) +
                    "): " + detail);
      default:
        return fail(where + detail);
    }
  }
  return std::move(sink.data);
}

Result<FolderStatus> CurlImapSource::status() {
  auto r = perform(base_url(), "STATUS " + imap_quote(config_.folder) + " (UIDVALIDITY UIDNEXT)", 1 << 20);
  if (!r) return r.error();
  FolderStatus s = parse_status_response(r.value());
  if (s.uidvalidity == 0) return fail("IMAP STATUS gave no UIDVALIDITY for folder " + config_.folder);
  uidnext_ = s.uidnext;
  return s;
}

Result<std::vector<std::uint64_t>> CurlImapSource::search_uids(std::uint64_t first, std::uint64_t last, bool unseen_only) {
  first = std::max<std::uint64_t>(first, 1);
  // A SEARCH answer is one line listing every match, and libcurl silently cuts
  // a long response line (receive_buffer_bytes): search in windows of UIDs,
  // narrow where messages are, growing over empty stretches; a grown window
  // that finds messages is searched again in narrow windows, since its answer
  // may have been cut (the UIDs lost from the middle would otherwise be
  // skipped for good: last_uid passes them). Messages that arrive after
  // STATUS are left for the next cycle.
  const std::uint64_t end = last != 0 ? last : (uidnext_ > 0 ? uidnext_ - 1 : 0);
  std::vector<std::uint64_t> uids;
  if (end != 0 && end < first) return uids;
  std::uint64_t width = uids_per_search;
  for (std::uint64_t lo = first;;) {
    const std::uint64_t hi = end == 0 ? 0 : std::min(end, lo + width - 1);
    const std::string range = std::to_string(lo) + ":" + (hi == 0 ? "*" : std::to_string(hi));
    auto r = perform(folder_url(config_.folder), std::string("UID SEARCH ") + (unseen_only ? "UNSEEN " : "") + "UID " + range,
                     1 << 20);
    if (!r) return r.error();
    auto found = parse_search_response(r.value());
    // "n:*" always matches the highest UID, even one below n (RFC 3501 6.4.8).
    std::erase_if(found, [&](std::uint64_t u) { return u < lo || (hi != 0 && u > hi); });
    if (!found.empty() && width > uids_per_search) {
      width = uids_per_search;  // the same range again, narrowly
      continue;
    }
    uids.insert(uids.end(), found.begin(), found.end());
    if (hi == 0 || hi >= end) break;
    width = found.empty() ? std::min<std::uint64_t>(width * 4, std::uint64_t{1} << 32) : uids_per_search;
    lo = hi + 1;
  }
  std::sort(uids.begin(), uids.end());
  uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
  return uids;
}

Result<std::string> CurlImapSource::fetch(std::uint64_t uid) {
  return perform(folder_url(config_.folder) + "/;UID=" + std::to_string(uid), "", max_message_bytes_);
}

Result<std::string> CurlImapSource::fetch_header(std::uint64_t uid) {
  auto r = perform(folder_url(config_.folder) + "/;UID=" + std::to_string(uid) + "/;SECTION=HEADER", "", max_header_bytes);
  if (!r && r.error().too_large()) return fail("its header section is larger than " + std::to_string(max_header_bytes) + " bytes", true);
  return r;
}

Result<std::uint64_t> CurlImapSource::size_of(std::uint64_t uid) {
  // No literal in this answer, so a custom command serves (libcurl drops literals there).
  auto r = perform(folder_url(config_.folder), "UID FETCH " + std::to_string(uid) + " (RFC822.SIZE)", 1 << 16);
  if (!r) return r.error();
  const auto size = parse_rfc822_size(r.value());
  if (!size) return fail("IMAP " + server() + ": no RFC822.SIZE for UID " + std::to_string(uid));
  return *size;
}

Status CurlImapSource::mark_processed(const std::vector<std::uint64_t>& uids) {
  // Each moved message is one untagged EXPUNGE line in the answer, and
  // libcurl 7.88 fails on long runs of them (seen from about 200 on): move in
  // chunks, each its own command.
  for (std::size_t at = 0; at < uids.size(); at += uids_per_command) {
    const std::vector<std::uint64_t> chunk(uids.begin() + static_cast<std::ptrdiff_t>(at),
                                           uids.begin() + static_cast<std::ptrdiff_t>(std::min(uids.size(), at + uids_per_command)));
    if (auto r = mark_chunk_processed(chunk); !r) return r;
  }
  return Ok{};
}

Status CurlImapSource::mark_chunk_processed(const std::vector<std::uint64_t>& uids) {
  const std::string set = uid_set(uids);
  const std::string url = folder_url(config_.folder);
  if (config_.processed_folder.empty()) {
    auto r = perform(url, "UID STORE " + set + " +FLAGS.SILENT (\\Seen)", 1 << 20);
    if (!r) return r.error();
    return Ok{};
  }
  auto moved = perform(url, "UID MOVE " + set + " " + imap_quote(config_.processed_folder), 1 << 20);
  if (moved) return Ok{};
  // No MOVE (RFC 6851) on this server: COPY, flag \Deleted, expunge.
  auto copied = perform(url, "UID COPY " + set + " " + imap_quote(config_.processed_folder), 1 << 20);
  if (!copied) return copied.error();
  auto flagged = perform(url, "UID STORE " + set + " +FLAGS.SILENT (\\Deleted)", 1 << 20);
  if (!flagged) return flagged.error();
  auto expunged = perform(url, "UID EXPUNGE " + set, 1 << 20);
  if (!expunged) {
    auto plain = perform(url, "EXPUNGE", 1 << 20);
    if (!plain) return plain.error();
  }
  return Ok{};
}

}  // namespace intake::daemon
