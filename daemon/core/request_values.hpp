// The values the stages pass along: a fetched message, what the classifier
// decided, a request as the stages see it, a rendered mail, what a reply
// changes, and what became of a stored message.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daemon/core/mail_sender.hpp"
#include "daemon/core/request_status.hpp"
#include "parsers/common/email.hpp"

namespace intake::daemon {

struct MailboxState {
  std::uint64_t uidvalidity = 0;
  std::uint64_t last_uid = 0;
};

struct InboundMessage {
  std::string mailbox;
  std::uint64_t uidvalidity = 0;
  std::uint64_t uid = 0;
  std::string raw;
  std::string content_sha256;  // hex
  parsers::Email email;
};

// What the classifier decided before the store looks for a thread.
struct Decision {
  bool make_request = true;  // false: observe only (Cc-only mail, bounces)
  bool acknowledge = true;   // false: record quietly (auto-replies, bulk, loops)
  bool own_mail = false;     // intake's own mail come back: observed, never joined to a thread
  bool outside = false;      // from a sender who may not make requests: kept as 'outside'
  bool answer_outside = false;  // outside, and requests.outside_notice answers it (its sender was authenticated)
  std::string category;
  std::string priority = "normal";
  std::string quiet_reason;     // why no acknowledgment, for the log
  std::string routing_reason;   // why this category ("subject tag it")
  std::string priority_reason;  // why this priority ("word \"urgent\"")
  std::optional<std::chrono::sys_seconds> requested_by;  // from the text, in the requester's zone
  std::string requested_by_phrase;
  std::vector<std::string> missing;  // facts the category needs that the text lacks
  std::string requester_department;
  std::string time_zone = "UTC";  // the requester's
  std::optional<std::chrono::sys_seconds> due_first_response, due_resolution;
  bool requested_earlier = false;  // the requested time is before what the service level promises
};

// A request as the stages see it when they decide what to do with it.
struct RequestView {
  std::int64_t id = 0;
  std::string reference;  // REQ-1042
  std::string category;
  std::string priority;
  RequestStatus status = RequestStatus::new_;
  std::string requester_address;
  std::string requester_name;
  std::string owner;
  std::string subject;
  std::string request_message_id;  // the Message-ID of the mail that made it (threading)
  std::string request_text;        // what the request says (its new part, else its whole text)
  std::string time_zone = "UTC";
  std::vector<std::string> missing;
  std::optional<std::chrono::sys_seconds> requested_by;
  std::optional<std::chrono::sys_seconds> due_first_response, due_resolution;
  bool requested_earlier = false;  // the requested time is sooner than the team could promise (as classified)
  bool rejected_command_told = false;  // the owner and admin were told of an unauthenticated staff mail
  std::int64_t version = 0;  // the row's version as read (a write decided from it checks it still holds)
};

// A mail rendered for the outbox: the envelope and bytes, its Message-ID and subject.
struct QueuedMail {
  OutgoingMail mail;
  std::string message_id;  // without angle brackets
  std::string subject;
};

// What a reply in a request's thread (or an admin's command) asks to change,
// decided by classify/reply_rules from the request's state; the store stage
// turns it into the request's changes (store/ingest_planner.hpp), where the
// status machine has the last word on a status move.
// The requester's rating of how the request was served, from a reply to the
// resolved notice.
struct Feedback {
  int score = 0;        // 1 to 5
  std::string comment;  // may be empty
};

struct ReplyPlan {
  struct Event {
    std::string type, detail;
  };
  std::string role = "reply";  // messages.role: reply, thanks, auto_reply, staff_command, staff_response, ...
  std::vector<Event> events;
  std::optional<RequestStatus> new_status;  // none: unchanged; taken only where request_status allows the move
  std::optional<std::vector<std::string>> missing;  // the facts still missing, when that changed
  std::string owner;     // empty: unchanged
  std::string priority;  // empty: unchanged
  bool first_response = false;  // a staff response: sets first_response_at once
  bool thanks = false;          // counts for the summaries
  bool reopened = false;
  // The request leaves waiting_on_requester without due times (it waited
  // from the start): its service-level clock starts with this reply. The
  // cycle fills due_first_response and due_resolution from its service levels.
  bool start_clock = false;
  std::optional<std::chrono::sys_seconds> due_first_response, due_resolution;
  std::optional<Feedback> feedback;  // a rating: recorded, answered with nothing
  std::vector<std::pair<std::string, QueuedMail>> mails;  // purpose, mail: queued with the message
};
enum class IngestOutcome { created, joined, observed, duplicate };
const char* to_string(IngestOutcome outcome);

struct IngestResult {
  IngestOutcome outcome = IngestOutcome::duplicate;
  std::string reference;  // of the request created or joined
  bool ack_queued = false;
  std::string reply_role;  // joined: how the reply was taken (reply, thanks, staff_command, ...)
  bool flood_limited = false;  // no acknowledgment: the recipient had too many already
};

}  // namespace intake::daemon
