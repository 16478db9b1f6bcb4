#include "daemon/core/logging.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/dist_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <string_view>
#include <vector>

namespace intake::daemon {

namespace {

constexpr const char* text_pattern = "%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%n] %v";

// Every stage logger writes here; setup_logging decides what is behind it, so
// loggers made before setup_logging still end up in the right place.
std::shared_ptr<spdlog::sinks::dist_sink_mt>& shared_sink() {
  static auto sink = std::make_shared<spdlog::sinks::dist_sink_mt>(
      std::vector<std::shared_ptr<spdlog::sinks::sink>>{std::make_shared<spdlog::sinks::stderr_color_sink_mt>()});
  return sink;
}

int syslog_priority(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug: return 7;  // LOG_DEBUG
    case spdlog::level::info: return 6;   // LOG_INFO
    case spdlog::level::warn: return 4;   // LOG_WARNING
    case spdlog::level::err: return 3;    // LOG_ERR
    case spdlog::level::critical: return 2;  // LOG_CRIT
    default: return 6;
  }
}

bool token_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '_' || c == '.';
}

// spdlog's own systemd_sink (1.10) sends MESSAGE, PRIORITY and
// SYSLOG_IDENTIFIER only; the request reference and Message-ID need fields of
// their own, hence this sink over sd_journal_sendv.
class JournalSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  JournalSink(std::string identifier, JournalWriter writer)
      : identifier_("SYSLOG_IDENTIFIER=" + std::move(identifier)), writer_(std::move(writer)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const std::string_view text(msg.payload.data(), msg.payload.size());
    const std::string_view stage(msg.logger_name.data(), msg.logger_name.size());
    const JournalFields f = journal_fields(stage, text);
    std::vector<std::string> fields;
    fields.reserve(6);
    fields.push_back("MESSAGE=" + std::string(text));
    fields.push_back("PRIORITY=" + std::to_string(syslog_priority(msg.level)));
    fields.push_back(identifier_);
    fields.push_back("INTAKE_STAGE=" + f.stage);
    if (!f.reference.empty()) fields.push_back("INTAKE_REFERENCE=" + f.reference);
    if (!f.message_id.empty()) fields.push_back("INTAKE_MESSAGE_ID=" + f.message_id);
    std::vector<iovec> iov;
    iov.reserve(fields.size());
    for (auto& field : fields) iov.push_back({field.data(), field.size()});
    if (writer_(iov.data(), static_cast<int>(iov.size())) < 0)  // then stderr, the last resort: its failure is not reported
      (void)std::fprintf(stderr, "%.*s [%.*s] %.*s\n", static_cast<int>(spdlog::level::to_string_view(msg.level).size()),
                   spdlog::level::to_string_view(msg.level).data(), static_cast<int>(stage.size()), stage.data(),
                   static_cast<int>(text.size()), text.data());
  }
  void flush_() override {}

 private:
  std::string identifier_;
  JournalWriter writer_;
};

}  // namespace

JournalFields journal_fields(std::string_view stage, std::string_view text) {
  JournalFields f;
  f.stage = std::string(stage);
  for (std::size_t at = text.find("REQ-"); at != std::string_view::npos; at = text.find("REQ-", at + 1)) {
    if (at > 0 && token_char(text[at - 1])) continue;
    std::size_t end = at + 4;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
    if (end == at + 4 || (end < text.size() && token_char(text[end]))) continue;
    f.reference = std::string(text.substr(at, end - at));
    break;
  }
  // A Message-ID is at most 998 characters (one header line) and has no space.
  for (std::size_t open = text.find('<'); open != std::string_view::npos; open = text.find('<', open + 1)) {
    const std::size_t close = text.find('>', open + 1);
    if (close == std::string_view::npos) break;
    const std::string_view inside = text.substr(open + 1, close - open - 1);
    if (inside.empty() || inside.size() > 998 || inside.find_first_of(" \t\r\n<") != std::string_view::npos) continue;
    f.message_id = std::string(inside);
    break;
  }
  return f;
}

// The journal's writer, set once by the main from the systemd adapter; none:
// the journal target falls back to stderr.
JournalWriter& registered_journal_writer() {
  static JournalWriter writer;
  return writer;
}

void set_journal_writer(JournalWriter writer) { registered_journal_writer() = std::move(writer); }

std::shared_ptr<spdlog::sinks::sink> make_journal_sink(std::string identifier, JournalWriter writer) {
  if (!writer) writer = registered_journal_writer();
  if (!writer) return nullptr;
  return std::make_shared<JournalSink>(std::move(identifier), std::move(writer));
}

LogTarget choose_log_target(const std::string& setting) {
  if (setting == "journal") return LogTarget::journal;
  if (setting == "stderr") return LogTarget::stderr_text;
  // systemd sets JOURNAL_STREAM=<device>:<inode> of the stream it gave us; a
  // child whose stderr was redirected inherits the variable but not the stream.
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return LogTarget::stderr_text;
  // "<device>:<inode>", both decimal; anything else is not systemd's.
  const std::string_view text(stream);
  unsigned long long device = 0, inode = 0;
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return LogTarget::stderr_text;
  const auto [d_end, d_err] = std::from_chars(text.data(), text.data() + colon, device);
  const auto [i_end, i_err] = std::from_chars(text.data() + colon + 1, text.data() + text.size(), inode);
  if (d_err != std::errc{} || d_end != text.data() + colon || i_err != std::errc{} || i_end != text.data() + text.size())
    return LogTarget::stderr_text;
  struct stat st {};
  if (fstat(STDERR_FILENO, &st) != 0) return LogTarget::stderr_text;
  return static_cast<unsigned long long>(st.st_dev) == device && static_cast<unsigned long long>(st.st_ino) == inode
             ? LogTarget::journal
             : LogTarget::stderr_text;
}

void setup_logging(const std::string& level, LogTarget target) {
  const auto lvl = spdlog::level::from_str(level);
  spdlog::set_level(lvl);
  std::shared_ptr<spdlog::sinks::sink> sink;
  if (target == LogTarget::journal) {
    const char* name = program_invocation_short_name;
    sink = make_journal_sink(name != nullptr ? name : "intake");
  }
  if (!sink) {
    sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    sink->set_pattern(text_pattern);
  }
  shared_sink()->set_sinks({sink});
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& logger) { logger->set_level(lvl); });
}

std::shared_ptr<spdlog::logger> stage_logger(const std::string& stage) {
  // Two threads may ask for a stage's logger first at once (the sending
  // lanes, a mailbox pass's fetcher): one makes it, the other finds it.
  static std::mutex making;
  const std::lock_guard<std::mutex> lock(making);
  if (auto existing = spdlog::get(stage)) return existing;
  auto logger = std::make_shared<spdlog::logger>(stage, shared_sink());
  logger->set_level(spdlog::get_level());
  logger->set_pattern(text_pattern);
  spdlog::register_logger(logger);
  return logger;
}

}  // namespace intake::daemon
