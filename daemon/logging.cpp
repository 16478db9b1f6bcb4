#include "logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace intake::daemon {

namespace {
std::shared_ptr<spdlog::sinks::sink>& shared_sink() {
  static std::shared_ptr<spdlog::sinks::sink> sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  return sink;
}
}  // namespace

void setup_logging(const std::string& level) {
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%n] %v");
}

std::shared_ptr<spdlog::logger> stage_logger(const std::string& stage) {
  if (auto existing = spdlog::get(stage)) return existing;
  auto logger = std::make_shared<spdlog::logger>(stage, shared_sink());
  logger->set_level(spdlog::get_level());
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%n] %v");
  spdlog::register_logger(logger);
  return logger;
}

}  // namespace intake::daemon
