// IMAP server answers as intake reads them: untagged lines and their literals
// assembled from bytes as they arrive, SEARCH, STATUS, EXAMINE and FETCH
// answers. The server is not trusted: lines and literals are bounded, numbers
// are range-checked, and bytes may arrive split anywhere. No sockets here
// (the adapters in curl_imap_source.* and observed_imap.* do the I/O), so the
// fuzz build links this without libcurl.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>


namespace intake::daemon {

// What STATUS or EXAMINE says of a folder.
struct FolderStatus {
  std::uint64_t uidvalidity = 0;
  std::uint64_t uidnext = 0;
};

// One untagged answer: its text with each literal replaced by "{}", and the
// literals in order.
struct ImapUntagged {
  std::string text;
  std::vector<std::string> literals;
};

// Assembles the answer to one tagged command from bytes in any split: the
// untagged answers (each line, with the literals it announces as {N} or
// {N+}), up to the tagged line. Whatever comes after the tagged line is left
// for the next command (rest()).
class ImapAnswerReader {
 public:
  struct Limits {
    std::size_t max_line_bytes = 1 << 20;     // one line without its literals
    std::size_t max_literal_bytes = 1 << 26;  // one literal
    std::size_t max_answer_bytes = std::size_t{1} << 27;  // lines and literals together
  };
  enum class State { reading, done, failed };

  ImapAnswerReader(std::string tag, const Limits& limits);
  // Takes more bytes from the server; reading until the tagged line was read
  // (done) or the answer broke a limit (failed: the connection's rest is
  // unreadable).
  State feed(std::string_view bytes);
  State state() const { return state_; }
  const std::vector<ImapUntagged>& untagged() const { return untagged_; }
  std::vector<ImapUntagged> take_untagged() { return std::move(untagged_); }
  // The tagged line without its tag ("OK [READ-ONLY] done"), once done.
  const std::string& tagged() const { return tagged_; }
  bool tagged_ok() const;  // OK, any case
  bool tagged_no() const;  // NO: the server refused this command (BAD or anything else: not)
  // Why it failed, for humans.
  const std::string& error() const { return error_; }
  // Bytes after the tagged line, once done.
  std::string rest() const { return buffer_.substr(at_); }

 private:
  void step();
  bool take_literal();                     // false: the literal's bytes are not all here yet
  std::optional<std::string> next_line();  // without its CRLF; nullopt: more bytes needed, or failed
  void take_line(const std::string& line);
  State fail(std::string why);

  std::string tag_;
  Limits limits_;
  State state_ = State::reading;
  std::string buffer_;  // unread bytes from at_ on
  std::size_t at_ = 0;
  std::size_t literal_pending_ = 0;  // bytes of the literal being read
  bool in_literal_ = false;
  bool in_untagged_ = false;
  std::size_t total_bytes_ = 0;
  ImapUntagged current_;
  std::vector<ImapUntagged> untagged_;
  std::string tagged_;
  std::string error_;
};

// UIDs of every "* SEARCH" line, sorted, without duplicates; words that are
// not a number of at most 19 digits are skipped.
std::vector<std::uint64_t> parse_search_response(const std::string& text);
// UIDVALIDITY and UIDNEXT of a STATUS answer (0 when absent).
FolderStatus parse_status_response(const std::string& text);
// The RFC822.SIZE of a FETCH answer; nullopt when absent. At most 2^50.
std::optional<std::uint64_t> parse_rfc822_size(const std::string& text);
// [UIDVALIDITY n] and [UIDNEXT n] of an EXAMINE (or SELECT) answer.
FolderStatus parse_examine_response(const std::vector<ImapUntagged>& untagged);
// The BODY[] literal of the FETCH answer for `uid`; nullopt when absent.
std::optional<std::string> fetched_body(const std::vector<ImapUntagged>& untagged, std::uint64_t uid);

// A quoted IMAP string; CR and LF dropped, so no value can end the command.
std::string imap_quote(const std::string& s);
// 1,2,3,7 -> "1:3,7".
std::string uid_set(const std::vector<std::uint64_t>& uids);

}  // namespace intake::daemon
