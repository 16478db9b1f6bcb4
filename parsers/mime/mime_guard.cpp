#include "parsers/mime/mime_guard.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "parsers/common/charset.hpp"

namespace intake::parsers {
namespace {

bool iequals_prefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    const char c = s[i] >= 'A' && s[i] <= 'Z' ? static_cast<char>(s[i] + ('a' - 'A')) : s[i];  // ASCII only, no locale
    if (c != prefix[i]) return false;
  }
  return true;
}

std::string_view rtrim_ws(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A boundary value starting at raw[at], quoted or not, at most 200 bytes, into
// `value`; returns where it ends.
std::size_t read_boundary_value(std::string_view raw, std::size_t at, std::string& value) {
  if (at < raw.size() && raw[at] == '"') {
    ++at;
    while (at < raw.size() && raw[at] != '"' && raw[at] != '\r' && raw[at] != '\n' && value.size() < 200)
      value += raw[at++];
  } else {
    while (at < raw.size() && !std::isspace(static_cast<unsigned char>(raw[at])) && raw[at] != ';' &&
           value.size() < 200)
      value += raw[at++];
  }
  return at;
}

// Every boundary="..." parameter in the message, wherever it stands. Written by
// hand: we need it before (and instead of) a full parse.
std::unordered_set<std::string> declared_boundaries(std::string_view raw) {
  std::unordered_set<std::string> out;
  constexpr std::string_view key = "boundary";
  // Case-insensitive search for "boundary=": memchr finds each '=' (fast on
  // megabytes of attachment), then the eight bytes before it are compared.
  auto names_boundary = [&](std::size_t eq) {
    if (eq < key.size()) return false;
    for (std::size_t i = 0; i < key.size(); ++i)
      if ((static_cast<unsigned char>(raw[eq - key.size() + i]) | 0x20) != static_cast<unsigned char>(key[i])) return false;
    return true;
  };
  std::size_t pos = 0;
  while (out.size() < 4096 && pos < raw.size()) {
    const void* hit = std::memchr(raw.data() + pos, '=', raw.size() - pos);
    if (hit == nullptr) break;
    const std::size_t eq = static_cast<std::size_t>(static_cast<const char*>(hit) - raw.data());
    pos = eq + 1;
    if (!names_boundary(eq)) continue;
    std::string value;
    pos = read_boundary_value(raw, eq + 1, value);
    if (!value.empty()) out.insert(std::move(value));
  }
  return out;
}

enum class BoundaryLine { none, opening, closing };

struct BoundaryMatch {
  BoundaryLine kind = BoundaryLine::none;
  std::string_view boundary;
};

BoundaryMatch boundary_line(std::string_view line, const std::unordered_set<std::string>& boundaries) {
  if (boundaries.empty() || line.size() < 3 || line[0] != '-' || line[1] != '-') return {};
  std::string_view rest = line.substr(2);
  if (boundaries.count(std::string(rest)) > 0) return {BoundaryLine::opening, rest};
  if (rest.size() >= 2 && rest.substr(rest.size() - 2) == "--" &&
      boundaries.count(std::string(rest.substr(0, rest.size() - 2))) > 0)
    return {BoundaryLine::closing, rest.substr(0, rest.size() - 2)};
  return {};
}

bool is_multipart(std::string_view content_type) {
  content_type.remove_prefix(std::min(content_type.size(), content_type.find_first_not_of(" \t")));
  return iequals_prefix(content_type, "multipart/");
}

bool is_message_rfc822(std::string_view content_type) {
  content_type.remove_prefix(std::min(content_type.size(), content_type.find_first_not_of(" \t")));
  if (!iequals_prefix(content_type, "message/rfc822")) return false;
  content_type.remove_prefix(14);
  return content_type.empty() || content_type[0] == ';' || content_type[0] == ' ' || content_type[0] == '\t';
}

// The boundary a header block's Content-Type declares for a multipart, or "".
std::string multipart_boundary(std::string_view content_type) {
  if (!is_multipart(content_type)) return {};
  auto found = declared_boundaries(content_type);
  return found.empty() ? std::string() : *found.begin();
}

// "From alice@example.test Tue Nov 24 10:00:00 2026", not "From : ..." (obsolete
// RFC 5322 4.5.3 syntax with a blank before the colon).
bool is_mbox_from_line(std::string_view line) {
  if (line.rfind("From ", 0) != 0) return false;
  const auto next = line.find_first_not_of(' ', 5);
  return next != std::string_view::npos && line[next] != ':';
}

// A line that stands in a header block with neither a colon nor the blank
// that would make it a continuation.
bool is_broken_field(std::string_view line) {
  return !line.empty() && line[0] != ' ' && line[0] != '\t' && line.find(':') == std::string_view::npos;
}

// "Name: value" with a name as mailers write them (letters, digits, '-',
// '_', '.'; RFC 5322 allows more, but a look ahead must not take text for a
// field), blanks before the colon tolerated (obsolete syntax, RFC 5322 4.5).
bool is_field_line(std::string_view line) {
  std::size_t i = 0;
  const auto name_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.';
  };
  while (i < line.size() && name_char(line[i])) ++i;
  if (i == 0) return false;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  return i < line.size() && line[i] == ':';
}

// A Content-Type line that opens a level of MIME nesting (a multipart or a
// forwarded message), counted against Limits::max_multipart_nesting.
bool declares_nesting(std::string_view line) {
  if (!iequals_prefix(line, "content-type:") ||
      rtrim_ws(line.substr(13)).find_first_not_of(" \t") == std::string_view::npos)
    return false;
  std::string_view v = line.substr(13);
  v.remove_prefix(std::min(v.size(), v.find_first_not_of(" \t")));
  return iequals_prefix(v, "multipart/") || iequals_prefix(v, "message/rfc822");
}

// A type whose part the parser lists as an attachment whatever else it says
// (a discrete type that is not text, RFC 2046), written plainly: "type/subtype"
// then nothing, blanks or ';'. Anything odder is not elided.
bool is_attachment_type(std::string_view content_type) {
  std::string_view v = content_type;
  v.remove_prefix(std::min(v.size(), v.find_first_not_of(" \t")));
  const auto slash = v.find('/');
  if (slash == std::string_view::npos) return false;
  const std::string_view type = v.substr(0, slash);
  bool known = false;
  for (std::string_view t : {"application", "image", "audio", "video", "font", "model"})
    known = known || (type.size() == t.size() && iequals_prefix(type, t));
  if (!known) return false;
  std::size_t end = slash + 1;
  const auto token_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '+' ||
           c == '.' || c == '_';
  };
  while (end < v.size() && token_char(v[end])) ++end;
  if (end == slash + 1) return false;
  if (iequals_prefix(v.substr(slash + 1, end - slash - 1), opaque_rfc822_type.substr(12)) &&
      end - slash - 1 == opaque_rfc822_type.size() - 12)
    return false;  // what the parser takes for a forwarded message
  const std::string_view after = rtrim_ws(v.substr(end));
  return after.empty() || after[0] == ';';
}

// Every byte looked up, none skipped early: a branch-free loop over a line
// of 76 bytes is cheaper than stopping at the first odd one.
bool is_base64_line(std::string_view line) {
  static constexpr auto symbols = [] {
    std::array<unsigned char, 256> t{};
    for (std::size_t c = 'A'; c <= 'Z'; ++c) t[c] = t[c + ('a' - 'A')] = 1;
    for (std::size_t c = '0'; c <= '9'; ++c) t[c] = 1;
    t['+'] = t['/'] = t['='] = 1;
    return t;
  }();
  unsigned char all = 1;
  for (const char c : line) all &= symbols[static_cast<unsigned char>(c)];
  return !line.empty() && all != 0;
}

// Whether `text` holds `lower` (lower case, no letters' case in it matters
// otherwise) in any case: Horspool's skip over case-folded bytes. The
// standard searcher with a folding hash keeps its table in a hash map,
// which made this search a fifth of a big message's parse.
bool contains_ignoring_case(std::string_view text, std::string_view lower) {
  const auto fold = [](char c) {
    return static_cast<unsigned char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
  };
  const std::size_t n = lower.size();
  if (n == 0 || text.size() < n) return n == 0;
  std::array<std::size_t, 256> skip{};
  skip.fill(n);
  for (std::size_t i = 0; i + 1 < n; ++i) skip[fold(lower[i])] = n - 1 - i;
  for (std::size_t at = 0; at + n <= text.size(); at += skip[fold(text[at + n - 1])]) {
    std::size_t k = n;
    while (k > 0 && fold(text[at + k - 1]) == static_cast<unsigned char>(lower[k - 1])) --k;
    if (k == 0) return true;
  }
  return false;
}

// What guard_message knows of the header block it is in; a boundary line
// starts a new one.
struct HeaderBlock {
  bool dropping_field = false;  // the current field is over its bound
  bool dropping_block = false;  // the current header block is over its bound
  std::size_t block_bytes = 0;
  std::size_t field_bytes = 0;
  std::string content_type;  // this header block's first Content-Type, unfolded
  bool in_content_type = false, seen_content_type = false;
  std::size_t content_type_begin = std::string::npos, content_type_end = 0;  // its span in the output text
  std::string transfer_encoding;  // the first Content-Transfer-Encoding, when written out whole
  bool seen_transfer_encoding = false, in_transfer_encoding = false;
  // Elision (GuardedMessage::elided_parts): whether this part's base64 may
  // be elided, the body bytes written so far, where the header block ends
  // in the output, and where the counts of elided_base64_field stand (npos:
  // nothing elided yet).
  bool elidable = false;
  std::size_t body_bytes = 0;
  std::size_t header_end = std::string::npos;
  std::size_t counts_at = std::string::npos;
  std::size_t elided_symbols = 0, elided_padding = 0;
};

// guard_message's pass over the message, one line at a time.
class Guard {
 public:
  Guard(std::string_view raw, const Limits& limits) : limits_(limits), raw_(raw) {
    out_.text.reserve(raw.size() + raw.size() / 32);
    boundaries_ = declared_boundaries(raw);
  }

  // One line without its line end; `ended`: a '\n' ended it (the last line
  // may lack one). `rest`: the input after it, for the look ahead a line
  // without a colon needs.
  void take_line(std::string_view line, bool ended, std::string_view rest) {
    line = unpadded_boundary_line(line);
    if (auto match = boundary_line(line, boundaries_); match.kind != BoundaryLine::none) {
      take_boundary_line(line, match);
      return;
    }
    if (in_header_ && out_.text.empty() && is_mbox_from_line(line)) {  // nothing written yet: the first line
      out_.warnings.push_back("mbox 'From ' line before the headers dropped");
      return;
    }
    if (in_header_ && is_broken_field(line)) {
      if (headers_go_on(line, rest)) {
        out_.warnings.push_back("header line without ':' skipped: " + sanitize_utf8(line.substr(0, 60)));
        return;
      }
      out_.warnings.push_back("header line without ':' taken as the start of the body (no blank line before it)");
      end_header_block();
    } else if (in_header_ && line.empty()) {
      end_header_block();
      return;
    }
    if (in_header_) {
      take_header_line(line);
      return;
    }
    if (block_.elidable && !is_base64_line(line)) {
      // mimetic takes any line that starts with "--" and a boundary for
      // one ("--b-x" too): after a line of other bytes, the lines may be
      // another part's to mimetic, so nothing more of this one is elided.
      block_.elidable = false;
    }
    if (block_.elidable && block_.body_bytes >= limits_.elide_base64_after_bytes && !input_names_field()) {
      elide(line);
      return;
    }
    block_.body_bytes += line.size() + 2;
    out_.text.append(line);
    if (ended) out_.text.append("\r\n");
  }

  GuardedMessage finish() {
    write_counts();
    if (in_header_ && !out_.text.empty()) out_.text.append("\r\n");  // headers only: the blank line mimetic waits for
    if (!open_boundaries_.empty())
      out_.warnings.push_back("multipart not closed (no --" + sanitize_utf8(open_boundaries_.back().substr(0, 70)) +
                              "-- line): its last part runs to the end");
    if (multiparts_ > limits_.max_multipart_nesting || boundary_lines_ > limits_.max_parts) {
      out_.structure_too_deep = true;
      out_.warnings.push_back("MIME structure over limits (" + std::to_string(multiparts_) + " multiparts, " +
                              std::to_string(boundary_lines_) + " boundaries): body kept as text");
    }
    return std::move(out_);
  }

 private:
  std::string_view unpadded_boundary_line(std::string_view line) {
    const std::string_view trimmed = rtrim_ws(line);
    if (trimmed.size() == line.size() || boundary_line(trimmed, boundaries_).kind == BoundaryLine::none) return line;
    if (!warned_padding_) {
      out_.warnings.push_back("boundary line with trailing whitespace accepted (RFC 2046 padding)");
      warned_padding_ = true;
    }
    return trimmed;
  }

  // Whether the header block goes on after `broken` (a line without a colon
  // in it): a wrapped line that lost its leading blank, or a stray word,
  // with more fields after it. So when every broken line up to the blank
  // line (or the end of the input) is followed by a field; one followed by
  // anything else (text, a boundary, the blank line) means the body began
  // without its blank line (the old reading, as Postfix and Python's email
  // package have it). Each byte is looked at once: what was looked at is
  // remembered, so the pass stays linear in the input whatever it holds.
  bool headers_go_on(std::string_view broken, std::string_view rest) {
    if (broken.data() < looked_until_) return headers_went_on_;
    bool after_broken = true;
    std::size_t scanned = 0;
    while (!rest.empty()) {
      if (scanned > limits_.max_header_block_bytes) {
        after_broken = false;  // a block's worth of lines that look like headers: they are
        break;
      }
      const std::size_t eol = rest.find('\n');
      std::string_view line = rest.substr(0, eol);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty() || (after_broken && !is_field_line(line))) break;
      after_broken = is_broken_field(line);
      const std::size_t taken = eol == std::string_view::npos ? rest.size() : eol + 1;
      scanned += taken;
      rest.remove_prefix(taken);
    }
    // A later broken line before this point would be judged the same way.
    looked_until_ = rest.data();
    headers_went_on_ = !after_broken;
    return headers_went_on_;
  }

  bool input_names_field() {
    if (!names_field_) names_field_ = contains_ignoring_case(raw_, elided_base64_field);
    return *names_field_;
  }

  // One line of base64 symbols counted instead of written; the first makes
  // room for the counts in the part's header block (fixed width, so later
  // lines only overwrite digits).
  void elide(std::string_view line) {
    static constexpr std::size_t width = 20;  // digits: any size_t
    if (block_.counts_at == std::string::npos) {
      const std::string field = std::string(elided_base64_field) + ": " + std::string(width, '0') + " " + std::string(width, '0') + "\r\n";
      out_.text.insert(block_.header_end, field);
      block_.counts_at = block_.header_end + elided_base64_field.size() + 2;
      ++out_.elided_parts;
    }
    block_.elided_symbols += line.size();
    if (std::memchr(line.data(), '=', line.size()) != nullptr)
      block_.elided_padding += static_cast<std::size_t>(std::count(line.begin(), line.end(), '='));
  }

  // The part's counts into the room its first elided line made, once, when
  // the part ends (a boundary line, or the end of the message): written per
  // line, the digits cost more than the copy they spare.
  void write_counts() {
    static constexpr std::size_t width = 20;  // as elide() made room for
    if (block_.counts_at == std::string::npos) return;
    write_digits(block_.counts_at, width, block_.elided_symbols);
    write_digits(block_.counts_at + width + 1, width, block_.elided_padding);
  }

  // `value` in decimal over the `width` zeros at `at`, right-aligned.
  void write_digits(std::size_t at, std::size_t width, std::size_t value) {
    for (std::size_t i = width; i > 0 && value > 0; --i, value /= 10)
      out_.text[at + i - 1] = static_cast<char>('0' + value % 10);
  }

  void take_boundary_line(std::string_view line, const BoundaryMatch& match) {
    ++boundary_lines_;
    // Back at the level of the multipart around a forwarded message: its end.
    const auto level = std::find(open_boundaries_.begin(), open_boundaries_.end(), match.boundary);
    if (level != open_boundaries_.end() && static_cast<std::size_t>(level - open_boundaries_.begin()) < opaque_below_)
      opaque_below_ = std::string::npos;
    close_inside(match);
    in_header_ = match.kind == BoundaryLine::opening;
    // A part mimetic sees as one: the innermost open multipart's.
    block_is_part_ = in_header_ && !open_boundaries_.empty() && open_boundaries_.back() == match.boundary;
    write_counts();
    block_ = HeaderBlock{};
    out_.text.append(line);
    out_.text.append("\r\n");
  }

  // A boundary line of an open multipart closes the ones inside it, and a
  // closing one that multipart too.
  void close_inside(const BoundaryMatch& match) {
    auto open = std::find(open_boundaries_.begin(), open_boundaries_.end(), match.boundary);
    if (open == open_boundaries_.end()) return;
    // By position: the pops below end with this one, so no iterator outlives them.
    const auto depth = static_cast<std::size_t>(open - open_boundaries_.begin()) + 1;
    while (open_boundaries_.size() > depth) {
      if (!warned_unclosed_) {
        out_.warnings.push_back("multipart not closed before its outer boundary: closed there (RFC 2046)");
        warned_unclosed_ = true;
      }
      out_.text.append("--").append(open_boundaries_.back()).append("--\r\n");
      open_boundaries_.pop_back();
    }
    if (match.kind == BoundaryLine::closing) open_boundaries_.pop_back();
  }

  // The blank line (or what stands for it): the block's Content-Type decides
  // what mimetic is to see of the body.
  void end_header_block() {
    in_header_ = false;
    const bool has_span = block_.content_type_begin != std::string::npos;
    // Inside a forwarded message (its bytes are parsed again, whole) nothing is elided.
    if (is_message_rfc822(block_.content_type) && opaque_below_ == std::string::npos)
      opaque_below_ = open_boundaries_.size();
    // A message no longer than the threshold has no part to elide, and its
    // lines need no base64 check (a quarter of a parse's time otherwise).
    block_.elidable = limits_.elide_base64_after_bytes > 0 && raw_.size() > limits_.elide_base64_after_bytes &&
                      block_is_part_ && opaque_below_ == std::string::npos &&
                      has_span && is_attachment_type(block_.content_type) && block_.transfer_encoding == "base64";
    if (auto boundary = multipart_boundary(block_.content_type); !boundary.empty()) {
      open_boundaries_.push_back(std::move(boundary));
    } else if (is_multipart(block_.content_type) && has_span) {
      // Without a boundary mimetic splits on bare "--" lines; the body is text.
      out_.warnings.push_back("multipart without a boundary parameter: body kept as text");
      replace_content_type("Content-Type: text/plain\r\n");
    } else if (is_message_rfc822(block_.content_type) && has_span) {
      // mimetic would parse the forwarded message into a child entity and
      // re-serialize it differently; kept opaque, its bytes stay as received.
      replace_content_type("Content-Type: " + std::string(opaque_rfc822_type) + "\r\n");
    }
    block_.content_type_begin = std::string::npos;
    block_.header_end = out_.text.size();
    out_.text.append("\r\n");
  }

  void replace_content_type(const std::string& field) {
    out_.text.replace(block_.content_type_begin, block_.content_type_end - block_.content_type_begin, field);
  }

  void take_header_line(std::string_view line) {
    const bool continuation = line[0] == ' ' || line[0] == '\t';
    if (!continuation) {
      start_field(line);
    } else if (block_.in_content_type && block_.content_type.size() < 4096) {
      block_.content_type.append(" ").append(line);
    }
    if (block_.dropping_block || block_.dropping_field) return;
    const auto kept = within_field_bound(line, continuation);
    if (!kept || !within_block_bound(*kept)) return;
    note_transfer_encoding(*kept, continuation);
    block_.field_bytes += kept->size() + 2;
    block_.block_bytes += kept->size() + 2;
    if (block_.in_content_type && !continuation) block_.content_type_begin = out_.text.size();
    append_header_line(*kept);
    if (block_.in_content_type) block_.content_type_end = out_.text.size();
  }

  // The first Content-Transfer-Encoding as written out, lower case, blanks
  // trimmed; folded or cut short, it elides nothing.
  void note_transfer_encoding(std::string_view kept, bool continuation) {
    static constexpr std::string_view name = "content-transfer-encoding:";
    if (continuation) {
      if (block_.in_transfer_encoding) block_.transfer_encoding = "(folded)";
      return;
    }
    block_.in_transfer_encoding = false;
    if (block_.seen_transfer_encoding || !iequals_prefix(kept, name)) return;
    block_.seen_transfer_encoding = block_.in_transfer_encoding = true;
    std::string_view v = rtrim_ws(kept.substr(name.size()));
    v.remove_prefix(std::min(v.size(), v.find_first_not_of(" \t")));
    block_.transfer_encoding.clear();
    for (const char c : v) block_.transfer_encoding += c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
  }

  void start_field(std::string_view line) {
    block_.field_bytes = 0;
    block_.dropping_field = false;
    block_.in_content_type = !block_.seen_content_type && iequals_prefix(line, "content-type:");
    if (block_.in_content_type) {
      block_.seen_content_type = true;
      block_.content_type = line.substr(13);
    }
    if (declares_nesting(line)) ++multiparts_;
    // Only the guard writes this field (elide): one that came with the message goes.
    if (iequals_prefix(line, elided_base64_field)) {
      std::string_view after = line.substr(elided_base64_field.size());
      after.remove_prefix(std::min(after.size(), after.find_first_not_of(" \t")));
      if (!after.empty() && after[0] == ':') block_.dropping_field = true;
    }
  }

  // What of a header line its field's bound leaves room for; nullopt: nothing.
  std::optional<std::string_view> within_field_bound(std::string_view line, bool continuation) {
    if (block_.field_bytes + line.size() + 2 <= limits_.max_header_field_bytes) return line;
    if (!warned_field_) {
      out_.warnings.push_back("header field over " + std::to_string(limits_.max_header_field_bytes) +
                              " bytes: truncated");
      warned_field_ = true;
    }
    block_.dropping_field = true;  // later continuation lines of this field go
    const std::size_t room = limits_.max_header_field_bytes > block_.field_bytes + 2
                                 ? limits_.max_header_field_bytes - block_.field_bytes - 2
                                 : 0;
    if (continuation || room == 0) return std::nullopt;
    return line.substr(0, room);
  }

  bool within_block_bound(std::string_view kept) {
    if (block_.block_bytes + kept.size() + 2 <= limits_.max_header_block_bytes) return true;
    if (!warned_block_) {
      out_.warnings.push_back("header block over " + std::to_string(limits_.max_header_block_bytes) +
                              " bytes: later fields dropped");
      warned_block_ = true;
    }
    block_.dropping_block = true;
    return false;
  }

  void append_header_line(std::string_view kept) {
    if (kept.find('\0') == std::string_view::npos) {
      out_.text.append(kept);
      out_.text.append("\r\n");
      return;
    }
    // mimetic ends a header value at NUL; say where one was instead.
    if (!warned_nul_) out_.warnings.push_back("NUL bytes in a header replaced with U+FFFD");
    warned_nul_ = true;
    for (char c : kept) {
      if (c == '\0') out_.text.append("\xEF\xBF\xBD");
      else out_.text += c;
    }
    out_.text.append("\r\n");
  }

  const Limits& limits_;
  std::string_view raw_;
  // Whether the input names elided_base64_field anywhere (asked once, at the
  // first line that would be elided): then nothing is, since a part mimetic
  // sees where the guard saw text could carry a forged one.
  std::optional<bool> names_field_;
  GuardedMessage out_;
  std::unordered_set<std::string> boundaries_;
  bool in_header_ = true;
  bool block_is_part_ = true;  // the header block is one mimetic reads as a part's (the message's own at first)
  // Set inside a forwarded message: the number of multiparts open around it.
  std::size_t opaque_below_ = std::string::npos;
  HeaderBlock block_;
  std::size_t multiparts_ = 0;
  std::size_t boundary_lines_ = 0;
  bool warned_field_ = false, warned_block_ = false, warned_padding_ = false, warned_unclosed_ = false,
       warned_nul_ = false;
  // The multiparts open at this point, outermost first. An outer boundary line
  // closes every multipart inside it (RFC 2046 5.1.2); mimetic does not know
  // that, so the missing close-delimiters are written in for it.
  std::vector<std::string> open_boundaries_;
  // How far headers_go_on looked ahead (in the input) and what it found: a
  // broken line before that point gets the same answer without a second look.
  const char* looked_until_ = nullptr;
  bool headers_went_on_ = false;
};

}  // namespace

GuardedMessage guard_message(std::string_view raw, const Limits& limits) {
  Guard guard(raw, limits);
  std::size_t pos = 0;
  while (pos < raw.size()) {
    const std::size_t eol = raw.find('\n', pos);
    std::string_view line = raw.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    pos = eol == std::string_view::npos ? raw.size() : eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    guard.take_line(line, eol != std::string_view::npos, raw.substr(pos));
  }
  return guard.finish();
}

}  // namespace intake::parsers
