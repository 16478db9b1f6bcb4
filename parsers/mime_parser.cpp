// The only file that includes mimetic: it gives the MIME tree and the transfer
// decodings; everything mimetic lacks (RFC 2047/2231, charsets, HTML, limits)
// comes from the other files in parsers/.
#include "mime_parser.hpp"

#include <mimetic/mimetic.h>

#include <algorithm>
#include <cctype>
#include <iterator>
#include <map>
#include <set>

#include "charset.hpp"
#include "flowed.hpp"
#include "header_values.hpp"
#include "html_text.hpp"
#include "mime_guard.hpp"
#include "request_text.hpp"

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

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// First occurrence of each field, by lower-case name, value unfolded but not decoded.
std::map<std::string, std::string> header_map(const mimetic::Header& header) {
  std::map<std::string, std::string> out;
  for (const auto& field : header) {
    std::string name = lower(std::string(field.name().begin(), field.name().end()));
    if (out.count(name) == 0) out.emplace(std::move(name), field.value());
  }
  return out;
}

// Fields RFC 5322 3.6 allows once; a second one (a spoofing trick for From) is
// ignored and flagged.
void flag_duplicates(const mimetic::Header& header, std::vector<std::string>& warnings) {
  static const std::set<std::string> once{"from",    "sender",     "reply-to",    "to",         "cc",
                                          "subject", "date",       "message-id",  "in-reply-to", "references",
                                          "content-type", "content-transfer-encoding"};
  std::set<std::string> seen, flagged;
  for (const auto& field : header) {
    std::string name = lower(std::string(field.name().begin(), field.name().end()));
    if (once.count(name) == 0) continue;
    if (!seen.insert(name).second && flagged.insert(name).second)
      warnings.push_back("duplicate " + name + " header: the first is used");
  }
}

std::string get(const std::map<std::string, std::string>& h, const std::string& name) {
  auto it = h.find(name);
  return it == h.end() ? std::string() : it->second;
}

// base64 whose last group of four is cut short: mimetic pads it silently.
bool base64_cut_short(const std::string& body) {
  std::size_t symbols = 0;
  for (char c : body)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=') ++symbols;
  return symbols % 4 != 0;
}

std::string decode_transfer(const std::string& body, const std::string& encoding) {
  std::string out;
  if (encoding == "base64") {
    out.reserve(body.size() * 3 / 4);
    mimetic::Base64::Decoder decoder;
    mimetic::decode(body.begin(), body.end(), decoder, std::back_inserter(out));
  } else if (encoding == "quoted-printable") {
    out.reserve(body.size());
    mimetic::QP::Decoder decoder;
    mimetic::decode(body.begin(), body.end(), decoder, std::back_inserter(out));
  } else {
    out = body;
  }
  return out;
}

std::string crlf_to_lf(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') continue;
    out += s[i];
  }
  return out;
}

class Walker {
 public:
  Walker(const Limits& limits, Email& email, std::size_t depth) : limits_(limits), email_(email), depth_(depth) {}

  void walk(mimetic::MimeEntity& entity, std::size_t depth) {
    if (++parts_ > limits_.max_parts) {
      if (!warned_parts_) email_.warnings.push_back("more than " + std::to_string(limits_.max_parts) + " parts: rest ignored");
      warned_parts_ = true;
      return;
    }
    const auto headers = header_map(entity.header());
    const std::string ct_raw = get(headers, "content-type");
    ContentType ct = ct_raw.empty() ? ContentType{} : parse_content_type(ct_raw, email_.warnings);
    if (ct.subtype.empty()) {  // RFC 2045 5.2: an invalid type means text/plain
      ct.type = "text";
      ct.subtype = "plain";
    }
    auto [disposition, disp_params] = parse_disposition(get(headers, "content-disposition"), email_.warnings);
    const std::string encoding = lower(trim(get(headers, "content-transfer-encoding")));

    if (ct.type == "multipart") {
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
        for (auto* child : children) walk(*child, depth + 1);
      }
      return;
    }

    std::string filename = disp_params.count("filename") ? disp_params["filename"] : ct.params["name"];
    const bool is_attachment = disposition == "attachment" || (!filename.empty() && disposition != "inline");

    const bool forwarded = (ct.type == "message" && ct.subtype == "rfc822") ||
                           ct.type + "/" + ct.subtype == opaque_rfc822_type;
    if (forwarded && depth + depth_ < limits_.max_multipart_nesting) {
      // mime_guard kept the forwarded message opaque; a message/rfc822 that
      // still reached mimetic (nested too deep for the guard to see) comes back
      // as a child entity and is re-serialized.
      std::string encoded = entity.body();
      if (encoded.empty() && !entity.body().parts().empty())
        entity.body().parts().front()->copy(std::back_inserter(encoded));
      std::string inner_raw = decode(encoded, encoding);
      Limits inner_limits = limits_;
      inner_limits.max_multipart_nesting = limits_.max_multipart_nesting - depth - depth_ - 1;
      Email inner = parse_email(inner_raw, inner_limits);
      for (auto& w : inner.warnings) email_.warnings.push_back("forwarded message: " + w);
      std::string block = "---------- Forwarded message ----------\n";
      if (inner.from) block += "From: " + (inner.from->name.empty() ? inner.from->address : inner.from->name + " <" + inner.from->address + ">") + "\n";
      if (!inner.raw_date.empty()) block += "Date: " + inner.raw_date + "\n";
      block += "Subject: " + inner.subject + "\n\n" + inner.body_text;
      append_text(std::move(block));
      email_.has_html = email_.has_html || inner.has_html;
      Attachment a;
      a.filename = filename.empty() ? (inner.subject.empty() ? "forwarded.eml" : inner.subject + ".eml") : filename;
      a.content_type = "message/rfc822";
      a.size = inner_raw.size();
      email_.attachments.push_back(std::move(a));
      for (auto& att : inner.attachments) email_.attachments.push_back(std::move(att));
      return;
    }

    if (ct.type == "text" && (ct.subtype == "plain" || ct.subtype == "html") && !is_attachment) {
      if (ct.subtype == "html") {
        email_.has_html = true;
        std::string html = to_utf8(decode(entity.body(), encoding), ct.params["charset"], email_.warnings);
        append_text(html_to_text(html));
      } else {
        add_text(entity.body(), encoding, ct);
      }
      return;
    }

    Attachment a;
    a.filename = filename;
    a.content_type = ct.type + "/" + ct.subtype;
    a.size = decode(entity.body(), encoding).size();
    std::string cid = trim(get(headers, "content-id"));
    if (cid.size() >= 2 && cid.front() == '<' && cid.back() == '>') cid = cid.substr(1, cid.size() - 2);
    a.content_id = cid;
    a.inline_part = disposition == "inline" || (disposition.empty() && !cid.empty());
    if (a.content_type == "application/ms-tnef" || lower(a.filename) == "winmail.dat")
      email_.warnings.push_back("winmail.dat (TNEF) attachment: its contents are not listed");
    email_.attachments.push_back(std::move(a));
  }

 private:
  std::string decode(const std::string& body, const std::string& encoding) {
    if (encoding == "base64" && !warned_base64_ && base64_cut_short(body)) {
      email_.warnings.push_back("base64 text cut short: its last bytes are missing");
      warned_base64_ = true;
    }
    return decode_transfer(body, encoding);
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
      if (!(*it)->body().parts().empty() || !trim((*it)->body()).empty()) chosen = *it;
    if (chosen == nullptr) chosen = children.back();
    walk(*chosen, depth + 1);
  }

  static ContentType child_content_type(mimetic::MimeEntity& entity) {
    std::vector<std::string> ignored;
    const std::string raw = get(header_map(entity.header()), "content-type");
    ContentType ct = raw.empty() ? ContentType{} : parse_content_type(raw, ignored);
    if (ct.subtype.empty()) {
      ct.type = "text";
      ct.subtype = "plain";
    }
    return ct;
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
    auto [disposition, params] = parse_disposition(get(header_map(entity.header()), "content-disposition"), ignored);
    if (disposition == "attachment") return false;
    return !trim(entity.body()).empty();
  }

  void add_text(const std::string& body, const std::string& encoding, ContentType& ct) {
    std::string text = to_utf8(decode(body, encoding), ct.params["charset"], email_.warnings);
    text = crlf_to_lf(text);
    if (lower(ct.params["format"]) == "flowed") text = decode_flowed(text, lower(ct.params["delsp"]) == "yes");
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
  std::size_t parts_ = 0;
  bool warned_parts_ = false;
  bool warned_base64_ = false;
  bool warned_nul_ = false;
};

std::optional<Address> first_address(const std::string& raw, std::vector<std::string>& warnings) {
  if (trim(raw).empty()) return std::nullopt;
  auto list = parse_address_list(raw, warnings);
  if (list.empty()) return std::nullopt;
  return list.front();
}

std::string first_id(const std::string& raw) {
  auto ids = parse_message_ids(raw);
  return ids.empty() ? std::string() : ids.front();
}

void fill_headers(Email& email, const std::map<std::string, std::string>& h) {
  auto& w = email.warnings;
  email.from = first_address(get(h, "from"), w);
  email.sender = first_address(get(h, "sender"), w);
  email.reply_to = parse_address_list(get(h, "reply-to"), w);
  email.to = parse_address_list(get(h, "to"), w);
  email.cc = parse_address_list(get(h, "cc"), w);
  if (h.count("return-path")) {
    std::string rp = trim(get(h, "return-path"));
    if (rp == "<>" || rp.empty()) {
      email.return_path = Address{};
    } else {
      email.return_path = first_address(rp, w);
    }
  }
  // The raw_ fields keep what was received, made valid UTF-8 only after it was decoded.
  const std::string subject_bytes = trim(get(h, "subject"));
  email.subject = decode_unstructured(subject_bytes, w);
  email.raw_subject = sanitize_utf8(subject_bytes);
  const std::string date_bytes = trim(get(h, "date"));
  email.raw_date = sanitize_utf8(date_bytes);
  if (!date_bytes.empty()) {
    email.date = parse_date(date_bytes);
    if (!email.date) w.push_back("malformed Date kept raw: " + email.raw_date.substr(0, 80));
  }
  email.message_id = first_id(get(h, "message-id"));
  email.in_reply_to = first_id(get(h, "in-reply-to"));
  email.references = parse_message_ids(get(h, "references"));
  email.list_id = sanitize_utf8(trim(get(h, "list-id")));
  email.list_unsubscribe = sanitize_utf8(trim(get(h, "list-unsubscribe")));
  email.auto_submitted = sanitize_utf8(lower(trim(get(h, "auto-submitted"))));
  email.precedence = sanitize_utf8(lower(trim(get(h, "precedence"))));
  email.x_auto_response_suppress = sanitize_utf8(trim(get(h, "x-auto-response-suppress")));
  email.x_priority = sanitize_utf8(trim(get(h, "x-priority")));
  email.importance = sanitize_utf8(lower(trim(get(h, "importance"))));
  email.loop_header = sanitize_utf8(trim(get(h, "x-intake-loop")));
  if (h.count("x-autoreply") || h.count("x-autorespond")) email.auto_submitted = email.auto_submitted.empty() ? "auto-replied" : email.auto_submitted;
}

Email parse_guarded(std::string_view raw, const Limits& limits, std::size_t depth);

// NUL may hide in any header value (RFC 2047 can even encode one); no string
// leaving the parser holds one, since PostgreSQL text cannot.
void scrub_nul(Email& email) {
  const auto scrub = [](std::string& s) {
    for (auto at = s.find('\0'); at != std::string::npos; at = s.find('\0', at + 3)) s.replace(at, 1, "\xEF\xBF\xBD");
  };
  const auto scrub_address = [&](Address& a) {
    scrub(a.name);
    scrub(a.address);
  };
  if (email.body_text.find('\0') != std::string::npos) {  // text kept raw when the structure was over limits
    email.warnings.push_back("NUL bytes in the text replaced with U+FFFD");
    scrub(email.body_text);
  }
  if (email.from) scrub_address(*email.from);
  if (email.sender) scrub_address(*email.sender);
  if (email.return_path) scrub_address(*email.return_path);
  for (auto* list : {&email.reply_to, &email.to, &email.cc})
    for (auto& a : *list) scrub_address(a);
  for (auto* s : {&email.subject, &email.raw_subject, &email.raw_date, &email.message_id, &email.in_reply_to,
                  &email.list_id, &email.list_unsubscribe, &email.auto_submitted, &email.precedence,
                  &email.x_auto_response_suppress, &email.x_priority, &email.importance, &email.loop_header})
    scrub(*s);
  for (auto& r : email.references) scrub(r);
  for (auto& a : email.attachments) {
    scrub(a.filename);
    scrub(a.content_type);
    scrub(a.content_id);
  }
  for (auto& w : email.warnings) scrub(w);
}

}  // namespace

MessageKind classify_kind(const Email& email, std::string_view top_content_type) {
  const std::string from = email.from ? lower(email.from->address) : std::string();
  const std::string local = from.substr(0, from.find('@'));
  const std::string ct = lower(top_content_type);
  if (ct.find("multipart/report") != std::string::npos || local == "mailer-daemon" || local == "postmaster")
    return MessageKind::bounce;
  if (!email.auto_submitted.empty() && email.auto_submitted != "no") return MessageKind::auto_reply;
  // A null return path alone means a bounce; auto-replies use it too (RFC 3834
  // 3.3), so Auto-Submitted is asked first.
  if (email.return_path && email.return_path->address.empty()) return MessageKind::bounce;
  const std::string subject = lower(email.subject);
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

Email parse_guarded(std::string_view raw, const Limits& limits, std::size_t depth) {
  Email email;
  GuardedMessage guarded = guard_message(raw, limits);
  email.warnings = std::move(guarded.warnings);

  mimetic::MimeEntity entity;
  std::string top_ct;
  if (guarded.structure_too_deep) {
    // Let mimetic see the header block only; the body is kept as plain text.
    std::size_t split = guarded.text.find("\r\n\r\n");
    std::string head = split == std::string::npos ? guarded.text : guarded.text.substr(0, split + 4);
    entity.load(head.begin(), head.end(), mimetic::imBody | mimetic::imChildParts);
    auto h = header_map(entity.header());
    fill_headers(email, h);
    top_ct = get(h, "content-type");
    if (split != std::string::npos) {
      std::string body = sanitize_utf8(crlf_to_lf(std::string_view(guarded.text).substr(split + 4)));
      if (body.size() > limits.max_text_bytes) body.resize(limits.max_text_bytes);
      email.body_text = sanitize_utf8(body);
    }
  } else {
    entity.load(guarded.text.begin(), guarded.text.end(), mimetic::imNone);
    auto h = header_map(entity.header());
    flag_duplicates(entity.header(), email.warnings);
    fill_headers(email, h);
    top_ct = get(h, "content-type");
    Walker walker(limits, email, depth);
    walker.walk(entity, 0);
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
