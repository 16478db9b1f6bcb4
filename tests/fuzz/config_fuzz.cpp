// libFuzzer harness over the config file (parsers/config/config.cpp): any bytes as
// intake.toml. Never a crash or a hang, and the loader's promises kept: every
// error is one line naming a line of the file, and a config it accepts is
// usable (it names at least one mailbox).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "parsers/config/config.hpp"

namespace {

void require(bool holds, const char* promise) {
  if (holds) return;
  std::fprintf(stderr, "broken promise: %s\n", promise);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace intake::parsers;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const ConfigLoad load = parse_config(text, "fuzz.toml");
  const long lines = 1 + std::count(text.begin(), text.end(), '\n');
  for (const auto& e : load.errors) {
    require(!e.key.empty() && !e.message.empty(), "an error names a key and says what is wrong");
    require(e.source_line >= 0 && e.source_line <= lines, "an error's line is a line of the file");
    const std::string line = e.line();
    // The syntax error names line and column in its message; every other its line up front.
    if (e.source_line > 0)
      require(line.rfind("line " + std::to_string(e.source_line) + ": ", 0) == 0, "line() starts with the line");
    else
      require(line.find("not valid TOML at line ") != std::string::npos, "a syntax error names its line");
  }
  if (load.ok()) {
    require(!load.config.mailboxes.empty(), "an accepted config has a mailbox");
    (void)service_level_for(load.config.service_levels, "general", "urgent");
  }
  return 0;
}
