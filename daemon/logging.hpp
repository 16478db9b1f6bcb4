// Named spdlog loggers, one per stage (fetch, store, respond, main). Lines
// carry the request reference and Message-ID; never bodies, never secrets.
#pragma once

#include <memory>
#include <spdlog/spdlog.h>
#include <string>

namespace intake::daemon {

void setup_logging(const std::string& level);
std::shared_ptr<spdlog::logger> stage_logger(const std::string& stage);

}  // namespace intake::daemon
