#include "daemon/classify/flood.hpp"

#include "parsers/common/strings.hpp"

namespace intake::daemon {

FloodVerdict take_acknowledgment(std::map<std::string, int>& sent, const std::string& address, const FloodLimit& limit) {
  FloodVerdict v;
  if (limit.limit <= 0) return v;
  int& count = sent[parsers::ascii_lower(address)];
  v.sent = count;
  v.allowed = count < limit.limit;
  if (v.allowed) ++count;
  return v;
}

std::string flood_detail(int sent, const std::string& address, const FloodLimit& limit) {
  return "flood limit: " + std::to_string(sent) + " acknowledgments to " + address + " in the last " +
         std::to_string(limit.window_s / 60) + " min";
}

}  // namespace intake::daemon
