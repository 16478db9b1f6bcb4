// The flood decision (pure): at most `limit` acknowledgments to one address
// in `window_s`, so that two auto-responders cannot keep each other busy.
// The counts come from the store's snapshot; the acknowledgments a chunk
// takes are counted in as they are taken.
#pragma once

#include <map>
#include <set>
#include <string>

namespace intake::daemon {

// The caps on acknowledgments to one address in a window: a low one for
// addresses outside the directory (loops, machines, strangers), a higher one
// for colleagues in it, so an employee's busy afternoon is still answered.
struct FloodLimit {
  FloodLimit() = default;
  FloodLimit(int outside, int window, int employees = 50, std::set<std::string> in_directory = {})
      : limit(outside), window_s(window), employee_limit(employees), directory(std::move(in_directory)) {}
  int limit = 10;  // outside the directory; 0: no limit at all
  int window_s = 3 * 3600;
  int employee_limit = 50;
  std::set<std::string> directory;  // lower-case addresses of the employees
  int limit_for(const std::string& address) const;
};

struct FloodVerdict {
  bool allowed = true;
  int sent = 0;  // acknowledgments to the address in the window before this one
};

// `sent`: lower-case address → acknowledgments in the window; an allowed one
// is added to it. An urgent request is always acknowledged (and counted).
FloodVerdict take_acknowledgment(std::map<std::string, int>& sent, const std::string& address, const FloodLimit& limit,
                                 bool urgent = false);

// The history line of an acknowledgment held back.
std::string flood_detail(int sent, const std::string& address, const FloodLimit& limit);

}  // namespace intake::daemon
