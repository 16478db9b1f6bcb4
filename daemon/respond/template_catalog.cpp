#include "daemon/respond/template_catalog.hpp"

namespace intake::daemon {
namespace {

// What IntakeCycle::request_values gives every mail about a request.
std::set<std::string> request_variables(const std::set<std::string>& more) {
  std::set<std::string> v = {"reference", "subject", "requester_name", "requester_first_name", "requester_address",
                             "category", "team", "priority", "status", "owner", "desk_name", "desk_address", "missing", "missing_text", "has_missing",
                             "requested_by", "due_first_response", "due_resolution", "requested_earlier", "has_timeframe"};
  v.insert(more.begin(), more.end());
  return v;
}

}  // namespace

const std::map<std::string, std::set<std::string>>& template_variables() {
  static const std::map<std::string, std::set<std::string>> m = {
      {"acknowledgment", request_variables({})},
      {"acknowledgment_missing", request_variables({})},
      {"staff_response", request_variables({"response", "staff_name"})},
      // ratings[]: score, label
      {"resolved_notice", request_variables({"response", "staff_name", "ratings", "score", "label"})},
      // attachments[]: name, size
      {"team_notice", request_variables({"requester_department", "request_text", "attachments", "has_attachments",
                                         "name", "size"})},
      {"follow_up_notice", request_variables({"reply_text", "what", "reopened"})},
      {"assigned_notice", request_variables({"request_text", "assigned_by"})},
      {"command_rejected_notice", request_variables({"sender", "why"})},
      {"due_soon_alert", request_variables({"due_kind", "due"})},
      {"overdue_alert", request_variables({"due_kind", "due"})},
      {"oversized_notice", {"subject", "requester_name", "requester_first_name", "requester_address", "size", "limit",
                            "desk_name"}},
      {"outside_notice", {"subject", "requester_name", "requester_first_name", "requester_address", "company_domains",
                          "desk_name"}},
      {"fetch_alert", {"mailbox", "address", "host", "failures", "error", "desk_name"}},
      // Top-level names, and those used inside {{#teams}}, {{#days}}, ... sections.
      {"summary",
       {"period", "previous_period", "late", "running", "as_of", "overview", "overview_heading", "overview_has_ratings",
        "teams", "teams_in_scope", "quiet_teams", "has_quiet_teams", "total_received", "departments",
        "has_departments", "chords", "has_chords", "kudos", "has_kudos", "desk_name", "recipient",
        // overview[] (every team), teams[] (those with anything), and the text part's aligned `line`s
        "name", "received", "acknowledged", "resolved", "open", "waiting", "overdue_count", "received_change",
        "resolved_change", "open_change", "overdue_change", "on_time", "on_time_change", "quiet", "line", "time_lines",
        "ack_median", "ack_p90", "first_response_median", "first_response_p90", "resolution_median", "resolution_p90",
        "first_response_met", "resolution_met", "first_response_median_change", "resolution_median_change",
        "first_response_met_change", "resolution_met_change", "overdue", "due_soon", "has_overdue", "has_due_soon", "overdue_more", "due_soon_more",
        "days", "ratings", "has_ratings", "rating_average", "rating_good_pct", "rating_good", "rating_comments",
        "has_rating_comments",
        // rating_comments[]: score, comment, requester, reference
        "score", "comment",
        // overdue[], due_soon[], days[], departments[], chords[], kudos[]
        "reference", "requester", "due", "due_kind", "age", "day", "count", "width", "has_bar", "text_bar", "subject",
        "sender", "replies", "distinct_repliers"}},
  };
  return m;
}

std::vector<std::string> required_template_names() {
  std::vector<std::string> names;
  for (const auto& [name, vars] : template_variables()) names.push_back(name);
  return names;
}

}  // namespace intake::daemon
