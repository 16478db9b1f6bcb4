// Read-only IMAP for observed mailboxes ([[observe]]): a manager's INBOX and
// Sent, read for the tallies and left exactly as they were.
//
// How: libcurl connects, does TLS (or STARTTLS) and logs in (CONNECT_ONLY),
// then this class speaks IMAP itself over that connection: EXAMINE (the
// read-only SELECT: the server itself refuses to change a flag in this
// session, and no message loses \Recent), UID SEARCH, and UID FETCH
// BODY.PEEK[]<0.n> (which never sets \Seen even where writing is allowed).
// Not libcurl's URL fetch, because it sends SELECT and FETCH BODY[] (which
// sets \Seen), nor a custom FETCH through libcurl, which drops the literal that
// carries the message (curl issue #536), nor "restore \Seen afterwards", which
// races with the owner's own client and still changes the mailbox (MODSEQ).
// There is no method here that could store, copy, move or expunge anything.
// The server's answers are untrusted: lines and literals are bounded.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "parsers/config/config.hpp"
#include "parsers/imap/imap_responses.hpp"
#include "daemon/adapters/imap/imap_session.hpp"
#include "daemon/core/mailbox_source.hpp"
#include "daemon/core/observed_mailbox.hpp"
#include "parsers/common/result.hpp"
#include "daemon/adapters/files/token_source.hpp"

namespace intake::daemon {

class CurlReadOnlyImap final : public ObservedSource {
 public:
  CurlReadOnlyImap(const parsers::ObserveConfig& config, std::string password);
  // auth = xoauth2: SASL XOAUTH2 with a token from `tokens`, asked again once
  // when the server rejects it (it may have expired since).
  CurlReadOnlyImap(const parsers::ObserveConfig& config, std::unique_ptr<TokenSource> tokens);
  Result<FolderStatus> examine(const std::string& folder) override;
  Result<std::vector<std::uint64_t>> uids_from(std::uint64_t first) override;
  Result<std::string> peek(std::uint64_t uid) override;

 private:
  Result<std::vector<ImapUntagged>> command(const std::string& text) { return session_.command(text); }
  std::string server() const { return session_.server(); }

  static constexpr std::uint64_t uids_per_search = 2000;

  parsers::ObserveConfig config_;
  ImapSession session_;
  std::string folder_;
  FolderStatus status_;
};

}  // namespace intake::daemon

namespace intake::daemon {

}  // namespace intake::daemon
