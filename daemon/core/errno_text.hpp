// errno as text for error messages, safe on any thread: strerror may share
// one buffer between threads, and the metrics server runs on its own.
#pragma once

#include <cerrno>
#include <string>
#include <system_error>

namespace intake::daemon {

inline std::string errno_text(int error = errno) { return std::error_code(error, std::generic_category()).message(); }

}  // namespace intake::daemon
