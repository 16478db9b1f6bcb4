#include "daemon/classify/flood.hpp"

#include "parsers/common/strings.hpp"

namespace intake::daemon {

int FloodLimit::limit_for(const std::string& address) const {
  return directory.count(parsers::ascii_lower(parsers::address_without_plus(address))) > 0 ? employee_limit : limit;
}

FloodVerdict take_acknowledgment(std::map<std::string, int>& sent, const std::string& address, const FloodLimit& limit,
                                 bool urgent) {
  FloodVerdict v;
  if (limit.limit <= 0) return v;
  int& count = sent[parsers::ascii_lower(address)];
  v.sent = count;
  v.allowed = urgent || count < limit.limit_for(address);
  if (v.allowed) ++count;
  return v;
}

std::string flood_detail(int sent, const std::string& address, const FloodLimit& limit) {
  return "flood limit: " + std::to_string(sent) + " acknowledgments to " + address + " in the last " +
         std::to_string(limit.window_s / 60) + " min (" +
         (limit.limit_for(address) == limit.limit ? "daemon.auto_reply_limit" : "daemon.employee_auto_reply_limit") + ")";
}

}  // namespace intake::daemon
