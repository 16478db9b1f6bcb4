#include "parsers/imap/imap_responses.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <sstream>

namespace intake::daemon {
namespace {

std::uint64_t number_after(const std::string& text, const std::string& key) {
  auto pos = text.find(key);
  if (pos == std::string::npos) return 0;
  pos += key.size();
  while (pos < text.size() && text[pos] == ' ') ++pos;
  std::uint64_t v = 0;
  int digits = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && digits < 19) {
    v = v * 10 + static_cast<std::uint64_t>(text[pos] - '0');
    ++pos;
    ++digits;
  }
  return v;
}

bool starts_with_ci(const std::string& s, std::size_t at, const char* word) {
  const std::size_t n = std::strlen(word);
  if (s.size() < at + n) return false;
  for (std::size_t i = 0; i < n; ++i)
    if (std::toupper(static_cast<unsigned char>(s[at + i])) != word[i]) return false;
  return true;
}

std::string mib(std::size_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

// A literal announced at the end of a line: {N}, or {N+} (LITERAL+).
struct AnnouncedLiteral {
  std::size_t open = 0;  // where the '{' is
  std::string digits;    // N as written
  std::size_t size = 0;
};

std::optional<AnnouncedLiteral> announced_literal(const std::string& line) {
  if (line.empty() || line.back() != '}') return std::nullopt;
  const std::size_t open = line.rfind('{');
  if (open == std::string::npos) return std::nullopt;
  std::string digits = line.substr(open + 1, line.size() - open - 2);
  if (!digits.empty() && digits.back() == '+') digits.pop_back();
  if (digits.empty() || digits.size() > 12 || digits.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  const std::size_t size = std::stoull(digits);
  return AnnouncedLiteral{open, std::move(digits), size};
}

}  // namespace

ImapAnswerReader::ImapAnswerReader(std::string tag, const Limits& limits) : tag_(std::move(tag) + " "), limits_(limits) {}

bool ImapAnswerReader::tagged_ok() const { return state_ == State::done && starts_with_ci(tagged_, 0, "OK"); }
bool ImapAnswerReader::tagged_no() const { return state_ == State::done && starts_with_ci(tagged_, 0, "NO"); }

ImapAnswerReader::State ImapAnswerReader::fail(std::string why) {
  error_ = std::move(why);
  state_ = State::failed;
  return state_;
}

ImapAnswerReader::State ImapAnswerReader::feed(std::string_view bytes) {
  if (state_ != State::reading) return state_;
  buffer_.append(bytes);
  step();
  if (state_ == State::reading && at_ > 0) {
    buffer_.erase(0, at_);
    at_ = 0;
  }
  return state_;
}

// Every check depends only on the bytes, never on how they were split, so an
// answer reads the same whatever the network did (the fuzz target checks it).
void ImapAnswerReader::step() {
  while (state_ == State::reading) {
    if (in_literal_) {
      if (!take_literal()) return;
      continue;  // the untagged answer goes on after the literal
    }
    std::optional<std::string> line = next_line();
    if (!line) return;
    take_line(*line);
  }
}

bool ImapAnswerReader::take_literal() {
  if (buffer_.size() - at_ < literal_pending_) return false;
  current_.literals.push_back(buffer_.substr(at_, literal_pending_));
  at_ += literal_pending_;
  in_literal_ = false;
  return true;
}

std::optional<std::string> ImapAnswerReader::next_line() {
  const std::size_t available = buffer_.size() - at_;
  const std::size_t eol = buffer_.find("\r\n", at_);
  if (eol == std::string::npos) {
    // +1: a trailing CR may be the start of the line's CRLF.
    if (available > limits_.max_line_bytes + 1) fail("an answer line longer than " + mib(limits_.max_line_bytes));
    return std::nullopt;
  }
  if (eol - at_ > limits_.max_line_bytes) {
    fail("an answer line longer than " + mib(limits_.max_line_bytes));
    return std::nullopt;
  }
  std::string line = buffer_.substr(at_, eol - at_);
  at_ = eol + 2;
  return line;
}

// The tagged line ends the answer; any other line goes into the untagged
// answer being read, which it ends unless it announces a literal.
void ImapAnswerReader::take_line(const std::string& line) {
  if (!in_untagged_) {
    if (line.compare(0, tag_.size(), tag_) == 0) {
      tagged_ = line.substr(tag_.size());
      state_ = State::done;
      return;
    }
    current_ = ImapUntagged{};
    in_untagged_ = true;
  }
  if (const auto literal = announced_literal(line)) {
    if (literal->size > limits_.max_literal_bytes) {
      fail("a literal of " + literal->digits + " bytes, over the " + std::to_string(limits_.max_literal_bytes) +
           " this reader takes");
      return;
    }
    current_.text += line.substr(0, literal->open) + "{}";
    total_bytes_ += literal->open + literal->size;
    if (total_bytes_ > limits_.max_answer_bytes) {
      fail("an answer over " + mib(limits_.max_answer_bytes));
      return;
    }
    literal_pending_ = literal->size;
    in_literal_ = true;
    return;
  }
  current_.text += line;
  total_bytes_ += line.size();
  if (total_bytes_ > limits_.max_answer_bytes) {
    fail("an answer over " + mib(limits_.max_answer_bytes));
    return;
  }
  untagged_.push_back(std::move(current_));
  current_ = ImapUntagged{};
  in_untagged_ = false;
}

std::vector<std::uint64_t> parse_search_response(const std::string& text) {
  std::vector<std::uint64_t> uids;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("* SEARCH", 0) != 0) continue;
    std::istringstream words(line.substr(8));
    std::string w;
    while (words >> w) {
      if (w.empty() || w.size() > 19 || !std::all_of(w.begin(), w.end(), [](unsigned char c) { return std::isdigit(c); }))
        continue;
      uids.push_back(std::stoull(w));
    }
  }
  std::sort(uids.begin(), uids.end());
  uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
  return uids;
}

FolderStatus parse_status_response(const std::string& text) {
  FolderStatus s;
  s.uidvalidity = number_after(text, "UIDVALIDITY");
  s.uidnext = number_after(text, "UIDNEXT");
  return s;
}

std::optional<std::uint64_t> parse_rfc822_size(const std::string& text) {
  const auto at = text.find("RFC822.SIZE ");
  if (at == std::string::npos) return std::nullopt;
  std::uint64_t size = 0;
  for (std::size_t i = at + 12; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) && size < (1ULL << 50); ++i)
    size = size * 10 + static_cast<std::uint64_t>(text[i] - '0');
  return size;
}

FolderStatus parse_examine_response(const std::vector<ImapUntagged>& untagged) {
  FolderStatus s;
  for (const auto& u : untagged) {
    if (auto v = number_after(u.text, "[UIDVALIDITY"); v != 0) s.uidvalidity = v;
    if (auto v = number_after(u.text, "[UIDNEXT"); v != 0) s.uidnext = v;
  }
  return s;
}

std::optional<std::string> fetched_body(const std::vector<ImapUntagged>& untagged, std::uint64_t uid) {
  for (const auto& u : untagged) {
    // "* 5 FETCH (UID 12 BODY[]<0> {}" (literal) or "... BODY[]<0> NIL"
    if (u.text.find(" FETCH (") == std::string::npos) continue;
    if (number_after(u.text, "UID ") != uid) continue;
    const auto body = u.text.find("BODY[]");
    if (body == std::string::npos) continue;
    // Which literal: those before BODY[] belong to other items.
    std::size_t index = 0;
    for (std::size_t at = u.text.find("{}"); at != std::string::npos && at < body; at = u.text.find("{}", at + 2)) ++index;
    if (index < u.literals.size()) return u.literals[index];
    return std::string();  // NIL or an empty string: an empty message
  }
  return std::nullopt;
}

std::string imap_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\r' || c == '\n') continue;
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string uid_set(const std::vector<std::uint64_t>& uids) {
  // Ranges keep the command short for long batches: 1,2,3,7 -> 1:3,7.
  std::string out;
  for (std::size_t i = 0; i < uids.size();) {
    std::size_t j = i;
    while (j + 1 < uids.size() && uids[j + 1] == uids[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(uids[i]);
    if (j > i) out += ':' + std::to_string(uids[j]);
    i = j + 1;
  }
  return out;
}

}  // namespace intake::daemon
