#include "parsers/mime/auth_results.hpp"

#include <algorithm>
#include <utility>

#include "parsers/common/strings.hpp"

namespace intake::parsers {
namespace {

bool is_fws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

bool is_ascii_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_ascii_digit(c); }

// RFC 8601 Keyword (ldh-str), plus '_', which some filters put in x- names.
bool is_keyword_char(char c) { return is_ascii_alnum(c) || c == '-' || c == '_'; }

// RFC 2045 token: printable ASCII without tspecials.
bool is_token_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  constexpr std::string_view tspecials = "()<>@,;:\\\"/[]?=";
  return u > 0x20 && u < 0x7f && tspecials.find(c) == std::string_view::npos;
}

// A property value as servers write it, looser than a token: mailboxes, IP
// addresses and header.b's base64 ('/', '+', '=') stand unquoted; so does
// UTF-8 (RFC 8616). What ends it: space, ';', a comment, a quote.
bool is_pvalue_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  constexpr std::string_view enders = ";()\"";
  return u > 0x20 && u != 0x7f && enders.find(c) == std::string_view::npos;
}

// Reads one value left to right and never backs up, which keeps the whole
// parse linear. A comment or quoted string left open marks it broken: what
// follows it cannot be told apart from its content.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  bool at_end() const { return at_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[at_]; }
  bool broken() const { return broken_; }
  void clear_broken() { broken_ = false; }

  bool eat(char c) {
    if (at_end() || text_[at_] != c) return false;
    ++at_;
    return true;
  }

  // Folding white space and comments, nested, with quoted-pairs. A depth
  // counter, not recursion: ten thousand '(' cost ten thousand steps.
  void skip_cfws() {
    std::size_t depth = 0;
    while (!at_end()) {
      const char c = text_[at_];
      if (depth == 0 && !is_fws(c) && c != '(') return;
      ++at_;
      if (c == '(') {
        ++depth;
      } else if (c == ')' && depth > 0) {
        --depth;
      } else if (c == '\\' && depth > 0 && !at_end()) {
        ++at_;
      }
    }
    if (depth > 0) broken_ = true;
  }

  std::string read_run(bool (*accepts)(char)) {
    const std::size_t from = at_;
    while (!at_end() && accepts(text_[at_])) ++at_;
    return std::string(text_.substr(from, at_ - from));
  }

  std::string read_keyword() { return read_run(is_keyword_char); }

  // A quoted-string's content, quoted-pairs resolved, folding removed.
  std::optional<std::string> read_quoted() {
    if (!eat('"')) return std::nullopt;
    std::string out;
    while (!at_end()) {
      char c = text_[at_++];
      if (c == '"') return out;
      if (c == '\\' && !at_end()) c = text_[at_++];
      else if (c == '\r' || c == '\n') continue;
      out += c;
    }
    broken_ = true;
    return std::nullopt;
  }

  // RFC 2045 value: a token or a quoted string.
  std::optional<std::string> read_value() {
    if (peek() == '"') return read_quoted();
    std::string token = read_run(is_token_char);
    if (token.empty()) return std::nullopt;
    return token;
  }

  // RFC 8601 pvalue: a value, or [local-part] "@" domain, where the local
  // part may be a quoted string. Empty is allowed (some servers write
  // "header.from=" when there was none).
  std::optional<std::string> read_pvalue() {
    if (peek() != '"') return read_run(is_pvalue_char);
    std::optional<std::string> local = read_quoted();
    if (!local || peek() != '@') return local;
    return *local + read_run(is_pvalue_char);
  }

  // To the next ';' that is outside comments and quoted strings, or the end.
  void skip_to_semicolon() {
    while (!at_end() && peek() != ';') {
      skip_cfws();
      if (peek() == '"') {
        (void)read_quoted();
      } else if (!at_end() && peek() != ';') {
        ++at_;
      }
    }
  }

 private:
  std::string_view text_;
  std::size_t at_ = 0;
  bool broken_ = false;
};

// "ptype.property" (RFC 8601, CFWS allowed around the dot) or a bare
// keyword, lower case; empty when there is none.
std::string read_property_key(Cursor& c) {
  std::string key = ascii_lower(c.read_keyword());
  if (key.empty()) return key;
  c.skip_cfws();
  if (!c.eat('.')) return key;
  c.skip_cfws();
  const std::string property = ascii_lower(c.read_keyword());
  if (property.empty()) return {};
  return key + "." + property;
}

// The reasonspec and propspecs after "method=result", up to the next ';' or
// the end; false when something there is not key=value.
bool read_properties(Cursor& c, AuthMethodResult& r) {
  while (true) {
    c.skip_cfws();
    if (c.at_end() || c.peek() == ';') return true;
    const std::string key = read_property_key(c);
    c.skip_cfws();
    if (key.empty() || !c.eat('=')) return false;
    c.skip_cfws();
    std::optional<std::string> value = key == "reason" ? c.read_value() : c.read_pvalue();
    if (!value) return false;
    if (key == "reason") {
      if (r.reason.empty()) r.reason = std::move(*value);
    } else {
      r.properties.emplace(key, std::move(*value));
    }
  }
}

// "method[/version] = result" and what follows it. c stands after any
// leading ';' and CFWS.
std::optional<AuthMethodResult> read_resinfo(Cursor& c) {
  AuthMethodResult r;
  r.method = ascii_lower(c.read_keyword());
  if (r.method.empty()) return std::nullopt;
  c.skip_cfws();
  if (c.eat('/')) {
    c.skip_cfws();
    if (c.read_run(is_ascii_digit).empty()) return std::nullopt;
    c.skip_cfws();
  }
  if (!c.eat('=')) return std::nullopt;
  c.skip_cfws();
  r.result = ascii_lower(c.read_keyword());
  if (r.result.empty() || !read_properties(c, r) || c.broken()) return std::nullopt;
  return r;
}

// Whether the value opens with "method=" or "method/", not an authserv-id:
// Exchange Online's form. A copy of the cursor looks ahead; c does not move.
bool opens_with_result(Cursor c) {
  if (c.read_keyword().empty()) return false;
  c.skip_cfws();
  return c.peek() == '=' || c.peek() == '/';
}

// The authserv-id and its optional version; false when there is no id.
bool read_authserv_id(Cursor& c, AuthResults& out) {
  std::optional<std::string> id = c.read_value();
  if (!id || id->empty()) return false;
  out.authserv_id = ascii_lower(*id);
  c.skip_cfws();
  if (!c.read_run(is_ascii_digit).empty()) c.skip_cfws();  // authres-version
  if (!c.at_end() && c.peek() != ';') {
    // A stray word between the id and the first ';' spoils nothing after it.
    ++out.malformed_results;
    c.skip_to_semicolon();
  }
  return true;
}

// One resinfo (or the "none" that stands for no result) into out; a
// malformed one is counted and skipped to the next ';'.
void read_one(Cursor& c, AuthResults& out) {
  Cursor probe = c;
  if (ascii_lower(probe.read_keyword()) == "none") {
    probe.skip_cfws();
    if (probe.at_end() || probe.peek() == ';') {
      c = probe;
      return;
    }
  }
  if (std::optional<AuthMethodResult> r = read_resinfo(c)) {
    out.results.push_back(std::move(*r));
    return;
  }
  ++out.malformed_results;
  c.clear_broken();
  c.skip_to_semicolon();
}

}  // namespace

std::optional<AuthResults> parse_authentication_results(std::string_view value) {
  if (value.size() > max_auth_results_bytes) return std::nullopt;
  Cursor c(value);
  AuthResults out;
  c.skip_cfws();
  const bool without_id = opens_with_result(c);
  if (!without_id && !read_authserv_id(c, out)) return std::nullopt;
  bool needs_semicolon = !without_id;
  while (true) {
    c.skip_cfws();
    if (c.at_end()) break;
    if (needs_semicolon && !c.eat(';')) {
      // read_one and read_authserv_id stop at a ';' or the end, so this is
      // not reached today; skipping (which always moves) keeps the loop finite
      // if that ever changes.
      c.skip_to_semicolon();
      continue;
    }
    needs_semicolon = true;
    c.skip_cfws();
    if (c.at_end() || c.peek() == ';') continue;  // ";;" and a trailing ';' are empty, not malformed
    read_one(c, out);
  }
  if (out.authserv_id.empty() && out.results.empty()) return std::nullopt;
  return out;
}

std::string auth_domain(std::string_view property_value) {
  std::string_view v = trim(property_value);
  if (v.size() >= 2 && v.front() == '<' && v.back() == '>') v = v.substr(1, v.size() - 2);
  if (const auto at = v.rfind('@'); at != std::string_view::npos) v.remove_prefix(at + 1);
  if (!v.empty() && v.back() == '.') v.remove_suffix(1);
  if (v.empty()) return {};
  for (const char c : v) {
    const bool domain_char = is_ascii_alnum(c) || c == '-' || c == '.' || c == '_' || static_cast<unsigned char>(c) >= 0x80;
    if (!domain_char) return {};
  }
  return ascii_lower(v);
}

namespace {

bool received_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// The next word of a Received value from `at`, comments skipped; empty at
// the date (';') or the end. Views into `value`: nothing is copied.
std::string_view next_received_word(std::string_view value, std::size_t& at) {
  int depth = 0;
  while (at < value.size()) {
    const char c = value[at];
    if (depth > 0) {
      if (c == '\\') ++at;
      depth += c == '(' ? 1 : c == ')' ? -1 : 0;
      ++at;
    } else if (c == '(') {
      depth = 1;
      ++at;
    } else if (received_blank(c)) {
      ++at;
    } else {
      break;
    }
  }
  if (at >= value.size() || value[at] == ';') return {};
  const std::size_t start = at;
  while (at < value.size() && !received_blank(value[at]) && value[at] != '(' && value[at] != ';') ++at;
  return value.substr(start, at - start);
}

}  // namespace

// Runs over every Received field of every message, so it copies nothing but
// the host it returns.
std::string received_by_host(std::string_view value) {
  std::size_t at = 0;
  bool after_by = false;
  for (std::string_view word = next_received_word(value, at); !word.empty(); word = next_received_word(value, at)) {
    if (after_by) return ascii_lower(word);
    after_by = word.size() == 2 && (word[0] | 0x20) == 'b' && (word[1] | 0x20) == 'y';
  }
  return {};
}

}  // namespace intake::parsers
