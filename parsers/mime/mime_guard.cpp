#include "parsers/mime/mime_guard.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string>
#include <unordered_set>

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

}  // namespace

GuardedMessage guard_message(std::string_view raw, const Limits& limits) {
  GuardedMessage out;
  out.text.reserve(raw.size() + raw.size() / 32);
  const auto boundaries = declared_boundaries(raw);

  bool in_header = true;
  bool dropping_field = false;   // the current field is over its bound
  bool dropping_block = false;   // the current header block is over its bound
  std::size_t block_bytes = 0;
  std::size_t field_bytes = 0;
  std::size_t multiparts = 0;
  std::size_t boundary_lines = 0;
  bool warned_field = false, warned_block = false, warned_padding = false, warned_unclosed = false, warned_nul = false;
  // The multiparts open at this point, outermost first. An outer boundary line
  // closes every multipart inside it (RFC 2046 5.1.2); mimetic does not know
  // that, so the missing close-delimiters are written in for it.
  std::vector<std::string> open_boundaries;
  std::string block_content_type;  // this header block's first Content-Type, unfolded
  bool in_content_type = false, seen_content_type = false;
  std::size_t content_type_begin = std::string::npos, content_type_end = 0;  // its span in out.text

  std::size_t pos = 0;
  while (pos < raw.size()) {
    std::size_t eol = raw.find('\n', pos);
    std::string_view line = raw.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    pos = eol == std::string_view::npos ? raw.size() : eol + 1;
    bool had_cr = !line.empty() && line.back() == '\r';
    if (had_cr) line.remove_suffix(1);

    std::string_view trimmed = rtrim_ws(line);
    if (trimmed.size() != line.size() && boundary_line(trimmed, boundaries).kind != BoundaryLine::none) {
      if (!warned_padding) {
        out.warnings.push_back("boundary line with trailing whitespace accepted (RFC 2046 padding)");
        warned_padding = true;
      }
      line = trimmed;
    }
    if (auto match = boundary_line(line, boundaries); match.kind != BoundaryLine::none) {
      ++boundary_lines;
      auto open = std::find(open_boundaries.begin(), open_boundaries.end(), match.boundary);
      if (open != open_boundaries.end()) {
        // By position: the pops below end with this one, so no iterator outlives them.
        const auto depth = static_cast<std::size_t>(open - open_boundaries.begin()) + 1;
        while (open_boundaries.size() > depth) {
          if (!warned_unclosed) {
            out.warnings.push_back("multipart not closed before its outer boundary: closed there (RFC 2046)");
            warned_unclosed = true;
          }
          out.text.append("--").append(open_boundaries.back()).append("--\r\n");
          open_boundaries.pop_back();
        }
        if (match.kind == BoundaryLine::closing) open_boundaries.pop_back();
      }
      in_header = match.kind == BoundaryLine::opening;
      block_content_type.clear();
      in_content_type = seen_content_type = false;
      content_type_begin = std::string::npos;
      dropping_field = dropping_block = false;
      block_bytes = field_bytes = 0;
      out.text.append(line);
      out.text.append("\r\n");
      continue;
    }

    if (in_header && out.text.empty() && is_mbox_from_line(line)) {  // nothing written yet: the first line
      out.warnings.push_back("mbox 'From ' line before the headers dropped");
      continue;
    }
    const bool ends_headers_early =
        in_header && !line.empty() && line[0] != ' ' && line[0] != '\t' && line.find(':') == std::string_view::npos;
    if (ends_headers_early) {
      out.warnings.push_back("header line without ':' taken as the start of the body (no blank line before it)");
    }
    if (in_header && (line.empty() || ends_headers_early)) {
      in_header = false;
      if (auto boundary = multipart_boundary(block_content_type); !boundary.empty()) {
        open_boundaries.push_back(std::move(boundary));
      } else if (is_multipart(block_content_type) && content_type_begin != std::string::npos) {
        // Without a boundary mimetic splits on bare "--" lines; the body is text.
        out.warnings.push_back("multipart without a boundary parameter: body kept as text");
        out.text.replace(content_type_begin, content_type_end - content_type_begin, "Content-Type: text/plain\r\n");
      } else if (is_message_rfc822(block_content_type) && content_type_begin != std::string::npos) {
        // mimetic would parse the forwarded message into a child entity and
        // re-serialize it differently; kept opaque, its bytes stay as received.
        out.text.replace(content_type_begin, content_type_end - content_type_begin,
                         "Content-Type: " + std::string(opaque_rfc822_type) + "\r\n");
      }
      content_type_begin = std::string::npos;
      out.text.append("\r\n");
      if (line.empty()) continue;
    }
    if (in_header) {
      bool continuation = line[0] == ' ' || line[0] == '\t';
      if (!continuation) {
        field_bytes = 0;
        dropping_field = false;
        in_content_type = !seen_content_type && iequals_prefix(line, "content-type:");
        if (in_content_type) {
          seen_content_type = true;
          block_content_type = line.substr(13);
        }
      } else if (in_content_type && block_content_type.size() < 4096) {
        block_content_type.append(" ").append(line);
      }
      if (!continuation) {
        if (iequals_prefix(line, "content-type:") &&
            rtrim_ws(line.substr(13)).find_first_not_of(" \t") != std::string_view::npos) {
          std::string_view v = line.substr(13);
          v.remove_prefix(std::min(v.size(), v.find_first_not_of(" \t")));
          if (iequals_prefix(v, "multipart/") || iequals_prefix(v, "message/rfc822")) ++multiparts;
        }
      }
      if (dropping_block || dropping_field) continue;
      std::string_view kept = line;
      if (field_bytes + line.size() + 2 > limits.max_header_field_bytes) {
        if (!warned_field) {
          out.warnings.push_back("header field over " + std::to_string(limits.max_header_field_bytes) +
                                 " bytes: truncated");
          warned_field = true;
        }
        dropping_field = true;  // later continuation lines of this field go
        std::size_t room = limits.max_header_field_bytes > field_bytes + 2 ? limits.max_header_field_bytes - field_bytes - 2 : 0;
        if (continuation || room == 0) continue;
        kept = line.substr(0, room);
      }
      if (block_bytes + kept.size() + 2 > limits.max_header_block_bytes) {
        if (!warned_block) {
          out.warnings.push_back("header block over " + std::to_string(limits.max_header_block_bytes) +
                                 " bytes: later fields dropped");
          warned_block = true;
        }
        dropping_block = true;
        continue;
      }
      field_bytes += kept.size() + 2;
      block_bytes += kept.size() + 2;
      if (in_content_type && !continuation) content_type_begin = out.text.size();
      if (kept.find('\0') != std::string_view::npos) {
        // mimetic ends a header value at NUL; say where one was instead.
        if (!warned_nul) out.warnings.push_back("NUL bytes in a header replaced with U+FFFD");
        warned_nul = true;
        for (char c : kept) {
          if (c == '\0') out.text.append("\xEF\xBF\xBD");
          else out.text += c;
        }
        out.text.append("\r\n");
        if (in_content_type) content_type_end = out.text.size();
        continue;
      }
      out.text.append(kept);
      out.text.append("\r\n");
      if (in_content_type) content_type_end = out.text.size();
      continue;
    }
    out.text.append(line);
    if (eol != std::string_view::npos) out.text.append("\r\n");
  }

  if (in_header && !out.text.empty()) out.text.append("\r\n");  // headers only: the blank line mimetic waits for
  if (!open_boundaries.empty())
    out.warnings.push_back("multipart not closed (no --" + sanitize_utf8(open_boundaries.back().substr(0, 70)) +
                           "-- line): its last part runs to the end");
  if (multiparts > limits.max_multipart_nesting || boundary_lines > limits.max_parts) {
    out.structure_too_deep = true;
    out.warnings.push_back("MIME structure over limits (" + std::to_string(multiparts) + " multiparts, " +
                           std::to_string(boundary_lines) + " boundaries): body kept as text");
  }
  return out;
}

}  // namespace intake::parsers
