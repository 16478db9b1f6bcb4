// The normalized message every later stage works on, produced by parse_email.
// Everything in it is decoded UTF-8; nothing in it is trusted beyond that:
// values come from whoever sent the mail and are sanitized where they are used.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace intake::parsers {

struct Address {
  std::string name;     // display name, decoded; empty when absent
  std::string address;  // local@domain as written (no angle brackets)
  bool operator==(const Address&) const = default;
};

// Every part that is not the message's text: files, and the pictures shown
// in it (a screenshot pasted into Outlook, Apple Mail or Gmail).
struct Attachment {
  std::string filename;      // as sent (RFC 2231/2047 decoded), else made from the type: "image.png"
  std::string content_type;  // lower case, e.g. "application/pdf"
  std::size_t size = 0;      // decoded bytes; 7bit, 8bit and QP line ends as CRLF
  std::string content_id;    // without angle brackets; empty when absent
  // Shown in the text: Content-Disposition inline, or no disposition and
  // a Content-ID or a multipart/related parent.
  bool inline_part = false;
};

// What kind of sender is behind a message; decides whether intake may answer.
enum class MessageKind { human, auto_reply, bulk, bounce };

const char* to_string(MessageKind kind);

// One Authentication-Results header (RFC 8601) read into its results
// (parsers/mime/auth_results.hpp reads them).
struct AuthMethodResult {
  std::string method;  // "dkim", "spf", "dmarc", "arc", "x-...": lower case, never empty; its /version dropped
  std::string result;  // "pass", "fail", "none", "softfail", ...: lower case, never empty
  // "header.d" -> "example.test", "smtp.mailfrom" -> "user@example.test": keys
  // lower case, values unquoted and as written. Keys without a ptype
  // ("action", "score", "x-bits"), which Exchange Online and Fastmail write,
  // are kept too. When a key repeats, the first value stands.
  std::map<std::string, std::string> properties;
  std::string reason;  // the reason= value, unquoted; empty when absent
};

struct AuthResults {
  // Lower case, without the optional version. Empty when the value opens with
  // a result, as Exchange Online writes it: such a header names no server, so
  // it cannot be matched to a trusted one (only its position can vouch for it).
  std::string authserv_id;
  std::vector<AuthMethodResult> results;  // empty for "authserv-id; none"
  // Results that did not parse (a missing '=', an unterminated comment or
  // quoted string, a stray word) and were skipped: reading resumes after the
  // next ';' outside comments and quoted strings.
  std::size_t malformed_results = 0;
};

// A trace field of the header, in header order: a Received (where it was
// added) or an Authentication-Results. Which results to believe depends on
// which server is trusted, so the daemon decides (classify/trust.hpp).
struct TraceField {
  std::string received_by;          // a Received field's "by" host, lower case; empty for the other kind
  std::optional<AuthResults> auth;  // an Authentication-Results that parsed; nullopt for a Received
};

struct Email {
  std::optional<Address> from;
  std::optional<Address> sender;
  std::vector<Address> reply_to;
  std::vector<Address> to;
  std::vector<Address> cc;
  std::optional<Address> return_path;  // empty address means the null path <>
  std::string subject;                 // decoded
  std::string raw_subject;             // as received (unfolded)
  std::optional<std::chrono::sys_seconds> date;  // UTC
  std::string raw_date;
  std::string message_id;  // without angle brackets; empty when absent
  std::string in_reply_to;
  std::vector<std::string> references;
  std::string list_id;
  std::string list_unsubscribe;
  std::string auto_submitted;
  std::string precedence;
  std::string x_auto_response_suppress;
  std::string x_priority;
  std::string importance;
  std::string loop_header;  // intake's own X-Intake-Loop, when present

  std::string body_text;     // the full text, UTF-8
  std::string request_text;  // the new part, without quotes and signature
  bool has_html = false;
  std::vector<Attachment> attachments;
  MessageKind kind = MessageKind::human;
  // The Message-IDs of messages carried inside this one: a forwarded
  // message/rfc822, or the original a bounce returns (message/rfc822 or
  // text/rfc822-headers). How a bounce finds the mail that bounced.
  std::vector<std::string> enclosed_message_ids;
  std::vector<std::string> warnings;  // what was malformed and how it was handled
  std::vector<TraceField> trace;      // top down, at most Limits::max_trace_fields
};

// Calls f(string) on every string an Email holds: the header values, the
// addresses, the text, the attachments' names and ids, the message ids and the
// warnings. Each must be UTF-8 without NUL (PostgreSQL text, JSON); one list,
// so that the parser's scrubbing and the fuzz harness's check see the same.
template <typename EmailRef, typename F>
void for_each_string(EmailRef& e, F&& f) {
  for (auto* s : {&e.subject, &e.raw_subject, &e.raw_date, &e.message_id, &e.in_reply_to, &e.list_id,
                  &e.list_unsubscribe, &e.auto_submitted, &e.precedence, &e.x_auto_response_suppress, &e.x_priority,
                  &e.importance, &e.loop_header, &e.body_text, &e.request_text})
    f(*s);
  for (auto* one : {&e.from, &e.sender, &e.return_path})
    if (*one) {
      f((*one)->name);
      f((*one)->address);
    }
  for (auto* list : {&e.reply_to, &e.to, &e.cc})
    for (auto& a : *list) {
      f(a.name);
      f(a.address);
    }
  for (auto& a : e.attachments) {
    f(a.filename);
    f(a.content_type);
    f(a.content_id);
  }
  for (auto* list : {&e.references, &e.enclosed_message_ids, &e.warnings})
    for (auto& s : *list) f(s);
  for (auto& t : e.trace) {
    f(t.received_by);
    if (!t.auth) continue;
    f(t.auth->authserv_id);
    for (auto& r : t.auth->results) {
      f(r.method);
      f(r.result);
      f(r.reason);
      for (auto& [key, value] : r.properties) f(value);
    }
  }
}

}  // namespace intake::parsers
