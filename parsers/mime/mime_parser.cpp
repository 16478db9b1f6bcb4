// The only file that includes mimetic: it gives the MIME tree and the transfer
// decodings; everything mimetic lacks (RFC 2047/2231, charsets, HTML, limits)
// comes from the other files in parsers/.
#include "parsers/mime/mime_parser.hpp"
#include "parsers/common/strings.hpp"

#include <mimetic/mimetic.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <iterator>
#include <map>
#include <set>

#include "parsers/common/charset.hpp"
#include "parsers/mime/auth_results.hpp"
#include "parsers/text/flowed.hpp"
#include "parsers/mime/header_values.hpp"
#include "parsers/text/html_text.hpp"
#include "parsers/mime/mime_guard.hpp"
#include "parsers/text/request_text.hpp"

namespace intake::parsers {

const char* to_string(MessageKind kind) {
  switch (kind) {
    case MessageKind::human: return "human";
    case MessageKind::auto_reply: return "auto_reply";
    case MessageKind::bulk: return "bulk";
    case MessageKind::bounce: return "bounce";
  }
  return "human";
}

namespace {

// A header block's fields looked up by name: the first occurrence, value
// unfolded but not decoded. A linear scan over mimetic's own list, comparing
// names without case and without copying them: a block has a few dozen
// fields, and building a map of them all per part was a tenth of the parse.
class HeaderView {
 public:
  explicit HeaderView(const mimetic::Header& header) : header_(header) {}
  // `lower_name` in lower case.
  std::string get(std::string_view lower_name) const {
    const mimetic::Field* field = find(lower_name);
    return field ? field->value() : std::string();
  }
  bool has(std::string_view lower_name) const { return find(lower_name) != nullptr; }
  // f(field) for every field, in order; a field's value() is a copy, so
  // f asks for it only where it needs it.
  template <typename F>
  void each(F&& f) const {
    for (const auto& field : header_) f(field);
  }
  // Every occurrence, in order.
  std::vector<std::string> all(std::string_view lower_name) const {
    std::vector<std::string> values;
    for (const auto& field : header_)
      if (same_name(field.name(), lower_name)) values.push_back(field.value());
    return values;
  }

 private:
  const mimetic::Field* find(std::string_view lower_name) const {
    for (const auto& field : header_)
      if (same_name(field.name(), lower_name)) return &field;
    return nullptr;
  }

 public:
  // mimetic's names are case-blind strings of another type: read in place,
  // a conversion to std::string would copy every name at every lookup.
  static bool same_name(const mimetic::istring& field_name, std::string_view lower_name) {
    const std::string_view name(field_name.data(), field_name.size());
    if (name.size() != lower_name.size()) return false;
    for (std::size_t i = 0; i < name.size(); ++i)
      if ((static_cast<unsigned char>(name[i]) | 0x20) != static_cast<unsigned char>(lower_name[i])) return false;
    return true;
  }

 private:
  const mimetic::Header& header_;
};

// Fields RFC 5322 3.6 allows once; a second one (a spoofing trick for From) is
// ignored and flagged.
void flag_duplicates(const mimetic::Header& header, std::vector<std::string>& warnings) {
  static const std::set<std::string> once{"from",    "sender",     "reply-to",    "to",         "cc",
                                          "subject", "date",       "message-id",  "in-reply-to", "references",
                                          "content-type", "content-transfer-encoding"};
  std::set<std::string> seen, flagged;
  for (const auto& field : header) {
    std::string name = ascii_lower(std::string(field.name().begin(), field.name().end()));
    if (once.count(name) == 0) continue;
    if (!seen.insert(name).second && flagged.insert(name).second)
      warnings.push_back("duplicate " + name + " header: the first is used");
  }
}

struct Base64Count {
  std::size_t symbols = 0;  // alphabet and padding
  std::size_t padding = 0;  // '=' among them
};
// Runs over every byte of every base64 attachment, so it is written for
// speed by hand (no library here counts symbols): 16 bytes at a time with
// GCC/Clang vector extensions, using only signed compares (which SSE2 and
// NEON have), masks summed in byte-wide lanes flushed every 255 rounds. The
// scalar loop, with a call to isalnum per byte, was a fifth of the parse.
using ByteVector = signed char __attribute__((vector_size(16)));
using CountVector = unsigned char __attribute__((vector_size(16)));  // unsigned: wrapping is defined

std::size_t lane_sum(CountVector v) {
  std::size_t sum = 0;
  for (int i = 0; i < 16; ++i) sum += v[i];
  return sum;
}

Base64Count count_base64(const std::string& body) {
  Base64Count n;
  const char* p = body.data();
  std::size_t left = body.size();
  while (left >= sizeof(ByteVector)) {
    CountVector symbols = {}, padding = {};
    const std::size_t rounds = std::min<std::size_t>(left / sizeof(ByteVector), 255);
    for (std::size_t r = 0; r < rounds; ++r, p += sizeof(ByteVector)) {
      ByteVector c;
      std::memcpy(&c, p, sizeof c);
      // Bytes over 0x7F are negative here, so they fall outside every range.
      const ByteVector folded = c | 0x20;
      const ByteVector letter = (folded > 'a' - 1) & (folded < 'z' + 1);
      const ByteVector digit = (c > '0' - 1) & (c < '9' + 1);
      const ByteVector pad = c == '=';
      // A true compare is -1, 255 unsigned: subtracting it counts one.
      symbols -= __builtin_convertvector(letter | digit | (c == '+') | (c == '/') | pad, CountVector);
      padding -= __builtin_convertvector(pad, CountVector);
    }
    n.symbols += lane_sum(symbols);
    n.padding += lane_sum(padding);
    left -= rounds * sizeof(ByteVector);
  }
  for (; left > 0; --left, ++p) {
    const auto c = static_cast<unsigned char>(*p);
    const bool letter = static_cast<unsigned char>((c | 0x20) - 'a') < 26;
    const bool digit = static_cast<unsigned char>(c - '0') < 10;
    n.symbols += static_cast<std::size_t>(letter || digit || c == '+' || c == '/' || c == '=');
    n.padding += static_cast<std::size_t>(c == '=');
  }
  return n;
}

// base64 whose last group of four is cut short: mimetic pads it silently.
bool base64_cut_short(const Base64Count& n) { return n.symbols % 4 != 0; }

// The size base64 decodes to, without decoding it: three bytes per four
// symbols, less the padding; a cut-short last group gives what it holds.
std::size_t base64_decoded_size(const Base64Count& n) {
  const std::size_t data = n.symbols - std::min(n.symbols, n.padding);
  return data / 4 * 3 + (data % 4 > 1 ? data % 4 - 1 : 0);
}

// An output iterator into a buffer sized beforehand (grown if a decoder ever
// writes more): mimetic's decoders emit one byte at a time, and
// std::back_inserter's out-of-line push_back per byte cost as much as the
// decoding itself. Copies share the cursor, as mimetic passes it by value.
class BufferWriter {
 public:
  using iterator_category = std::output_iterator_tag;
  using value_type = void;
  using difference_type = std::ptrdiff_t;
  using pointer = void;
  using reference = void;
  BufferWriter(std::string& out, std::size_t& used) : out_(&out), used_(&used) {}
  BufferWriter& operator=(char c) {
    if (*used_ == out_->size()) out_->resize(out_->size() * 2 + 64);
    (*out_)[(*used_)++] = c;
    return *this;
  }
  BufferWriter& operator*() { return *this; }
  BufferWriter& operator++() { return *this; }
  BufferWriter operator++(int) { return *this; }

 private:
  std::string* out_;
  std::size_t* used_;
};

template <typename Decoder>
std::string decode_into_buffer(const std::string& body, std::size_t expected_out) {
  std::string out(expected_out, '\0');
  std::size_t used = 0;
  Decoder decoder;
  mimetic::decode(body.begin(), body.end(), decoder, BufferWriter(out, used));
  out.resize(used);
  return out;
}

std::string decode_transfer(const std::string& body, const std::string& encoding) {
  if (encoding == "base64") return decode_into_buffer<mimetic::Base64::Decoder>(body, body.size() / 4 * 3 + 3);
  if (encoding == "quoted-printable") return decode_into_buffer<mimetic::QP::Decoder>(body, body.size());
  return body;
}

std::string crlf_to_lf(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t pos = 0;
  while (pos < s.size()) {
    const void* hit = std::memchr(s.data() + pos, '\r', s.size() - pos);
    const std::size_t cr = hit ? static_cast<std::size_t>(static_cast<const char*>(hit) - s.data()) : s.size();
    out.append(s, pos, cr - pos);
    if (cr == s.size()) break;
    if (cr + 1 >= s.size() || s[cr + 1] != '\n') out += '\r';  // a lone CR stays
    pos = cr + 1;
  }
  return out;
}

// What one part's headers say about it.
struct Part {
  ContentType ct;
  std::string disposition;  // lower case; empty when absent
  std::string filename;     // Content-Disposition's filename, else Content-Type's name
  std::string encoding;     // Content-Transfer-Encoding, lower case
  std::string content_id;   // without angle brackets

  bool is_forwarded() const {
    return (ct.type == "message" && ct.subtype == "rfc822") || ct.type + "/" + ct.subtype == opaque_rfc822_type;
  }
  // text/plain or text/html that is the message's text: not marked as an
  // attachment, and not a named part unless marked inline.
  bool is_body_text() const {
    if (ct.type != "text" || (ct.subtype != "plain" && ct.subtype != "html")) return false;
    return disposition != "attachment" && (filename.empty() || disposition == "inline");
  }
};

// The name a part without one is listed under, made from its type: what a
// mail client offers when saving it (image/png -> image.png,
// application/octet-stream -> file.bin).
std::string name_from_type(const ContentType& ct) {
  static const std::map<std::string, std::string, std::less<>> extensions{
      {"jpeg", "jpg"}, {"pjpeg", "jpg"}, {"svg+xml", "svg"}, {"tiff", "tif"},   {"octet-stream", "bin"},
      {"plain", "txt"}, {"msword", "doc"}, {"calendar", "ics"}, {"rfc822", "eml"}, {"x-zip-compressed", "zip"},
      {"delivery-status", "txt"}, {"rfc822-headers", "txt"}};
  const std::string base = ct.type == "image" || ct.type == "audio" || ct.type == "video" ? ct.type : "file";
  if (auto known = extensions.find(ct.subtype); known != extensions.end()) return base + "." + known->second;
  // A short plain subtype is its own extension (png, gif, pdf, zip, heic, csv).
  const bool plain = !ct.subtype.empty() && ct.subtype.size() <= 5 &&
                     std::all_of(ct.subtype.begin(), ct.subtype.end(), [](char c) {
                       return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
                     });
  return base + "." + (plain ? ct.subtype : std::string("bin"));
}

// RFC 2045 5.2: an invalid type means text/plain.
ContentType content_type_of(const HeaderView& headers, std::vector<std::string>& warnings,
                            std::string_view legacy_charset = {}) {
  const std::string raw = headers.get("content-type");
  ContentType ct = raw.empty() ? ContentType{} : parse_content_type(raw, warnings, legacy_charset);
  if (ct.subtype.empty()) {
    ct.type = "text";
    ct.subtype = "plain";
  }
  return ct;
}

// The charset a message declares for its text (the first text part's that
// names one, else the top-level Content-Type's): the likeliest charset of raw
// 8-bit header text that is not UTF-8. Looked up once, and only for a value
// with 8-bit bytes: most mail has none, and the look-up walks the parts.
class LegacyCharset {
 public:
  LegacyCharset(mimetic::MimeEntity& top, const Limits& limits) : top_(top), limits_(limits) {}
  std::string_view for_value(std::string_view raw) {
    if (std::all_of(raw.begin(), raw.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) return {};
    if (!found_) {
      std::size_t budget = limits_.max_parts;
      found_ = first_text_charset(top_, 0, budget);
      if (found_->empty()) found_ = charset_of(top_);
    }
    return *found_;
  }

 private:
  static std::string charset_of(mimetic::MimeEntity& entity) {
    std::vector<std::string> ignored;
    ContentType ct = content_type_of(HeaderView(entity.header()), ignored);
    return ct.params["charset"];
  }
  std::string first_text_charset(mimetic::MimeEntity& entity, std::size_t depth, std::size_t& budget) const {
    if (depth >= limits_.max_multipart_nesting || budget == 0) return {};
    --budget;
    std::vector<std::string> ignored;
    ContentType ct = content_type_of(HeaderView(entity.header()), ignored);
    if (ct.type == "text") return ct.params["charset"];
    if (ct.type != "multipart") return {};
    for (auto* child : entity.body().parts()) {
      std::string found = first_text_charset(*child, depth + 1, budget);
      if (!found.empty()) return found;
    }
    return {};
  }

  mimetic::MimeEntity& top_;
  const Limits& limits_;
  std::optional<std::string> found_;
};

class Walker {
 public:
  Walker(const Limits& limits, Email& email, std::size_t depth, LegacyCharset& legacy)
      : limits_(limits), email_(email), depth_(depth), legacy_(legacy) {}

  // `in_related`: the part is a child of multipart/related, whose parts the
  // HTML beside them shows (RFC 2387), so it is inline without a disposition.
  void walk(mimetic::MimeEntity& entity, std::size_t depth, bool in_related = false) {
    if (!count_part()) return;
    Part part = read_part(entity, email_.warnings, legacy_);
    if (part.ct.type == "multipart") {
      walk_multipart(entity, part.ct, part.encoding, depth);
      return;
    }
    if (part.is_forwarded() && depth + depth_ < limits_.max_multipart_nesting) {
      add_forwarded(entity, part.encoding, part.filename, depth);
      return;
    }
    if (part.is_body_text()) {
      add_body_text(entity, part);
      return;
    }
    if (part.ct.type == "text" && part.ct.subtype == "rfc822-headers" && email_.enclosed_message_ids.size() < 16)
      note_returned_headers(entity, part.encoding);
    add_attachment(entity, part, in_related);
  }

 private:
  // False once the message has more parts than Limits::max_parts.
  bool count_part() {
    if (++parts_ <= limits_.max_parts) return true;
    if (!warned_parts_) email_.warnings.push_back("more than " + std::to_string(limits_.max_parts) + " parts: rest ignored");
    warned_parts_ = true;
    return false;
  }

  void walk_multipart(mimetic::MimeEntity& entity, ContentType& ct, const std::string& encoding, std::size_t depth) {
    if (depth + depth_ >= limits_.max_multipart_nesting) {
      email_.warnings.push_back("multipart nested deeper than " + std::to_string(limits_.max_multipart_nesting) +
                                ": inner parts ignored");
      return;
    }
    auto& children = entity.body().parts();
    if (children.empty()) {
      email_.warnings.push_back("multipart/" + ct.subtype + " without parts (missing or wrong boundary?): body kept as text");
      add_text(entity.body(), encoding, ct);
      return;
    }
    if (ct.subtype == "alternative") {
      walk_alternative(children, depth);
    } else {
      const bool related = ct.subtype == "related";
      for (auto* child : children) walk(*child, depth + 1, related);
    }
  }

  // A forwarded message: parsed on its own, its text quoted in the body and
  // its attachments listed after it, itself an attachment too.
  void add_forwarded(mimetic::MimeEntity& entity, const std::string& encoding, const std::string& filename,
                     std::size_t depth) {
    std::string inner_raw = decode(forwarded_bytes(entity), encoding);
    Limits inner_limits = limits_;
    inner_limits.max_multipart_nesting = limits_.max_multipart_nesting - depth - depth_ - 1;
    Email inner = parse_email(inner_raw, inner_limits);
    for (auto& w : inner.warnings) email_.warnings.push_back("forwarded message: " + w);
    if (!inner.message_id.empty() && email_.enclosed_message_ids.size() < 16)
      email_.enclosed_message_ids.push_back(inner.message_id);
    append_text(forwarded_block(inner));
    email_.has_html = email_.has_html || inner.has_html;
    Attachment a;
    a.filename = filename.empty() ? (inner.subject.empty() ? "forwarded.eml" : inner.subject + ".eml") : filename;
    a.content_type = "message/rfc822";
    a.size = inner_raw.size();
    email_.attachments.push_back(std::move(a));
    for (auto& att : inner.attachments) email_.attachments.push_back(std::move(att));
  }

  // mime_guard kept the forwarded message opaque; a message/rfc822 that
  // still reached mimetic (nested too deep for the guard to see) comes back
  // as a child entity and is re-serialized.
  static std::string forwarded_bytes(mimetic::MimeEntity& entity) {
    std::string encoded(entity.body().begin(), entity.body().end());
    if (encoded.empty() && !entity.body().parts().empty())
      entity.body().parts().front()->copy(std::back_inserter(encoded));
    return encoded;
  }

  static std::string forwarded_block(const Email& inner) {
    std::string block = "---------- Forwarded message ----------\n";
    if (inner.from) block += "From: " + (inner.from->name.empty() ? inner.from->address : inner.from->name + " <" + inner.from->address + ">") + "\n";
    if (!inner.raw_date.empty()) block += "Date: " + inner.raw_date + "\n";
    block += "Subject: " + inner.subject + "\n\n" + inner.body_text;
    return block;
  }

  // A bounce that returns only the original's headers (RFC 6522).
  void note_returned_headers(mimetic::MimeEntity& entity, const std::string& encoding) {
    Limits header_limits = limits_;
    header_limits.max_multipart_nesting = 1;
    const Email original = parse_email(decode(entity.body(), encoding) + "\r\n", header_limits);
    if (!original.message_id.empty()) email_.enclosed_message_ids.push_back(original.message_id);
  }

  // `legacy`: for file names in raw 8-bit bytes (no RFC 2231 or 2047).
  static Part read_part(mimetic::MimeEntity& entity, std::vector<std::string>& warnings, LegacyCharset& legacy) {
    const HeaderView headers(entity.header());
    Part part;
    part.ct = content_type_of(headers, warnings, legacy.for_value(headers.get("content-type")));
    const std::string disposition_raw = headers.get("content-disposition");
    auto [disposition, disp_params] = parse_disposition(disposition_raw, warnings, legacy.for_value(disposition_raw));
    part.disposition = std::move(disposition);
    // RFC 2183's filename first; many mailers give only Content-Type's name (RFC 1341).
    const auto filename = disp_params.find("filename");
    part.filename = filename != disp_params.end() ? filename->second : part.ct.params["name"];
    part.encoding = ascii_lower(trimmed(headers.get("content-transfer-encoding")));
    std::string cid = trimmed(headers.get("content-id"));
    if (cid.size() >= 2 && cid.front() == '<' && cid.back() == '>') cid = cid.substr(1, cid.size() - 2);
    part.content_id = sanitize_utf8(cid);  // header bytes may be anything
    return part;
  }

  void add_body_text(mimetic::MimeEntity& entity, Part& part) {
    if (part.ct.subtype != "html") {
      add_text(entity.body(), part.encoding, part.ct);
      return;
    }
    email_.has_html = true;
    std::string html = to_utf8(decode(entity.body(), part.encoding), part.ct.params["charset"], email_.warnings);
    append_text(html_to_text(html));
  }

  void add_attachment(mimetic::MimeEntity& entity, const Part& part, bool in_related) {
    Attachment a;
    a.content_type = part.ct.type + "/" + part.ct.subtype;
    a.filename = part.filename.empty() ? name_from_type(part.ct) : part.filename;
    // Counted as listed only where it was elided: base64 (else the parse is redone without elision).
    a.size = decoded_size(entity.body(), part, part.encoding == "base64" ? elided_counts(entity) : Base64Count{});
    a.content_id = part.content_id;
    a.inline_part =
        part.disposition == "inline" || (part.disposition.empty() && (in_related || !part.content_id.empty()));
    if (a.content_type == "application/ms-tnef" || ascii_lower(a.filename) == "winmail.dat")
      email_.warnings.push_back("winmail.dat (TNEF) attachment: its contents are not listed");
    email_.attachments.push_back(std::move(a));
  }

  std::string decode(const std::string& body, const std::string& encoding) {
    if (encoding == "base64") warn_if_cut_short(count_base64(body));
    return decode_transfer(body, encoding);
  }
  // An attachment's decoded size in its canonical form (RFC 2046 4.1.1:
  // a line end is CRLF, two bytes). base64 (nearly every attachment) is
  // counted, not decoded; the line breaks between its lines are not
  // symbols. 7bit and 8bit parts are counted as mime_guard hands them over
  // (every line end CRLF, an LF-only message's too), and a quoted-printable
  // hard line break, which mimetic decodes to a bare LF, counts two bytes
  // too: the same file has the same size whichever way it was sent.
  std::size_t decoded_size(const std::string& body, const Part& part, const Base64Count& elided) {
    if (part.encoding == "base64") {
      Base64Count n = count_base64(body);
      n.symbols += elided.symbols;
      n.padding += elided.padding;
      warn_if_cut_short(n);
      return base64_decoded_size(n);
    }
    if (part.encoding != "quoted-printable") return body.size();
    const std::string decoded = decode_transfer(body, part.encoding);
    std::size_t bare_lf = 0;
    for (std::size_t i = 0; i < decoded.size(); ++i)
      bare_lf += static_cast<std::size_t>(decoded[i] == '\n' && (i == 0 || decoded[i - 1] != '\r'));
    return decoded.size() + bare_lf;
  }
  // The base64 mime_guard counted instead of passing on (elided_base64_field).
  Base64Count elided_counts(mimetic::MimeEntity& entity) {
    Base64Count n;
    if (!trust_elided_) return n;  // nothing was elided: a field there is the sender's
    const std::string counts = HeaderView(entity.header()).get(elided_base64_field);
    if (counts.empty()) return n;
    ++elided_seen_;
    const auto blank = counts.find(' ');
    if (blank == std::string::npos) return n;
    n.symbols = std::strtoull(counts.c_str(), nullptr, 10);
    n.padding = std::strtoull(counts.c_str() + blank + 1, nullptr, 10);
    return n;
  }

 public:
  // Whether mime_guard elided anything (GuardedMessage::elided_parts), so
  // elided_base64_field is its own; how many such parts were listed.
  void trust_elided(bool trust) { trust_elided_ = trust; }
  std::size_t elided_seen() const { return elided_seen_; }

 private:
  void warn_if_cut_short(const Base64Count& n) {
    if (warned_base64_ || !base64_cut_short(n)) return;
    email_.warnings.push_back("base64 text cut short: its last bytes are missing");
    warned_base64_ = true;
  }

  void walk_alternative(mimetic::MimeEntityList& children, std::size_t depth) {
    // Prefer the first alternative that carries plain text (a text/plain part,
    // or a multipart around one, as RFC 8621 4.1.4 does); else the richest (the
    // last, RFC 2046), i.e. HTML or a multipart/related around it. An empty
    // text/plain alternative (some mailers send one) does not count.
    mimetic::MimeEntity* chosen = nullptr;
    for (auto* child : children) {
      ContentType ct = child_content_type(*child);
      if (ct.type == "text" && ct.subtype == "html") email_.has_html = true;
      if (ct.type == "multipart") email_.has_html = true;  // related/mixed around HTML
      if (chosen == nullptr && has_plain_text(*child, depth + 1)) chosen = child;
    }
    for (auto it = children.rbegin(); chosen == nullptr && it != children.rend(); ++it)
      if (!(*it)->body().parts().empty() || !trimmed((*it)->body()).empty()) chosen = *it;
    if (chosen == nullptr) chosen = children.back();
    walk(*chosen, depth + 1);
    for (auto* child : children)
      if (child != chosen) list_attachments_only(*child, depth + 1, false);
  }

  // An alternative not chosen is the same text in another form, but Apple
  // Mail puts the pictures pasted into a message only in its HTML one
  // (alternative: text/plain, then related: text/html and the images): its
  // other parts are listed, its text is not. Its header problems were not
  // the text's, so they are not warned about.
  void list_attachments_only(mimetic::MimeEntity& entity, std::size_t depth, bool in_related) {
    if (depth + depth_ >= limits_.max_multipart_nesting || !count_part()) return;
    std::vector<std::string> ignored;
    const Part part = read_part(entity, ignored, legacy_);
    if (part.ct.type == "multipart") {
      for (auto* child : entity.body().parts()) list_attachments_only(*child, depth + 1, part.ct.subtype == "related");
      return;
    }
    if (part.ct.type == "text" || part.is_forwarded()) return;  // the text again, or a calendar's data
    add_attachment(entity, part, in_related);
  }

  static ContentType child_content_type(mimetic::MimeEntity& entity) {
    std::vector<std::string> ignored;
    return content_type_of(HeaderView(entity.header()), ignored);
  }

  bool has_plain_text(mimetic::MimeEntity& entity, std::size_t depth) const {
    if (depth + depth_ >= limits_.max_multipart_nesting) return false;
    ContentType ct = child_content_type(entity);
    if (ct.type == "multipart") {
      for (auto* child : entity.body().parts())
        if (has_plain_text(*child, depth + 1)) return true;
      return false;
    }
    if (ct.type != "text" || ct.subtype != "plain") return false;
    std::vector<std::string> ignored;
    auto [disposition, params] = parse_disposition(HeaderView(entity.header()).get("content-disposition"), ignored);
    if (disposition == "attachment") return false;
    return !trimmed(entity.body()).empty();
  }

  void add_text(const std::string& body, const std::string& encoding, ContentType& ct) {
    std::string text = to_utf8(decode(body, encoding), ct.params["charset"], email_.warnings);
    text = crlf_to_lf(text);
    if (ascii_lower(ct.params["format"]) == "flowed") text = decode_flowed(text, ascii_lower(ct.params["delsp"]) == "yes");
    append_text(std::move(text));
  }

  void append_text(std::string text) {
    if (email_.body_text.size() >= limits_.max_text_bytes) return;
    // NUL is not text (RFC 5322 2.3) and PostgreSQL text cannot hold it.
    if (text.find('\0') != std::string::npos) {
      if (!warned_nul_) email_.warnings.push_back("NUL bytes in the text replaced with U+FFFD");
      warned_nul_ = true;
      std::string clean;
      clean.reserve(text.size() + 16);
      for (char c : text) {
        if (c == '\0') clean += "\xEF\xBF\xBD";
        else clean += c;
      }
      text = std::move(clean);
    }
    if (!email_.body_text.empty() && email_.body_text.back() != '\n') email_.body_text += '\n';
    if (!email_.body_text.empty()) email_.body_text += '\n';
    std::size_t room = limits_.max_text_bytes - email_.body_text.size();
    if (text.size() > room) {
      email_.warnings.push_back("text over " + std::to_string(limits_.max_text_bytes) + " bytes: truncated");
      text.resize(room);
      text = sanitize_utf8(text);
    }
    email_.body_text += text;
  }

  const Limits& limits_;
  Email& email_;
  std::size_t depth_;
  LegacyCharset& legacy_;
  std::size_t parts_ = 0;
  bool warned_parts_ = false;
  bool warned_base64_ = false;
  std::size_t elided_seen_ = 0;
  bool trust_elided_ = false;
  bool warned_nul_ = false;
};

std::optional<Address> first_address(const std::string& raw, std::vector<std::string>& warnings,
                                     std::string_view legacy_charset = {}) {
  if (trimmed(raw).empty()) return std::nullopt;
  auto list = parse_address_list(raw, warnings, legacy_charset);
  if (list.empty()) return std::nullopt;
  return list.front();
}

std::string first_id(const std::string& raw) {
  auto ids = parse_message_ids(raw);
  return ids.empty() ? std::string() : ids.front();
}

// An address intake can answer and file a request under: a local part and a domain.
bool usable(const std::optional<Address>& a) {
  if (!a) return false;
  const auto at = a->address.find('@');
  return at != std::string::npos && at > 0 && at + 1 < a->address.size();
}

// The sender of a message whose From has no usable address (`"name" <>`, a
// mangled `[??????]`, none at all): the next From header with one, else
// Sender, Reply-To, Return-Path, in that order (the order RFC 5322 3.6.2
// gives the author, the agent and where replies go), said in a warning. The
// From's display name stays when the one used has none.
void fall_back_from(Email& email, const std::vector<std::string>& froms) {
  std::vector<std::string> ignored;  // the later headers' flaws do not matter once one is chosen
  std::vector<std::pair<std::string, std::optional<Address>>> candidates;
  for (std::size_t i = 1; i < froms.size(); ++i)
    candidates.emplace_back("From header " + std::to_string(i + 1), first_address(froms[i], ignored));
  candidates.emplace_back("Sender", email.sender);
  if (!email.reply_to.empty()) candidates.emplace_back("Reply-To", email.reply_to.front());
  candidates.emplace_back("Return-Path", email.return_path);
  for (auto& [header, address] : candidates) {
    if (!usable(address)) continue;
    if (address->name.empty() && email.from) address->name = email.from->name;
    email.from = std::move(address);
    std::erase(email.warnings, std::string("duplicate from header: the first is used"));
    email.warnings.push_back("From has no usable address: taken from " + header);
    return;
  }
}

void fill_addresses(Email& email, const HeaderView& h, LegacyCharset& legacy) {
  auto& w = email.warnings;
  const auto one = [&](const std::string& raw) { return first_address(raw, w, legacy.for_value(raw)); };
  const auto list = [&](std::string_view name) {
    const std::string raw = h.get(name);
    return parse_address_list(raw, w, legacy.for_value(raw));
  };
  const std::vector<std::string> froms = h.all("from");
  email.from = froms.empty() ? std::nullopt : one(froms.front());
  email.sender = one(h.get("sender"));
  email.reply_to = list("reply-to");
  email.to = list("to");
  email.cc = list("cc");
  if (h.has("return-path")) {
    std::string rp = trimmed(h.get("return-path"));
    if (rp == "<>" || rp.empty()) {
      email.return_path = Address{};
    } else {
      email.return_path = one(rp);
    }
  }
  if (!usable(email.from)) fall_back_from(email, froms);
}

void fill_headers(Email& email, const HeaderView& h, LegacyCharset& legacy) {
  auto& w = email.warnings;
  fill_addresses(email, h, legacy);
  // The raw_ fields keep what was received, made valid UTF-8 only after it was decoded.
  const std::string subject_bytes = trimmed(h.get("subject"));
  email.subject = decode_unstructured(subject_bytes, w, legacy.for_value(subject_bytes));
  email.raw_subject = sanitize_utf8(subject_bytes);
  const std::string date_bytes = trimmed(h.get("date"));
  email.raw_date = sanitize_utf8(date_bytes);
  if (!date_bytes.empty()) {
    email.date = parse_date(date_bytes);
    if (!email.date) w.push_back("malformed Date kept raw: " + email.raw_date.substr(0, 80));
  }
  email.message_id = first_id(h.get("message-id"));
  email.in_reply_to = first_id(h.get("in-reply-to"));
  email.references = parse_message_ids(h.get("references"));
  email.list_id = sanitize_utf8(trimmed(h.get("list-id")));
  email.list_unsubscribe = sanitize_utf8(trimmed(h.get("list-unsubscribe")));
  email.auto_submitted = sanitize_utf8(ascii_lower(trimmed(h.get("auto-submitted"))));
  email.precedence = sanitize_utf8(ascii_lower(trimmed(h.get("precedence"))));
  email.x_auto_response_suppress = sanitize_utf8(trimmed(h.get("x-auto-response-suppress")));
  email.x_priority = sanitize_utf8(trimmed(h.get("x-priority")));
  email.importance = sanitize_utf8(ascii_lower(trimmed(h.get("importance"))));
  email.loop_header = sanitize_utf8(trimmed(h.get("x-intake-loop")));
  if (h.has("x-autoreply") || h.has("x-autorespond")) email.auto_submitted = email.auto_submitted.empty() ? "auto-replied" : email.auto_submitted;
}

Email parse_guarded(std::string_view raw, const Limits& limits, std::size_t depth);

// The Received and Authentication-Results fields, top down, for the daemon's
// trust rule; the header is read only to a bound.
void fill_trace(Email& email, const HeaderView& h, const Limits& limits) {
  h.each([&](const mimetic::Field& field) {
    if (email.trace.size() >= limits.max_trace_fields) return;
    if (HeaderView::same_name(field.name(), "received")) {
      email.trace.push_back({sanitize_utf8(received_by_host(field.value())), std::nullopt});
    } else if (HeaderView::same_name(field.name(), "authentication-results")) {
      if (auto results = parse_authentication_results(sanitize_utf8(field.value())))
        email.trace.push_back({"", std::move(results)});
    }
  });
}

// NUL may hide in any header value (RFC 2047 can even encode one); no string
// leaving the parser holds one, since PostgreSQL text cannot.
void scrub_nul(Email& email) {
  const auto scrub = [](std::string& s) {
    for (auto at = s.find('\0'); at != std::string::npos; at = s.find('\0', at + 3)) s.replace(at, 1, "\xEF\xBF\xBD");
  };
  if (email.body_text.find('\0') != std::string::npos)  // text kept raw when the structure was over limits
    email.warnings.push_back("NUL bytes in the text replaced with U+FFFD");
  for_each_string(email, scrub);
}

}  // namespace

MessageKind classify_kind(const Email& email, std::string_view top_content_type) {
  const std::string from = email.from ? ascii_lower(email.from->address) : std::string();
  const std::string local = from.substr(0, from.find('@'));
  const std::string ct = ascii_lower(top_content_type);
  if (ct.find("multipart/report") != std::string::npos || local == "mailer-daemon" || local == "postmaster")
    return MessageKind::bounce;
  if (!email.auto_submitted.empty() && email.auto_submitted != "no") return MessageKind::auto_reply;
  // A null return path alone means a bounce; auto-replies use it too (RFC 3834
  // 3.3), so Auto-Submitted is asked first.
  if (email.return_path && email.return_path->address.empty()) return MessageKind::bounce;
  const std::string subject = ascii_lower(email.subject);
  for (const char* marker : {"out of office", "out-of-office", "automatic reply", "auto-reply", "autoreply",
                             "abwesenheitsnotiz", "absence du bureau", "réponse automatique"}) {
    if (subject.find(marker) != std::string::npos) return MessageKind::auto_reply;
  }
  if (email.precedence == "bulk" || email.precedence == "junk" || email.precedence == "list" || !email.list_id.empty() ||
      !email.list_unsubscribe.empty())
    return MessageKind::bulk;
  if (email.precedence == "auto_reply") return MessageKind::auto_reply;
  return MessageKind::human;
}

Email parse_email(std::string_view raw, const Limits& limits) { return parse_guarded(raw, limits, 0); }

namespace {

// The header block through mimetic, the body kept as plain text: for a
// structure mimetic must not walk. Returns the top Content-Type.
std::string read_headers_body_as_text(Email& email, const std::string& text, const Limits& limits) {
  mimetic::MimeEntity entity;
  const std::size_t split = text.find("\r\n\r\n");
  const std::string head = split == std::string::npos ? text : text.substr(0, split + 4);
  entity.load(head.begin(), head.end(), mimetic::imBody | mimetic::imChildParts);
  const HeaderView h(entity.header());
  LegacyCharset legacy(entity, limits);
  fill_headers(email, h, legacy);
  fill_trace(email, h, limits);
  if (split != std::string::npos) {
    email.body_text = sanitize_utf8(crlf_to_lf(std::string_view(text).substr(split + 4)));
    if (email.body_text.size() > limits.max_text_bytes) {
      email.body_text.resize(limits.max_text_bytes);
      email.body_text = sanitize_utf8(email.body_text);  // the cut may split a character
    }
  }
  return h.get("content-type");
}

// The same parse with no base64 elided (Limits::elide_base64_after_bytes):
// for a message whose elided parts the walk did not list, one by one, as
// attachments (its text would miss the lines), so elision never changes
// what a message parses to.
Email parse_unelided(std::string_view raw, const Limits& limits, std::size_t depth) {
  Limits whole = limits;
  whole.elide_base64_after_bytes = 0;
  return parse_guarded(raw, whole, depth);
}

Email parse_guarded(std::string_view raw, const Limits& limits, std::size_t depth) {
  Email email;
  GuardedMessage guarded = guard_message(raw, limits);
  if (guarded.elided_parts > 0 && guarded.structure_too_deep) return parse_unelided(raw, limits, depth);
  email.warnings = std::move(guarded.warnings);

  std::string top_ct;
  if (guarded.structure_too_deep) {
    top_ct = read_headers_body_as_text(email, guarded.text, limits);
  } else {
    const std::size_t guard_warnings = email.warnings.size();  // the walk only appends
    try {
      mimetic::MimeEntity entity;
      entity.load(guarded.text.begin(), guarded.text.end(), mimetic::imNone);
      const HeaderView h(entity.header());
      flag_duplicates(entity.header(), email.warnings);
      LegacyCharset legacy(entity, limits);
      fill_headers(email, h, legacy);
      fill_trace(email, h, limits);
      top_ct = h.get("content-type");
      Walker walker(limits, email, depth, legacy);
      walker.trust_elided(guarded.elided_parts > 0);
      walker.walk(entity, 0);
      if (walker.elided_seen() != guarded.elided_parts) return parse_unelided(raw, limits, depth);
    } catch (const std::exception& e) {
      if (guarded.elided_parts > 0) return parse_unelided(raw, limits, depth);
      // The seam: mimetic 0.9.8 throws on some malformed multiparts. A part
      // whose text starts with a bare CR and then the delimiter ("\r--b")
      // makes it trim a newline from a one-byte block and append -1 bytes
      // (std::length_error; found by parse_email_fuzz). The message keeps its
      // headers, and its body as text, flagged.
      email.warnings.resize(guard_warnings);
      Email headers_and_text;
      headers_and_text.warnings = std::move(email.warnings);
      email = std::move(headers_and_text);
      email.warnings.push_back(std::string("MIME structure unreadable (") + e.what() + "): body kept as text");
      top_ct = read_headers_body_as_text(email, guarded.text, limits);
    }
  }
  if (!email.from) email.warnings.push_back("no usable From address");
  scrub_nul(email);
  // Warnings quote what was wrong, and that may be any bytes.
  for (auto& w : email.warnings)
    if (!is_valid_utf8(w)) w = sanitize_utf8(w);
  email.request_text = extract_request_text(email.body_text);
  email.kind = classify_kind(email, top_ct);
  return email;
}

}  // namespace

}  // namespace intake::parsers
