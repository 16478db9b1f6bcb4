// Builds the messages intake sends. Every value may come from a stranger's
// mail (a subject, a display name), so each header value is stripped of CR, LF
// and other controls and encoded per RFC 2047 before it is written.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "parsers/common/email.hpp"

namespace intake::daemon {

struct MessageSpec {
  parsers::Address from;
  std::vector<parsers::Address> to;
  std::string subject;     // UTF-8, untrusted
  std::string message_id;  // without angle brackets
  std::string in_reply_to;
  std::vector<std::string> references;
  std::chrono::system_clock::time_point date;
  std::string text;  // UTF-8 text part
  std::string html;  // UTF-8 HTML part; empty: text only
  std::vector<std::pair<std::string, std::string>> extra_headers;
};

// CRLF line ends, 7-bit clean, complete.
std::string build_message(const MessageSpec& spec);

// Removes CR, LF, NUL and other C0/DEL controls (tab becomes a space).
std::string strip_controls(std::string_view value);
// An RFC 2047 encoded-word form of a UTF-8 value when it is not plain ASCII.
std::string encode_header_text(std::string_view utf8);
// `"Name" <addr>` with the name encoded as needed.
// A header value folded before spaces so that its lines stay within 78
// characters where the words allow (a value with CRLFs is returned as it is).
std::string fold_header(std::string_view name, const std::string& value);
std::string format_address(const parsers::Address& address);
std::string rfc5322_date(std::chrono::system_clock::time_point t);

}  // namespace intake::daemon
