#include "daemon/adapters/files/secrets.hpp"

#include <fstream>

namespace intake::daemon {

Result<std::string> read_secret_file(const std::string& path) {
  if (path.empty()) return std::string();
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("cannot read secret file " + path, true);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  return line;
}

}  // namespace intake::daemon
