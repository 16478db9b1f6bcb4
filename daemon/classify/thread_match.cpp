#include "daemon/classify/thread_match.hpp"

#include <cctype>

namespace intake::daemon {

std::optional<std::int64_t> subject_reference(std::string_view subject) {
  constexpr std::string_view tag = "[REQ-";
  auto pos = subject.find(tag);
  while (pos != std::string_view::npos) {
    std::size_t i = pos + tag.size();
    std::int64_t n = 0;
    int digits = 0;
    while (i < subject.size() && std::isdigit(static_cast<unsigned char>(subject[i])) != 0 && digits < 15) {
      n = n * 10 + (subject[i] - '0');
      ++i;
      ++digits;
    }
    if (digits > 0 && i < subject.size() && subject[i] == ']') return n;
    pos = subject.find(tag, pos + 1);
  }
  return std::nullopt;
}

std::vector<std::string> named_message_ids(const parsers::Email& email) {
  std::vector<std::string> ids;
  if (!email.in_reply_to.empty()) ids.push_back(email.in_reply_to);
  for (auto it = email.references.rbegin(); it != email.references.rend(); ++it) ids.push_back(*it);
  if (email.kind == parsers::MessageKind::bounce)
    for (const auto& id : email.enclosed_message_ids) ids.push_back(id);
  return ids;
}

std::optional<std::int64_t> match_thread(const parsers::Email& email,
                                         const std::map<std::string, std::int64_t>& request_of_message,
                                         const std::map<std::int64_t, std::int64_t>& request_of_number) {
  for (const auto& id : named_message_ids(email))
    if (auto it = request_of_message.find(id); it != request_of_message.end()) return it->second;
  if (auto n = subject_reference(email.subject))
    if (auto it = request_of_number.find(*n); it != request_of_number.end()) return it->second;
  return std::nullopt;
}

}  // namespace intake::daemon
