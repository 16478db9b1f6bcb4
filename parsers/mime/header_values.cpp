// Hand-written: no Debian library here decodes these well (mimetic does not
// decode RFC 2047 at all, and nothing packaged parses obsolete RFC 5322
// addresses and dates or RFC 2231 continuations with the tolerance mail needs).
#include "parsers/mime/header_values.hpp"
#include "parsers/common/strings.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "parsers/common/charset.hpp"

namespace intake::parsers {
namespace {

constexpr std::size_t npos = std::string_view::npos;
constexpr std::size_t max_charset_bytes = 64;
// Dates are short; anything longer than this is not a date worth scanning.
constexpr std::size_t max_date_bytes = 4096;
// RFC 2231 section numbers above this many digits are garbage, not sections.
constexpr std::size_t max_section_digits = 9;

bool is_wsp(char c) { return c == ' ' || c == '\t'; }
bool is_break(char c) { return c == '\r' || c == '\n'; }
bool is_blank(char c) { return is_wsp(c) || is_break(c); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

// The value of one header: a line break not followed by a blank ends it (what
// follows belongs to the next header or the body), and the size is capped.
std::string_view header_value(std::string_view raw, std::vector<std::string>* warnings) {
  if (raw.size() > header_limits.max_value_bytes) {
    raw = raw.substr(0, header_limits.max_value_bytes);
    if (warnings) warnings->push_back("header value over the size limit truncated");
  }
  for (std::size_t i = raw.find('\n'); i != npos; i = raw.find('\n', i + 1)) {
    if (i + 1 < raw.size() && is_wsp(raw[i + 1])) continue;  // a fold
    const std::string_view rest = raw.substr(i);
    if (warnings && !trim_blanks(rest).empty()) {
      warnings->push_back("text after the end of a header value ignored");
    }
    return raw.substr(0, i);
  }
  return raw;
}

// Removes folds from text kept as written: line breaks and the blanks that
// follow a line feed (the wrap a mailer inserted, not part of the value).
std::string strip_folds(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r') continue;
    if (s[i] == '\n') {
      while (i + 1 < s.size() && is_blank(s[i + 1])) ++i;
      continue;
    }
    out += s[i];
  }
  return out;
}

// Blank runs become one space, ends trimmed.
std::string collapse_blanks(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending = false;
  for (char c : s) {
    if (is_blank(c)) {
      pending = true;
      continue;
    }
    if (pending && !out.empty()) out += ' ';
    pending = false;
    out += c;
  }
  return out;
}

// Raw 8-bit header text: UTF-8 is allowed (RFC 6532). Anything else is in
// the sender's legacy code page, which the mailer most likely also declared
// for the text (GBK, Big5, Shift_JIS, KOI8-R, ISO-8859-x): tried when the
// bytes are all valid in it; else a Windows mailer's windows-1252.
std::string raw_text_to_utf8(std::string_view s, std::string_view legacy_charset, std::vector<std::string>& warnings) {
  if (is_valid_utf8(s)) return std::string(s);
  if (auto decoded = decode_strictly(s, legacy_charset)) {
    warnings.push_back("8-bit header text is not UTF-8; decoded as " + sanitize_utf8(legacy_charset.substr(0, 40)) +
                       ", the charset of the text");
    return std::move(*decoded);
  }
  warnings.push_back("8-bit header text is not UTF-8; decoded as windows-1252");
  std::vector<std::string> ignored;
  return to_utf8(s, "windows-1252", ignored);
}

// ---------------------------------------------------------------- RFC 2047

bool is_charset_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u >= 0x7F) return false;
  return std::string_view("?()<>@,;:\"/[]=\\").find(c) == npos;
}

// End of the encoded word starting at s[i] ("=?"), or npos. Folds and blanks
// are tolerated inside the encoded text (mailers wrap and mis-encode there);
// in structured headers angle brackets and quotes are not (a comma is: some
// mailers put "Doe, John" in one encoded word). The scan
// stops at the next "=?" or at max_encoded_word_bytes, so the total work over
// a value stays linear.
std::size_t encoded_word_end(std::string_view s, std::size_t i, bool structured) {
  const std::size_t limit = std::min(s.size(), i + header_limits.max_encoded_word_bytes);
  std::size_t k = i + 2;
  const std::size_t charset_start = k;
  while (k < limit && is_charset_char(s[k])) ++k;
  if (k == charset_start || k - charset_start > max_charset_bytes || k >= limit || s[k] != '?') return npos;
  ++k;
  if (k >= limit || std::string_view("BbQq").find(s[k]) == npos) return npos;
  ++k;
  if (k >= limit || s[k] != '?') return npos;
  ++k;
  for (; k + 1 < limit; ++k) {
    if (s[k] == '?' && s[k + 1] == '=') return k + 2;
    if (s[k] == '=' && s[k + 1] == '?' && !(k + 2 < s.size() && s[k + 2] == '=')) return npos;
    if (structured && std::string_view("<>\"").find(s[k]) != npos) return npos;
  }
  return npos;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

constexpr unsigned base64_bits_per_char = 6;
constexpr unsigned bits_per_byte = 8;
constexpr unsigned byte_mask = 0xFF;

std::optional<std::string> decode_base64(std::string_view text) {
  std::string out;
  std::uint32_t accumulator = 0;
  unsigned bits = 0;
  for (char c : text) {
    if (is_blank(c)) continue;
    if (c == '=') break;  // padding ends the data
    const int v = base64_value(c);
    if (v < 0) return std::nullopt;
    accumulator = (accumulator << base64_bits_per_char) | static_cast<std::uint32_t>(v);
    bits += base64_bits_per_char;
    if (bits >= bits_per_byte) {
      bits -= bits_per_byte;
      out += static_cast<char>((accumulator >> bits) & byte_mask);
    }
  }
  return out;
}

std::string decode_q(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (is_break(c)) {  // a fold inside the word: the wrap is not content
      while (i + 1 < text.size() && is_blank(text[i + 1])) ++i;
      continue;
    }
    if (c == '_') {
      out += ' ';
    } else if (c == '=' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

// Decodes one "=?charset?E?text?=" (span from encoded_word_end) to UTF-8.
std::optional<std::string> decode_encoded_word(std::string_view word, std::vector<std::string>& warnings) {
  const std::size_t q1 = word.find('?', 2);
  std::string_view charset = word.substr(2, q1 - 2);
  const char encoding = lower(word[q1 + 1]);
  const std::string_view text = word.substr(q1 + 3, word.size() - q1 - 3 - 2);
  if (const std::size_t star = charset.find('*'); star != npos) charset = charset.substr(0, star);  // RFC 2231 language
  std::string bytes;
  if (encoding == 'b') {
    auto decoded = decode_base64(text);
    if (!decoded) return std::nullopt;
    bytes = std::move(*decoded);
  } else {
    bytes = decode_q(text);
  }
  return to_utf8(bytes, charset, warnings);
}

// True when `s` is one or more encoded words separated only by blanks.
bool is_all_encoded(std::string_view s) {
  s = trim_blanks(s);
  if (s.empty()) return false;
  std::size_t i = 0;
  while (i < s.size()) {
    if (is_blank(s[i])) {
      ++i;
      continue;
    }
    if (!(s[i] == '=' && i + 1 < s.size() && s[i + 1] == '?')) return false;
    const std::size_t end = encoded_word_end(s, i, false);
    if (end == npos) return false;
    i = end;
  }
  return true;
}

struct TextOptions {
  bool separate_from_text = true;  // glued "text=?..?=" gets a space between
  bool trim = true;
  std::string_view legacy_charset;  // for raw 8-bit text that is not UTF-8 (raw_text_to_utf8)
};

// The RFC 2047 scanner shared by unstructured values, phrases, comments and
// parameter values. A blank run containing a line break (a fold) becomes one
// space; blank runs between encoded words vanish (RFC 2047 section 6.2).
class TextDecoder {
 public:
  TextDecoder(std::string_view s, const TextOptions& options, std::vector<std::string>& warnings)
      : s_(s), options_(options), warnings_(warnings) {}

  std::string decode() {
    std::size_t i = 0;
    while (i < s_.size()) {
      if (is_blank(s_[i])) {
        i = take_blanks(i);
      } else if (const auto end = take_encoded_word(i)) {
        i = *end;
      } else {
        i = take_plain(i);
      }
    }
    if (!options_.trim) plain_ += pending_blank_;
    flush_plain();
    return std::move(out_);
  }

 private:
  enum class Last { nothing, text, encoded };

  std::size_t take_blanks(std::size_t i) {
    std::size_t j = i;
    bool has_break = false;
    for (; j < s_.size() && is_blank(s_[j]); ++j) {
      if (is_break(s_[j])) has_break = true;
    }
    pending_blank_ = has_break ? std::string(" ") : std::string(s_.substr(i, j - i));
    return j;
  }

  // The end of the encoded word at s_[i], decoded into out_; nullopt when
  // there is none there, or a broken one (then kept as written).
  std::optional<std::size_t> take_encoded_word(std::size_t i) {
    if (!(s_[i] == '=' && i + 1 < s_.size() && s_[i + 1] == '?')) return std::nullopt;
    const std::size_t end = encoded_word_end(s_, i, false);
    if (end == npos) return std::nullopt;
    auto decoded = decode_encoded_word(s_.substr(i, end - i), warnings_);
    if (!decoded) {
      warnings_.push_back("broken encoded word kept as written");
      return std::nullopt;
    }
    place_blank_before(true);
    flush_plain();
    out_ += *decoded;
    last_ = Last::encoded;
    return end;
  }

  std::size_t take_plain(std::size_t i) {
    place_blank_before(false);
    const std::size_t n = s_.size();
    std::size_t j = i + 1;
    while (j < n && !is_blank(s_[j]) && !(s_[j] == '=' && j + 1 < n && s_[j + 1] == '?')) ++j;
    plain_.append(s_.substr(i, j - i));
    last_ = Last::text;
    return j;
  }

  void flush_plain() {
    if (!plain_.empty()) out_ += raw_text_to_utf8(plain_, options_.legacy_charset, warnings_);
    plain_.clear();
  }

  void place_blank_before(bool next_is_encoded) {
    if (last_ == Last::nothing) {
      if (!options_.trim) plain_ += pending_blank_;
    } else if (last_ == Last::encoded && next_is_encoded) {
      // joined: blanks between adjacent encoded words are not content
    } else if (!pending_blank_.empty()) {
      plain_ += pending_blank_;
    } else if (options_.separate_from_text && ((last_ == Last::encoded) != next_is_encoded)) {
      plain_ += ' ';  // "text=?..?=" or "=?..?=text": the glued word is a word of its own
    }
    pending_blank_.clear();
  }

  std::string_view s_;
  TextOptions options_;
  std::vector<std::string>& warnings_;
  std::string out_;
  std::string plain_;
  std::string pending_blank_;
  Last last_ = Last::nothing;
};

std::string decode_text(std::string_view s, const TextOptions& options, std::vector<std::string>& warnings) {
  return TextDecoder(s, options, warnings).decode();
}

// ---------------------------------------------------------------- lexing helpers

// The position of the character the backslash at s[j] escapes (s.size()
// when there is none).
std::size_t escaped_position(std::string_view s, std::size_t j) {
  std::size_t k = j + 1;
  if (k < s.size() && is_break(s[k])) {  // an escaped fold: the escape applies after it
    while (k < s.size() && is_blank(s[k])) ++k;
  }
  return k;
}

// Reads a comment starting at s[i] == '('; nesting is counted, not recursed.
// Returns the position after it; `content` gets the inner text with escapes
// resolved and nested parentheses kept.
std::size_t read_comment(std::string_view s, std::size_t i, std::string& content, bool& terminated) {
  std::size_t depth = 0;
  std::size_t j = i;
  terminated = false;
  while (j < s.size()) {
    const char c = s[j];
    if (c == '\\' && j + 1 < s.size()) {
      const std::size_t k = escaped_position(s, j);
      if (k >= s.size()) return k;
      content += s[k];
      j = k + 1;
      continue;
    }
    if (c == '(') {
      if (depth > 0) content += c;
      ++depth;
    } else if (c == ')') {
      --depth;
      if (depth == 0) {
        terminated = true;
        return j + 1;
      }
      content += c;
    } else {
      content += c;
    }
    ++j;
  }
  return j;
}

// Reads a quoted string starting at s[i] == '"'. Folds lose their line break
// and keep their blanks (RFC 5322 unfolding); escapes are resolved.
std::size_t read_quoted(std::string_view s, std::size_t i, std::string& content, bool& terminated) {
  std::size_t j = i + 1;
  terminated = false;
  while (j < s.size()) {
    const char c = s[j];
    if (c == '"') {
      terminated = true;
      return j + 1;
    }
    if (c == '\\' && j + 1 < s.size() && !is_break(s[j + 1])) {
      content += s[j + 1];
      j += 2;
      continue;
    }
    if (!is_break(c) && c != '\\') content += c;
    ++j;
  }
  return j;
}

// ---------------------------------------------------------------- addresses

struct Word {
  std::string text;
  bool encoded_only = false;
};

struct Mailbox {
  std::vector<Word> phrase;
  std::vector<std::string> comments;
  std::optional<std::string> angle;
  std::string bare;  // everything but comments, as written, for addresses without <>
  std::string pending_blank;
  bool empty() const { return phrase.empty() && comments.empty() && !angle && bare.empty(); }
};

std::string display_name(const Mailbox& box, bool with_phrase) {
  std::string name;
  if (with_phrase) {
    bool previous_encoded = false;
    for (std::size_t k = 0; k < box.phrase.size(); ++k) {
      const Word& w = box.phrase[k];
      if (k > 0 && !(previous_encoded && w.encoded_only)) name += ' ';
      name += w.text;
      previous_encoded = w.encoded_only;
    }
  }
  std::string comments;
  for (const std::string& c : box.comments) {
    if (c.empty()) continue;
    if (!comments.empty()) comments += ' ';
    comments += c;
  }
  if (name.empty()) return comments;
  if (!comments.empty()) name += " (" + comments + ")";
  return name;
}

// Whether the ',' at s[j] continues an obs-route ("<@a,@b:user@host>").
bool continues_route(std::string_view s, std::size_t j) {
  std::size_t k = j + 1;
  while (k < s.size() && is_blank(s[k])) ++k;
  return k < s.size() && s[k] == '@';
}

// The address between angle brackets as written, without folds.
std::string angle_address(std::string_view content) {
  std::string address(trim_blanks(strip_folds(content)));
  // obs-route ("<@relay:user@host>"): RFC 5322 4.4 says to ignore it.
  if (!address.empty() && address.front() == '@') {
    if (const std::size_t colon = address.find(':'); colon != npos) address.erase(0, colon + 1);
  }
  return address;
}

// Reads an angle address starting at s[i] == '<'. Comments inside go to the
// mailbox's comments. A missing '>' ends the address at ',' (unless a route
// continues), ';', '<' or the end of the value.
std::size_t read_angle(std::string_view s, std::size_t i, Mailbox& box, std::vector<std::string>& warnings) {
  std::string content;
  std::size_t j = i + 1;
  bool closed = false;
  while (j < s.size()) {
    const char c = s[j];
    if (c == '>') {
      closed = true;
      ++j;
      break;
    }
    if (c == '(') {
      std::string comment;
      bool terminated = false;
      j = read_comment(s, j, comment, terminated);
      box.comments.push_back(decode_text(collapse_blanks(comment), {}, warnings));
      continue;
    }
    if (c == '"') {
      std::string ignored;
      bool terminated = false;
      const std::size_t end = read_quoted(s, j, ignored, terminated);
      content.append(s.substr(j, end - j));
      j = end;
      continue;
    }
    if (c == ',' && continues_route(s, j)) {  // obs-route "@a,@b:"
      content += c;
      ++j;
      continue;
    }
    if (c == ',' || c == ';' || c == '<') break;
    content += c;
    ++j;
  }
  if (!closed) warnings.push_back("address without closing '>'");
  std::string address = angle_address(content);
  if (box.angle) {
    warnings.push_back("second angle address in one mailbox ignored");
  } else {
    box.angle = std::move(address);
  }
  return j;
}

bool is_address_special(char c) { return std::string_view(",;:<>()\"").find(c) != npos; }

// parse_address_list's pass over one value: the mailbox being read, and the
// addresses finished so far.
class AddressListReader {
 public:
  AddressListReader(std::string_view s, std::string_view legacy_charset, std::vector<std::string>& warnings)
      : s_(s), legacy_charset_(legacy_charset), warnings_(warnings) {}

  std::vector<Address> read() {
    std::size_t i = 0;
    while (i < s_.size() && !truncated_) {
      if (is_blank(s_[i])) {
        i = take_blanks(i);
      } else if (const auto next = take_special(i)) {
        i = *next;
      } else {
        i = take_atom(i);
      }
    }
    if (!truncated_) finish();
    if (truncated_) {
      warnings_.push_back("address list truncated at " + std::to_string(header_limits.max_addresses) + " addresses");
    }
    return std::move(result_);
  }

 private:
  std::size_t take_blanks(std::size_t i) {
    std::size_t j = i;
    while (j < s_.size() && is_blank(s_[j])) ++j;
    box_.pending_blank += strip_folds(s_.substr(i, j - i));
    return j;
  }

  // Where reading goes on after the special at s_[i]; nullopt when it is
  // not a separator here and belongs to an atom.
  std::optional<std::size_t> take_special(std::size_t i) {
    switch (s_[i]) {
      case '(':
        return take_comment(i);
      case '"':
        return take_quoted(i);
      case '<':
        return read_angle(s_, i, box_, warnings_);
      case '>':
        warnings_.push_back("stray '>' in address list ignored");
        return i + 1;
      case ',':
        finish();
        return i + 1;
      case ';':
        finish();
        if (!in_group_) warnings_.push_back("';' outside a group in address list");
        in_group_ = false;
        return i + 1;
      case ':':
        if (box_.angle) return std::nullopt;
        // The phrase so far names a group; only its members are listed.
        box_ = Mailbox{};
        in_group_ = true;
        return i + 1;
      default:
        return std::nullopt;
    }
  }

  std::size_t take_comment(std::size_t i) {
    std::string comment;
    bool terminated = false;
    const std::size_t end = read_comment(s_, i, comment, terminated);
    if (!terminated) warnings_.push_back("unterminated comment in address list");
    box_.comments.push_back(decode_text(collapse_blanks(comment), {.legacy_charset = legacy_charset_}, warnings_));
    return end;
  }

  std::size_t take_quoted(std::size_t i) {
    std::string content;
    bool terminated = false;
    const std::size_t end = read_quoted(s_, i, content, terminated);
    if (!terminated) warnings_.push_back("unterminated quoted string in address list");
    box_.phrase.push_back({decode_text(content, {.separate_from_text = true, .trim = false, .legacy_charset = legacy_charset_}, warnings_),
                           is_all_encoded(content)});
    add_bare(s_.substr(i, end - i));
    return end;
  }

  // An atom; an encoded word is taken whole even if it holds specials.
  std::size_t take_atom(std::size_t i) {
    const std::size_t n = s_.size();
    std::size_t j = i;
    while (j < n) {
      if (s_[j] == '=' && j + 1 < n && s_[j + 1] == '?') {
        const std::size_t end = encoded_word_end(s_, j, true);
        if (end != npos) {
          j = end;
          continue;
        }
      }
      if (is_blank(s_[j]) || is_address_special(s_[j])) break;
      ++j;
    }
    if (j == i) ++j;  // a special that is not a separator here (':' after <...>)
    const std::string_view atom = s_.substr(i, j - i);
    box_.phrase.push_back({decode_text(atom, {.legacy_charset = legacy_charset_}, warnings_), is_all_encoded(atom)});
    add_bare(atom);
    return j;
  }

  void add_bare(std::string_view text) {
    if (!box_.bare.empty()) box_.bare += box_.pending_blank;
    box_.pending_blank.clear();
    box_.bare += strip_folds(text);
  }

  void finish() {
    if (box_.empty()) return;
    Address a;
    if (box_.angle) {
      a.address = *box_.angle;
      a.name = display_name(box_, true);
    } else {
      a.address = std::string(trim_blanks(box_.bare));
      a.name = display_name(box_, false);
    }
    box_ = Mailbox{};
    if (a.address.empty()) return;  // a comment or phrase alone names nobody
    if (a.address.find('@') == npos) warnings_.push_back("address without '@': " + sanitize_utf8(a.address.substr(0, 64)));
    a.address = sanitize_utf8(a.address);
    if (result_.size() >= header_limits.max_addresses) {
      truncated_ = true;
      return;
    }
    result_.push_back(std::move(a));
  }

  std::string_view s_;
  std::string_view legacy_charset_;
  std::vector<std::string>& warnings_;
  std::vector<Address> result_;
  Mailbox box_;
  bool in_group_ = false;
  bool truncated_ = false;
};

}  // namespace

std::string decode_unstructured(std::string_view raw, std::vector<std::string>& warnings,
                               std::string_view legacy_charset) {
  return decode_text(header_value(raw, &warnings), {.legacy_charset = legacy_charset}, warnings);
}

// Hand-written: no Debian library here parses obsolete RFC 5322 address lists.
std::vector<Address> parse_address_list(std::string_view raw, std::vector<std::string>& warnings,
                                        std::string_view legacy_charset) {
  return AddressListReader(header_value(raw, &warnings), legacy_charset, warnings).read();
}

// ---------------------------------------------------------------- dates

namespace {

constexpr int two_digit_year_pivot = 50;  // RFC 5322 4.3: 00-49 -> 20xx, 50-99 -> 19xx
constexpr int year_1900 = 1900;
constexpr int year_2000 = 2000;
constexpr int min_four_digit_year = 1000;
constexpr int max_hour = 23;
constexpr int max_minute = 59;
constexpr int max_second = 60;  // a leap second is clamped to :59
constexpr int minutes_per_hour = 60;
constexpr int max_zone_hours = 23;
constexpr int hhmm_divisor = 100;
constexpr std::size_t max_date_tokens = 64;

struct NamedZone {
  std::string_view name;
  int offset_minutes;
};
// RFC 5322 4.3 obsolete zones; other alphabetic zones (military letters,
// unknown names) mean an unknown offset and are taken as UTC.
constexpr std::array<NamedZone, 12> named_zones{{
    {"ut", 0}, {"utc", 0}, {"gmt", 0}, {"z", 0},
    {"est", -5 * minutes_per_hour}, {"edt", -4 * minutes_per_hour},
    {"cst", -6 * minutes_per_hour}, {"cdt", -5 * minutes_per_hour},
    {"mst", -7 * minutes_per_hour}, {"mdt", -6 * minutes_per_hour},
    {"pst", -8 * minutes_per_hour}, {"pdt", -7 * minutes_per_hour},
}};

constexpr std::array<std::string_view, 12> month_names{"jan", "feb", "mar", "apr", "may", "jun",
                                                       "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> day_names{"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
constexpr std::size_t name_prefix = 3;

std::optional<int> parse_number(std::string_view t, std::size_t max_digits) {
  if (t.empty() || t.size() > max_digits) return std::nullopt;
  int v = 0;
  for (char c : t) {
    if (!is_digit(c)) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::optional<unsigned> parse_month(std::string_view t) {
  if (t.size() >= name_prefix && is_alpha(t[0])) {
    const std::string prefix = ascii_lower(t.substr(0, name_prefix));
    for (std::size_t m = 0; m < month_names.size(); ++m) {
      if (prefix == month_names[m]) return static_cast<unsigned>(m + 1);
    }
    return std::nullopt;
  }
  // Numeric months appear in old, broken mailers' output ("20 11 79").
  if (auto v = parse_number(t, 2); v && *v >= 1 && *v <= 12) return static_cast<unsigned>(*v);
  return std::nullopt;
}

bool is_day_name(std::string_view t) {
  if (t.size() < name_prefix || !is_alpha(t[0])) return false;
  const std::string prefix = ascii_lower(t.substr(0, name_prefix));
  return std::find(day_names.begin(), day_names.end(), prefix) != day_names.end();
}

std::optional<int> parse_year(std::string_view t) {
  const auto v = parse_number(t, 4);
  if (!v) return std::nullopt;
  if (t.size() <= 2) return *v < two_digit_year_pivot ? year_2000 + *v : year_1900 + *v;
  if (t.size() == 3) return year_1900 + *v;
  if (*v < min_four_digit_year) return std::nullopt;
  return *v;
}

struct TimeOfDay {
  int hour = 0, minute = 0, second = 0;
};

std::optional<TimeOfDay> parse_time(std::string_view t) {
  TimeOfDay tod;
  const std::size_t c1 = t.find(':');
  if (c1 == npos) return std::nullopt;
  const std::size_t c2 = t.find(':', c1 + 1);
  const auto h = parse_number(t.substr(0, c1), 2);
  const auto m = parse_number(t.substr(c1 + 1, c2 == npos ? npos : c2 - c1 - 1), 2);
  if (!h || !m || *h > max_hour || *m > max_minute) return std::nullopt;
  tod.hour = *h;
  tod.minute = *m;
  if (c2 != npos) {
    const auto sec = parse_number(t.substr(c2 + 1), 2);
    if (!sec || *sec > max_second) return std::nullopt;
    tod.second = std::min(*sec, max_second - 1);
  }
  return tod;
}

// Offset east of UTC in minutes; nullopt for a malformed numeric zone.
std::optional<int> parse_zone(std::string_view t) {
  if (t.empty()) return 0;
  if (t[0] == '+' || t[0] == '-') {
    std::string digits;
    for (char c : t.substr(1)) {
      if (is_digit(c)) digits += c;
      else if (c != ':') break;
    }
    int hours = 0;
    int minutes = 0;
    if (digits.size() <= 2 && !digits.empty()) {
      hours = *parse_number(digits, 2);
    } else if (digits.size() == 4) {
      const int v = *parse_number(digits, 4);
      hours = v / hhmm_divisor;
      minutes = v % hhmm_divisor;
    } else {
      return std::nullopt;
    }
    if (hours > max_zone_hours || minutes > max_minute) return std::nullopt;
    const int offset = hours * minutes_per_hour + minutes;
    return t[0] == '-' ? -offset : offset;
  }
  std::size_t letters = 0;
  while (letters < t.size() && is_alpha(t[letters])) ++letters;
  const std::string name = ascii_lower(t.substr(0, letters));  // "EST5EDT" -> "est"
  for (const NamedZone& z : named_zones) {
    if (name == z.name) return z.offset_minutes;
  }
  return 0;
}

// Tokens: comments dropped (unterminated ones swallow the rest), blanks
// and commas separate.
std::vector<std::string_view> date_tokens(std::string_view s) {
  std::vector<std::string_view> tokens;
  std::size_t i = 0;
  while (i < s.size() && tokens.size() < max_date_tokens) {
    const char c = s[i];
    if (is_blank(c) || c == ',') {
      ++i;
    } else if (c == '(') {
      std::string ignored;
      bool terminated = false;
      i = read_comment(s, i, ignored, terminated);
    } else {
      std::size_t j = i;
      while (j < s.size() && !is_blank(s[j]) && s[j] != ',' && s[j] != '(') ++j;
      tokens.push_back(s.substr(i, j - i));
      i = j;
    }
  }
  return tokens;
}

struct CalendarDate {
  std::optional<int> day;
  std::optional<unsigned> month;
  std::optional<int> year;
  std::size_t zone_index = 0;  // the token after the date and time
};

// Day, month and year around the time at tokens[time_index].
CalendarDate calendar_date(const std::vector<std::string_view>& tokens, std::size_t time_index) {
  CalendarDate date;
  date.zone_index = time_index + 1;
  if (time_index >= 3) {
    const auto t0 = tokens[time_index - 3];
    const auto t1 = tokens[time_index - 2];
    const auto t2 = tokens[time_index - 1];
    if (!t0.empty() && is_alpha(t0[0])) {  // "Jul 1 2003"
      date.month = parse_month(t0);
      date.day = parse_number(t1, 2);
    } else {
      date.day = parse_number(t0, 2);
      date.month = parse_month(t1);
    }
    date.year = parse_year(t2);
  } else if (time_index == 2 && time_index + 1 < tokens.size()) {  // asctime: "Jul 1 10:52:37 2003"
    date.month = parse_month(tokens[0]);
    date.day = parse_number(tokens[1], 2);
    date.year = parse_year(tokens[time_index + 1]);
    date.zone_index = time_index + 2;
  }
  return date;
}

}  // namespace

// Hand-written: no Debian library here parses obsolete RFC 5322 dates
// (howardhinnant date parses fixed formats only).
std::optional<std::chrono::sys_seconds> parse_date(std::string_view raw) {
  std::string_view s = header_value(raw, nullptr);
  if (s.size() > max_date_bytes) s = s.substr(0, max_date_bytes);
  // A Received value carries its date after the last ';'.
  if (const std::size_t semi = s.rfind(';'); semi != npos) s = s.substr(semi + 1);

  std::vector<std::string_view> tokens = date_tokens(s);
  std::erase_if(tokens, is_day_name);

  const auto time_at =
      std::find_if(tokens.begin(), tokens.end(), [](std::string_view t) { return t.find(':') != npos; });
  if (time_at == tokens.end()) return std::nullopt;
  const auto time_index = static_cast<std::size_t>(time_at - tokens.begin());
  const auto tod = parse_time(tokens[time_index]);
  if (!tod) return std::nullopt;

  const CalendarDate date = calendar_date(tokens, time_index);
  if (!date.day || !date.month || !date.year) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{*date.year}, std::chrono::month{*date.month},
                                        std::chrono::day{static_cast<unsigned>(*date.day)}};
  if (!ymd.ok()) return std::nullopt;
  const auto zone = parse_zone(date.zone_index < tokens.size() ? tokens[date.zone_index] : std::string_view{});
  if (!zone) return std::nullopt;
  using namespace std::chrono;
  return sys_days{ymd} + hours{tod->hour} + minutes{tod->minute} + seconds{tod->second} - minutes{*zone};
}

// ---------------------------------------------------------------- message ids

namespace {

// Reads the id in angle brackets starting at s[i] == '<' into `ids` (when not
// empty); returns where reading goes on.
std::size_t read_bracketed_id(std::string_view s, std::size_t i, std::vector<std::string>& ids) {
  std::size_t end = s.find('>', i + 1);
  std::size_t next = end + 1;
  if (end == npos) {  // unterminated: up to the next blank
    end = i + 1;
    while (end < s.size() && !is_blank(s[end]) && s[end] != '<') ++end;
    next = end;
  }
  const std::string id(trim_blanks(strip_folds(s.substr(i + 1, end - i - 1))));
  if (!id.empty()) ids.push_back(sanitize_utf8(id));
  return next;
}

// Where reading goes on after what stands between ids at s[i] (a blank, a
// comma, a stray '>', a comment, a quoted string when ids are bracketed);
// nullopt at the start of an id or a word.
std::optional<std::size_t> skip_between_ids(std::string_view s, std::size_t i, bool any_angle) {
  const char c = s[i];
  std::string ignored;
  bool terminated = false;
  if (is_blank(c) || c == ',' || c == '>') return i + 1;
  if (c == '(') return read_comment(s, i, ignored, terminated);
  if (c == '"' && any_angle) return read_quoted(s, i, ignored, terminated);
  return std::nullopt;
}

}  // namespace

std::vector<std::string> parse_message_ids(std::string_view raw) {
  const std::string_view s = header_value(raw, nullptr);
  const bool any_angle = s.find('<') != npos;
  std::vector<std::string> ids;
  std::size_t i = 0;
  while (i < s.size()) {
    if (const auto next = skip_between_ids(s, i, any_angle)) {
      i = *next;
    } else if (s[i] == '<') {
      i = read_bracketed_id(s, i, ids);
    } else {
      std::size_t j = i;
      while (j < s.size() && !is_blank(s[j]) && s[j] != '<' && s[j] != ',' && s[j] != '(') ++j;
      const std::string_view word = s.substr(i, j - i);
      if (!any_angle || word.find('@') != npos) ids.push_back(sanitize_utf8(word));
      i = j;
    }
  }
  if (ids.size() > header_limits.max_message_ids) {
    // Threading needs the root (first) and the parents (last): drop the middle.
    const std::size_t keep_tail = header_limits.max_message_ids - 1;
    ids.erase(ids.begin() + 1, ids.end() - static_cast<std::ptrdiff_t>(keep_tail));
  }
  return ids;
}

// ---------------------------------------------------------------- MIME parameters

namespace {

std::size_t skip_cfws(std::string_view s, std::size_t i) {
  while (i < s.size()) {
    if (is_blank(s[i])) {
      ++i;
    } else if (s[i] == '(') {
      std::string ignored;
      bool terminated = false;
      i = read_comment(s, i, ignored, terminated);
    } else {
      break;
    }
  }
  return i;
}

struct Section {
  std::string value;  // raw: percent-encoded when extended
  bool extended = false;
};

struct Extended {
  std::map<std::uint32_t, Section> sections;
};

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Joins RFC 2231 sections in order; the first extended section names the
// charset ("charset'language'"). Some mailers repeat "charset'" on later
// sections; that prefix is dropped too.
std::string join_sections(const Extended& e, std::vector<std::string>& warnings) {
  std::string charset;
  bool charset_seen = false;
  std::string bytes;
  for (const auto& [index, section] : e.sections) {
    std::string_view v = section.value;
    if (section.extended) {
      if (!charset_seen) {
        const std::size_t q1 = v.find('\'');
        const std::size_t q2 = q1 == npos ? npos : v.find('\'', q1 + 1);
        if (q2 != npos) {
          charset = std::string(v.substr(0, q1));
          v = v.substr(q2 + 1);
        }
        charset_seen = true;
      } else if (!charset.empty() && v.size() > charset.size() && v[charset.size()] == '\'' &&
                 iequals(v.substr(0, charset.size()), charset)) {
        v = v.substr(charset.size() + 1);
      }
      bytes += percent_decode(v);
    } else {
      bytes += v;
    }
  }
  if (charset.empty()) return is_valid_utf8(bytes) ? bytes : to_utf8(bytes, "", warnings);
  return to_utf8(bytes, charset, warnings);
}

struct MimeValue {
  std::string type;
  std::string subtype;
  bool has_slash = false;
  std::map<std::string, std::string> params;
};

// The type and, with `with_subtype`, "/subtype" at the start of a value, into
// `result`; returns where the parameters start.
std::size_t read_mime_type(std::string_view s, bool with_subtype, MimeValue& result) {
  const std::size_t n = s.size();
  const auto token_end = [&](std::size_t i, bool allow_slash) {
    while (i < n && !is_blank(s[i]) && s[i] != ';' && s[i] != '(' && (allow_slash || s[i] != '/')) ++i;
    return i;
  };
  std::size_t i = skip_cfws(s, 0);
  std::size_t end = token_end(i, !with_subtype);
  result.type = ascii_lower(s.substr(i, end - i));
  i = skip_cfws(s, end);
  if (with_subtype && i < n && s[i] == '/') {
    result.has_slash = true;
    i = skip_cfws(s, i + 1);
    end = token_end(i, true);
    result.subtype = ascii_lower(s.substr(i, end - i));
    i = end;
  }
  return i;
}

// The end of an unquoted parameter value starting at s[i].
std::size_t token_value_end(std::string_view s, std::size_t i) {
  const std::size_t n = s.size();
  std::size_t j = i;
  while (j < n && s[j] != ';' && s[j] != '(' && !is_blank(s[j])) {
    ++j;
    // Unquoted encoded words separated by blanks still belong together.
    if (j >= 2 && s[j - 2] == '?' && s[j - 1] == '=' && j < n && is_blank(s[j])) {
      std::size_t k = j;
      while (k < n && is_blank(s[k])) ++k;
      if (k + 1 < n && s[k] == '=' && s[k + 1] == '?') j = k;
    }
  }
  return j;
}

// The parameters of a Content-Type or Content-Disposition value: plain ones
// as they come, RFC 2231 sections kept apart and joined at the end.
class ParameterReader {
 public:
  ParameterReader(std::string_view s, std::string_view legacy_charset, std::vector<std::string>& warnings)
      : s_(s), legacy_charset_(legacy_charset), warnings_(warnings) {}

  // Reads from s_[i] to the end.
  std::map<std::string, std::string> read(std::size_t i) {
    const std::size_t n = s_.size();
    while (i < n && !too_many_) {
      i = skip_cfws(s_, i);
      if (i < n && s_[i] == ';') {
        ++i;
        continue;
      }
      if (i >= n) break;
      i = read_parameter(i);
    }
    for (const auto& [base, e] : extended_) plain_.insert_or_assign(base, join_sections(e, warnings_));
    return std::move(plain_);
  }

 private:
  // One "name=value" starting at s_[i]; returns where it ends.
  std::size_t read_parameter(std::size_t i) {
    const std::size_t n = s_.size();
    std::size_t name_end = i;
    while (name_end < n && !is_blank(s_[name_end]) && s_[name_end] != '=' && s_[name_end] != ';' &&
           s_[name_end] != '(' && s_[name_end] != '"') {
      ++name_end;
    }
    const std::string name = ascii_lower(s_.substr(i, name_end - i));
    i = skip_cfws(s_, name_end);
    if (i >= n || s_[i] != '=') {
      if (name_end == i && i < n) ++i;  // a stray '"' or similar: step over it
      if (!name.empty()) warnings_.push_back("parameter without value ignored");
      return i;
    }
    std::string value;
    bool quoted = false;
    i = read_value(skip_cfws(s_, i + 1), value, quoted);
    if (name.empty() || (value.empty() && !quoted)) return i;
    if (++count_ > header_limits.max_parameters) {
      warnings_.push_back("too many parameters; the rest ignored");
      too_many_ = true;
      return i;
    }
    if (const std::size_t star = name.find('*'); star != npos) {
      add_section(name, star, std::move(value));
    } else {
      add_plain(name, std::move(value));
    }
    return i;
  }

  std::size_t read_value(std::size_t i, std::string& value, bool& quoted) {
    if (i < s_.size() && s_[i] == '"') {
      bool terminated = false;
      i = read_quoted(s_, i, value, terminated);
      if (!terminated) warnings_.push_back("unterminated quoted parameter value");
      quoted = true;
      return i;
    }
    const std::size_t j = token_value_end(s_, i);
    value = std::string(s_.substr(i, j - i));
    return j;
  }

  void add_plain(const std::string& name, std::string value) {
    if (value.find("=?") != npos) {
      value = decode_text(value, {.separate_from_text = false, .trim = false, .legacy_charset = legacy_charset_},
                          warnings_);
    } else {
      value = raw_text_to_utf8(value, legacy_charset_, warnings_);
    }
    plain_.emplace(name, std::move(value));  // the first wins, as in most MUAs
  }

  // RFC 2231: name*  |  name*N  |  name*N*
  void add_section(const std::string& name, std::size_t star, std::string value) {
    const std::string base = name.substr(0, star);
    std::string_view rest = std::string_view(name).substr(star + 1);
    Section section;
    std::uint32_t index = 0;
    if (rest.empty()) {
      section.extended = true;
    } else {
      std::size_t digits = 0;
      while (digits < rest.size() && is_digit(rest[digits])) ++digits;
      const bool tail_ok = digits == rest.size() || (digits + 1 == rest.size() && rest[digits] == '*');
      if (base.empty() || digits == 0 || digits > max_section_digits || !tail_ok) {
        warnings_.push_back("malformed RFC 2231 parameter name ignored");
        return;
      }
      index = static_cast<std::uint32_t>(*parse_number(rest.substr(0, digits), max_section_digits));
      section.extended = digits + 1 == rest.size();
    }
    if (base.empty()) return;
    section.value = std::move(value);
    extended_[base].sections.emplace(index, std::move(section));
  }

  std::string_view s_;
  std::string_view legacy_charset_;
  std::vector<std::string>& warnings_;
  std::map<std::string, std::string> plain_;
  std::map<std::string, Extended> extended_;
  std::size_t count_ = 0;
  bool too_many_ = false;
};

// Hand-written: no Debian library here joins and decodes RFC 2231 parameters.
MimeValue parse_mime_value(std::string_view raw, bool with_subtype, std::vector<std::string>& warnings,
                           std::string_view legacy_charset) {
  const std::string_view s = header_value(raw, &warnings);
  MimeValue result;
  const std::size_t params_begin = read_mime_type(s, with_subtype, result);
  result.params = ParameterReader(s, legacy_charset, warnings).read(params_begin);
  return result;
}

}  // namespace

ContentType parse_content_type(std::string_view raw, std::vector<std::string>& warnings,
                               std::string_view legacy_charset) {
  MimeValue v = parse_mime_value(raw, true, warnings, legacy_charset);
  ContentType ct;
  ct.params = std::move(v.params);
  if (v.type.empty()) {
    warnings.push_back("Content-Type without a type; text/plain assumed");
    return ct;
  }
  ct.type = sanitize_utf8(v.type);
  ct.subtype = sanitize_utf8(v.subtype);
  if (ct.subtype.empty()) warnings.push_back("Content-Type without a subtype");
  return ct;
}

std::pair<std::string, std::map<std::string, std::string>> parse_disposition(
    std::string_view raw, std::vector<std::string>& warnings, std::string_view legacy_charset) {
  MimeValue v = parse_mime_value(raw, false, warnings, legacy_charset);
  return {sanitize_utf8(v.type), std::move(v.params)};
}

}  // namespace intake::parsers
