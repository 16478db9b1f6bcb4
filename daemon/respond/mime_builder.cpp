#include "daemon/respond/mime_builder.hpp"

#include <ctime>
#include <functional>

namespace intake::daemon {
namespace {

constexpr std::size_t max_line_chars = 76;  // RFC 2045 base64 line length
// A value written as it is on one header line: with the field name well
// within RFC 5322's 998 octets.
constexpr std::size_t max_plain_header_bytes = 900;

// Base64 by hand: mimetic lives only in parsers/, and this is twenty lines.
std::string base64_lines(std::string_view in) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve(in.size() * 4 / 3 + in.size() / 38 + 8);
  std::size_t line = 0;
  for (std::size_t i = 0; i < in.size(); i += 3) {
    unsigned v = static_cast<unsigned>(static_cast<unsigned char>(in[i])) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned>(static_cast<unsigned char>(in[i + 1])) << 8;
    if (i + 2 < in.size()) v |= static_cast<unsigned char>(in[i + 2]);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? alphabet[(v >> 6) & 63] : '=';
    out += i + 2 < in.size() ? alphabet[v & 63] : '=';
    line += 4;
    if (line >= max_line_chars) {
      out += "\r\n";
      line = 0;
    }
  }
  if (line > 0) out += "\r\n";
  return out;
}

std::string base64_plain(std::string_view in) {
  std::string s = base64_lines(in);
  std::string out;
  for (char c : s)
    if (c != '\r' && c != '\n') out += c;
  return out;
}

bool is_plain_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

// Empty for an ID too long for a header line of its own: it cannot thread
// anything, and the line would break RFC 5322's limit.
std::string clean_id(std::string_view id) {
  std::string out;
  for (char c : strip_controls(id))
    if (c != '<' && c != '>' && c != ' ') out += c;
  if (out.size() > max_plain_header_bytes) out.clear();
  return out;
}

}  // namespace

std::string strip_controls(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\t') out += ' ';
    else if (c < 0x20 || c == 0x7f) continue;
    else out += static_cast<char>(c);
  }
  return out;
}

std::string encode_header_text(std::string_view utf8) {
  std::string clean = strip_controls(utf8);
  // Plain ASCII as it is, unless it would not fit on one line (RFC 5322: 998
  // octets with the field name); encoded words are folded.
  if (is_plain_ascii(clean) && clean.find("=?") == std::string::npos && clean.size() <= max_plain_header_bytes)
    return clean;
  // Encoded words of at most 75 characters, split on UTF-8 character boundaries.
  std::string out;
  std::size_t i = 0;
  while (i < clean.size()) {
    std::size_t take = 0;
    while (i + take < clean.size() && take < 45) {
      std::size_t len = 1;
      unsigned char c = static_cast<unsigned char>(clean[i + take]);
      if (c >= 0xF0) len = 4;
      else if (c >= 0xE0) len = 3;
      else if (c >= 0xC0) len = 2;
      if (take + len > 45 && take > 0) break;
      take += len;
    }
    take = std::min(take, clean.size() - i);
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64_plain(std::string_view(clean).substr(i, take)) + "?=";
    i += take;
  }
  return out;
}

std::string fold_header(std::string_view name, const std::string& value) {
  // Encoded words are folded already; a plain value is folded before a space
  // so that no line passes 78 characters where a space allows it (RFC 5322
  // 2.2.3: unfolding removes the CRLF and keeps the space).
  if (value.find("\r\n") != std::string::npos || name.size() + 2 + value.size() <= 78) return value;
  std::string out;
  out.reserve(value.size() + value.size() / 32);
  std::size_t line = name.size() + 2;  // "Subject: "
  std::size_t i = 0;
  while (i < value.size()) {
    std::size_t next = value.find(' ', i + 1);
    if (next == std::string::npos) next = value.size();
    const std::size_t word = next - i;  // with its leading space, but for the first
    if (line + word > 78 && line > name.size() + 2 && value[i] == ' ') {
      out += "\r\n";
      line = 0;
    }
    out.append(value, i, word);
    line += word;
    i = next;
  }
  return out;
}

std::string format_address(const parsers::Address& address) {
  std::string addr = clean_id(address.address);
  std::string name = strip_controls(address.name);
  if (name.empty()) return "<" + addr + ">";
  if (is_plain_ascii(name) && name.size() <= max_plain_header_bytes) {
    std::string quoted = "\"";
    for (char c : name) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    return quoted + "\" <" + addr + ">";
  }
  return encode_header_text(name) + " <" + addr + ">";
}

std::string rfc5322_date(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  const std::size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return std::string(buf, n);
}

std::string build_message(const MessageSpec& spec) {
  std::string h;
  auto header = [&h](std::string_view name, const std::string& value) {
    h += std::string(name) + ": " + value + "\r\n";
  };
  header("From", format_address(spec.from));
  std::string to;
  for (const auto& a : spec.to) to += (to.empty() ? "" : ",\r\n ") + format_address(a);
  header("To", to);
  header("Subject", fold_header("Subject", encode_header_text(spec.subject)));
  header("Date", rfc5322_date(spec.date));
  header("Message-ID", "<" + clean_id(spec.message_id) + ">");
  if (const std::string id = clean_id(spec.in_reply_to); !id.empty()) header("In-Reply-To", "<" + id + ">");
  if (!spec.references.empty()) {
    std::string refs;
    for (const auto& r : spec.references) {
      std::string id = clean_id(r);
      if (!id.empty()) refs += (refs.empty() ? "" : "\r\n ") + ("<" + id + ">");
    }
    if (!refs.empty()) header("References", refs);
  }
  for (const auto& [name, value] : spec.extra_headers) header(strip_controls(name), strip_controls(value));
  header("MIME-Version", "1.0");

  auto text_part = [](std::string_view subtype, std::string_view body) {
    return "Content-Type: text/" + std::string(subtype) + "; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
           base64_lines(body);
  };
  if (spec.html.empty()) return h + text_part("plain", spec.text);
  const std::string boundary = "=_intake_" + std::to_string(std::hash<std::string>{}(spec.message_id));
  return h + "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n" + "--" + boundary + "\r\n" +
         text_part("plain", spec.text) + "--" + boundary + "\r\n" + text_part("html", spec.html) + "--" + boundary +
         "--\r\n";
}

}  // namespace intake::daemon
