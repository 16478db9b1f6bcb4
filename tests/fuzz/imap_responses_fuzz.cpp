// libFuzzer harness over IMAP server answers as intake reads them
// (daemon/imap_responses.*): the bytes of a server's answer, delivered in
// pieces, assembled into untagged lines and literals (FETCH literals, {N+}),
// then read as EXAMINE, SEARCH, STATUS, FETCH BODY[] and RFC822.SIZE answers.
// Never a crash, a hang or unbounded memory, and the reader's promises kept:
// the same answer whatever the split, literals within their limit, SEARCH
// results sorted and unique.
//
// Input: byte 0 is the number of split points (0..15), then two bytes per
// split point (offsets into the answer, in any order), then the answer.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "parsers/imap/imap_responses.hpp"

namespace {

using intake::daemon::ImapAnswerReader;
using intake::daemon::ImapUntagged;

void require(bool holds, const char* promise) {
  if (holds) return;
  std::fprintf(stderr, "broken promise: %s\n", promise);
  std::abort();
}

ImapAnswerReader::Limits small_limits() {
  ImapAnswerReader::Limits l;
  l.max_line_bytes = 4096;
  l.max_literal_bytes = 16384;
  l.max_answer_bytes = 32768;
  return l;
}

// As a connection reads: piece by piece, no more once the answer is complete
// (`unread` gets what was not fed).
ImapAnswerReader read(std::string_view answer, const std::vector<std::size_t>& cuts, std::string& unread) {
  ImapAnswerReader reader("v7", small_limits());
  std::size_t from = 0;
  for (std::size_t cut : cuts) {
    if (reader.feed(answer.substr(from, cut - from)) != ImapAnswerReader::State::reading) {
      unread = std::string(answer.substr(cut));
      return reader;
    }
    from = cut;
  }
  reader.feed(answer.substr(from));
  return reader;
}

bool same(const std::vector<ImapUntagged>& a, const std::vector<ImapUntagged>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].text != b[i].text || a[i].literals != b[i].literals) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace intake::daemon;
  if (size < 1) return 0;
  const std::size_t splits = data[0] % 16u;
  if (size < 1 + 2 * splits) return 0;
  const std::string_view answer(reinterpret_cast<const char*>(data) + 1 + 2 * splits, size - 1 - 2 * splits);
  std::vector<std::size_t> cuts;
  for (std::size_t i = 0; i < splits; ++i) {
    const std::size_t at = static_cast<std::size_t>(data[1 + 2 * i]) << 8 | data[2 + 2 * i];
    cuts.push_back(answer.empty() ? 0 : at % (answer.size() + 1));
  }
  std::sort(cuts.begin(), cuts.end());

  std::string unread_whole, unread_split;
  const ImapAnswerReader whole = read(answer, {}, unread_whole);
  const ImapAnswerReader split = read(answer, cuts, unread_split);
  require(whole.state() == split.state(), "the same state whatever the split");
  require(same(whole.untagged(), split.untagged()), "the same untagged answers whatever the split");
  require(whole.tagged() == split.tagged() && whole.error() == split.error(), "the same ending whatever the split");
  if (whole.state() == ImapAnswerReader::State::done) require(whole.rest() == split.rest() + unread_split, "the same rest");
  if (whole.state() == ImapAnswerReader::State::failed) require(!whole.error().empty(), "a failure says why");
  require(!(whole.tagged_ok() && whole.tagged_no()), "OK and NO exclude each other");

  std::size_t total = 0, literals = 0;
  std::string text;
  for (const auto& u : whole.untagged()) {
    std::size_t placeholders = 0;
    for (auto at = u.text.find("{}"); at != std::string::npos; at = u.text.find("{}", at + 2)) ++placeholders;
    require(placeholders >= u.literals.size(), "each literal has its {} in the text");
    for (const auto& l : u.literals) {
      require(l.size() <= small_limits().max_literal_bytes, "a literal within max_literal_bytes");
      total += l.size();
      ++literals;
    }
    total += u.text.size();
    text += u.text + "\r\n";
  }
  // Each literal's {N} became "{}" in the text.
  require(total <= small_limits().max_answer_bytes + 2 * literals, "an answer within max_answer_bytes");

  const FolderStatus examined = parse_examine_response(whole.untagged());
  (void)examined;
  const auto uids = parse_search_response(text);
  require(std::is_sorted(uids.begin(), uids.end()) && std::adjacent_find(uids.begin(), uids.end()) == uids.end(),
          "SEARCH UIDs sorted and unique");
  const std::string raw(answer);
  (void)parse_status_response(raw);
  if (const auto n = parse_rfc822_size(raw)) require(*n < (std::uint64_t{1} << 50) * 10 + 10, "RFC822.SIZE bounded");
  for (const std::uint64_t uid : {std::uint64_t{1}, std::uint64_t{7}, uids.empty() ? 0 : uids.front()}) {
    if (const auto body = fetched_body(whole.untagged(), uid)) require(body->size() <= small_limits().max_literal_bytes, "a body is a literal");
  }
  return 0;
}
