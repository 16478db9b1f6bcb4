#include "parsers/common/email_json.hpp"
#include "parsers/common/time_text.hpp"

#include <ctime>

namespace intake::parsers {
namespace {

nlohmann::json address_json(const Address& a) { return {{"name", a.name}, {"address", a.address}}; }

nlohmann::json address_list(const std::vector<Address>& list) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& a : list) j.push_back(address_json(a));
  return j;
}

}  // namespace

nlohmann::json email_to_json(const Email& e) {
  nlohmann::json j;
  j["message_id"] = e.message_id;
  if (e.date) {
    j["date"] = iso_utc(*e.date);
  } else {
    j["date"] = nullptr;
  }
  j["from"] = e.from ? address_json(*e.from) : nlohmann::json(nullptr);
  j["reply_to"] = address_list(e.reply_to);
  j["to"] = address_list(e.to);
  j["cc"] = address_list(e.cc);
  j["subject"] = e.subject;
  j["in_reply_to"] = e.in_reply_to;
  j["references"] = e.references;
  j["body_text"] = e.body_text;
  j["request_text"] = e.request_text;
  j["html"] = e.has_html;
  nlohmann::json atts = nlohmann::json::array();
  for (const auto& a : e.attachments)
    atts.push_back({{"filename", a.filename},
                    {"content_type", a.content_type},
                    {"size", a.size},
                    {"inline", a.inline_part},
                    {"content_id", a.content_id}});
  j["attachments"] = atts;
  j["kind"] = parsers::to_string(e.kind);
  j["warnings"] = e.warnings;
  return j;
}

}  // namespace intake::parsers
