// Port: requests as intakectl reads them (list, show, render previews). An
// admin's change is an IngestPlan written through IntakeStore::write_plans.
#pragma once

#include <string>
#include <vector>

#include "daemon/core/request_values.hpp"
#include "parsers/common/result.hpp"

namespace intake::daemon {

struct EventRow {
  std::string type, at, by, detail;  // at: ISO 8601 UTC
  std::string text;  // the text of the message it records (a reply, a staff response), on its first event only
};

// A request for intakectl: times as ISO 8601 UTC, empty when unset.
struct RequestDetail {
  std::string reference, requester, requester_name, requester_department, subject, category, priority, status, owner;
  std::string requested_by, requested_by_phrase, due_first_response, due_resolution;
  std::string created_at, acknowledged_at, first_response_at, resolved_at;
  std::vector<std::string> missing;
  int thanks = 0, reopened = 0;
  std::vector<EventRow> events;  // only from find_request
  std::string text;             // only from find_request: what the request says (its new part, else its whole text)
  // Only from find_request: the attachments of the request's own message,
  // pasted pictures (inline) included.
  struct Attachment {
    std::string filename, content_type, content_id;
    std::int64_t size = 0;
    bool inline_part = false;
  };
  std::vector<Attachment> attachments;
};

// A message from a sender who may not make requests, kept as 'outside'.
struct OutsideRow {
  std::string received_at, mailbox, from, subject;  // received_at: ISO 8601 UTC
};

class RequestStore {
 public:
  virtual ~RequestStore() = default;
  // The request as the stages see it; a permanent error when unknown.
  virtual Result<RequestView> request_view(const std::string& reference) = 0;
  // Filters: empty matches all.
  virtual Result<std::vector<RequestDetail>> list_requests(const std::string& status, const std::string& category) = 0;
  // The mail kept as 'outside', newest first, at most `limit`.
  virtual Result<std::vector<OutsideRow>> list_outside(int limit) = 0;
  // With its events; a permanent error when there is no such request.
  virtual Result<RequestDetail> find_request(const std::string& reference) = 0;
};

}  // namespace intake::daemon
