#include "daemon/adapters/imap/observed_imap.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <sstream>

#include "daemon/adapters/imap/curl_imap_source.hpp"

namespace intake::daemon {

CurlReadOnlyImap::CurlReadOnlyImap(const parsers::ObserveConfig& config, std::string password)
    : config_(config),
      session_(config, std::move(password), nullptr, static_cast<std::size_t>(config.max_message_bytes)) {}

CurlReadOnlyImap::CurlReadOnlyImap(const parsers::ObserveConfig& config, std::unique_ptr<TokenSource> tokens)
    : config_(config),
      session_(config, std::string(), std::move(tokens), static_cast<std::size_t>(config.max_message_bytes)) {}

Result<FolderStatus> CurlReadOnlyImap::examine(const std::string& folder) {
  auto r = command("EXAMINE " + imap_quote(folder));
  if (!r) return r.error();
  FolderStatus s = parse_examine_response(r.value());
  if (s.uidvalidity == 0) return fail("IMAP " + server() + ": EXAMINE " + folder + " gave no UIDVALIDITY");
  // RFC 3501 6.3.2: EXAMINE answers [READ-ONLY]. A server that opened the
  // folder for writing anyway is not read from.
  if (session_.last_tagged().find("[READ-ONLY]") == std::string::npos)
    return fail("IMAP " + server() + ": EXAMINE " + folder + " did not open it read-only (" + session_.last_tagged() + "); not reading it");
  folder_ = folder;
  status_ = s;
  return s;
}

Result<std::vector<std::uint64_t>> CurlReadOnlyImap::uids_from(std::uint64_t first) {
  first = std::max<std::uint64_t>(first, 1);
  std::vector<std::uint64_t> uids;
  if (folder_.empty()) return fail("no folder examined");
  if (status_.uidnext == 0) {
    // RFC 3501 requires UIDNEXT in the EXAMINE answer; a server without it
    // is asked once without an upper end (the 1 MiB line bound still holds).
    auto r = command("UID SEARCH UID " + std::to_string(first) + ":*");
    if (!r) return r.error();
    std::string text;
    for (const auto& u : r.value()) text += u.text + "\n";
    uids = parse_search_response(text);
    std::erase_if(uids, [&](std::uint64_t u) { return u < first; });  // "n:*" always matches the highest
    return uids;
  }
  const std::uint64_t end = status_.uidnext - 1;
  if (end == 0 || end < first) return uids;
  // In windows of UIDs, so no answer line grows without bound.
  for (std::uint64_t lo = first; lo <= end;) {
    const std::uint64_t hi = std::min(end, lo + uids_per_search - 1);
    auto r = command("UID SEARCH UID " + std::to_string(lo) + ":" + std::to_string(hi));
    if (!r) return r.error();
    std::string text;
    for (const auto& u : r.value()) text += u.text + "\n";
    auto found = parse_search_response(text);
    std::erase_if(found, [&](std::uint64_t u) { return u < lo || u > hi; });
    uids.insert(uids.end(), found.begin(), found.end());
    lo = hi + 1;
  }
  std::sort(uids.begin(), uids.end());
  uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
  return uids;
}

Result<std::string> CurlReadOnlyImap::peek(std::uint64_t uid) {
  auto r = command("UID FETCH " + std::to_string(uid) + " (UID BODY.PEEK[]<0." + std::to_string(config_.max_message_bytes) + ">)");
  if (!r) return r.error();
  auto body = fetched_body(r.value(), uid);
  if (!body) return fail("IMAP " + server() + ": no message with UID " + std::to_string(uid) + " in " + folder_, true);
  return std::move(*body);
}

}  // namespace intake::daemon
