// Secrets (passwords) come from files, e.g. systemd credentials; never from the
// config text and never into a log line.
#pragma once

#include <string>

#include "parsers/common/result.hpp"

namespace intake::daemon {

// The file's first line, without its line end. Empty path: empty secret.
Result<std::string> read_secret_file(const std::string& path);

}  // namespace intake::daemon
