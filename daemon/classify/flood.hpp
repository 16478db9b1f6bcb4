// The flood decision (pure): at most `limit` acknowledgments to one address
// in `window_s`, so that two auto-responders cannot keep each other busy.
// The counts come from the store's snapshot; the acknowledgments a chunk
// takes are counted in as they are taken.
#pragma once

#include <map>
#include <string>

namespace intake::daemon {

struct FloodLimit {
  int limit = 10;  // 0: no limit
  int window_s = 3 * 3600;
};

struct FloodVerdict {
  bool allowed = true;
  int sent = 0;  // acknowledgments to the address in the window before this one
};

// `sent`: lower-case address → acknowledgments in the window; an allowed one
// is added to it.
FloodVerdict take_acknowledgment(std::map<std::string, int>& sent, const std::string& address, const FloodLimit& limit);

// The history line of an acknowledgment held back.
std::string flood_detail(int sent, const std::string& address, const FloodLimit& limit);

}  // namespace intake::daemon
