#include "daemon/adapters/imap/idle_watch.hpp"

#include <poll.h>

#include <algorithm>
#include <cctype>
#include <thread>
#include <utility>

#include "daemon/adapters/imap/curl_imap_source.hpp"
#include "daemon/core/logging.hpp"
#include "daemon/adapters/files/secrets.hpp"
#include "daemon/adapters/files/token_source.hpp"

namespace intake::daemon {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

bool equals_ci(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(a[i])) != std::toupper(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

bool starts_with_ci(std::string_view s, std::string_view word) {
  return s.size() >= word.size() && equals_ci(s.substr(0, word.size()), word);
}

// The next space-separated word of `s` from `at`, moving `at` past it.
std::string_view next_word(std::string_view s, std::size_t& at) {
  while (at < s.size() && s[at] == ' ') ++at;
  const std::size_t start = at;
  while (at < s.size() && s[at] != ' ') ++at;
  return s.substr(start, at - start);
}

std::optional<std::uint64_t> number(std::string_view w) {
  if (w.empty() || w.size() > 19) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : w) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

std::string shown(std::string_view line) {
  std::string out(line.substr(0, 200));
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20) c = '?';
  return out;
}

}  // namespace

IdleEvent IdleTracker::on_line(std::string_view line) {
  if (!line.empty() && line.front() == '+') return IdleEvent::idling;
  if (!tag_.empty() && line.size() > tag_.size() && line.substr(0, tag_.size()) == tag_ && line[tag_.size()] == ' ') {
    std::size_t at = tag_.size();
    return equals_ci(next_word(line, at), "OK") ? IdleEvent::ended : IdleEvent::refused;
  }
  if (!starts_with_ci(line, "* ")) return IdleEvent::nothing;
  std::size_t at = 2;
  const std::string_view first = next_word(line, at);
  if (equals_ci(first, "BYE")) return IdleEvent::closed;
  const auto n = number(first);
  if (!n) return IdleEvent::nothing;
  const std::string_view what = next_word(line, at);
  if (equals_ci(what, "EXISTS")) {
    const bool more = *n > exists_;
    exists_ = *n;
    return more ? IdleEvent::new_mail : IdleEvent::nothing;
  }
  if (equals_ci(what, "RECENT")) {
    const bool more = *n > recent_;
    recent_ = *n;
    return more ? IdleEvent::new_mail : IdleEvent::nothing;
  }
  if (equals_ci(what, "EXPUNGE") && exists_ > 0) --exists_;
  return IdleEvent::nothing;
}

bool has_capability(const std::vector<ImapUntagged>& untagged, std::string_view name) {
  for (const auto& u : untagged) {
    std::string_view text = u.text;
    if (!starts_with_ci(text, "* CAPABILITY ")) continue;
    std::size_t at = 13;
    for (std::string_view w = next_word(text, at); !w.empty(); w = next_word(text, at))
      if (equals_ci(w, name)) return true;
  }
  return false;
}

MailboxWatcher::MailboxWatcher(parsers::MailboxConfig mailbox, long long poll_interval_s, const IdleSettings& settings,
                               std::function<void()> heartbeat)
    : mailbox_(std::move(mailbox)), poll_interval_s_(poll_interval_s), settings_(settings), heartbeat_(std::move(heartbeat)) {
  if (!heartbeat_) heartbeat_ = [] {};
}

MailboxWatcher::~MailboxWatcher() {
  // Politely, without waiting for answers: the server would notice anyway.
  if (session_ && session_->connected()) {
    if (idling_ && session_->send_line("DONE")) (void)session_->send_line("z LOGOUT");
  }
}

void MailboxWatcher::failed(const std::string& why) {
  idling_ = false;
  session_.reset();
  retry_at_ = steady::now() + settings_.retry_after;
  if (failing_) return;
  failing_ = true;
  stage_logger("idle")->warn("mailbox {}: IDLE failed: {}; polling every {} s, IDLE tried again in {} s", mailbox_.name,
                             why, poll_interval_s_, settings_.retry_after.count());
}

bool MailboxWatcher::handle(IdleEvent e) {
  // true: the line told of nothing that ends the IDLE.
  switch (e) {
    case IdleEvent::new_mail:
      news_ = true;
      return true;
    case IdleEvent::nothing:
    case IdleEvent::idling:
      return true;
    default:
      return false;
  }
}

bool MailboxWatcher::start_idle() {
  auto tag = session_->start_command("IDLE");
  if (!tag) {
    failed(tag.error().message);
    return false;
  }
  tracker_.start(tag.value());
  const auto deadline = steady::now() + std::chrono::seconds(mailbox_.timeout_s);
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
    auto line = session_->next_line(std::max(left, 0ms));
    if (!line) {
      failed(line.error().message);
      return false;
    }
    if (!line.value()) {
      failed("no answer to IDLE within " + std::to_string(mailbox_.timeout_s) + " s");
      return false;
    }
    const IdleEvent e = tracker_.on_line(*line.value());
    if (e == IdleEvent::idling) {
      idling_ = true;
      idle_since_ = steady::now();
      return true;
    }
    if (e == IdleEvent::refused) {
      // It advertised IDLE and then refused it: taken at its word the second time.
      unsupported_ = true;
      session_.reset();
      stage_logger("idle")->warn("mailbox {}: {} refused IDLE ({}); polling", mailbox_.name, server_name(mailbox_),
                                 shown(*line.value()));
      return false;
    }
    if (!handle(e)) {
      failed("the server answered IDLE with \"" + shown(*line.value()) + "\"");
      return false;
    }
  }
}

bool MailboxWatcher::end_idle() {
  idling_ = false;
  if (auto s = session_->send_line("DONE"); !s) {
    failed(s.error().message);
    return false;
  }
  const auto deadline = steady::now() + std::chrono::seconds(mailbox_.timeout_s);
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
    auto line = session_->next_line(std::max(left, 0ms));
    if (!line || !line.value()) {
      failed(line ? "no answer to DONE within " + std::to_string(mailbox_.timeout_s) + " s" : line.error().message);
      return false;
    }
    const IdleEvent e = tracker_.on_line(*line.value());
    if (e == IdleEvent::ended) return true;
    if (!handle(e)) {
      failed("the server answered DONE with \"" + shown(*line.value()) + "\"");
      return false;
    }
  }
}

bool MailboxWatcher::arm() {
  if (unsupported_) return false;
  const auto now = steady::now();
  if (idling_) {
    if (now - idle_since_ < settings_.reissue_after) return true;
    heartbeat_();
    return end_idle() && start_idle();
  }
  if (now < retry_at_) return false;
  auto log = stage_logger("idle");
  const std::string where = server_name(mailbox_);
  std::string password;
  if (mailbox_.auth == parsers::ImapAuth::password) {
    auto p = read_secret_file(mailbox_.password_file);
    if (!p) {
      failed(p.error().message);
      return false;
    }
    password = std::move(p.value());
  }
  session_ = std::make_unique<ImapSession>(mailbox_, std::move(password), make_token_source(mailbox_), 1 << 20);
  heartbeat_();
  auto caps = session_->command("CAPABILITY");
  if (!caps) {
    failed(caps.error().message);
    return false;
  }
  if (!has_capability(caps.value(), "IDLE")) {
    unsupported_ = true;
    session_.reset();
    log->info("mailbox {}: {} does not offer IDLE; polling every {} s", mailbox_.name, where, poll_interval_s_);
    return false;
  }
  heartbeat_();
  auto examined = session_->command("EXAMINE " + imap_quote(mailbox_.folder));
  if (!examined) {
    failed(examined.error().message);
    return false;
  }
  tracker_ = IdleTracker{};
  for (const auto& u : examined.value()) (void)tracker_.on_line(u.text);
  heartbeat_();
  if (!start_idle()) return false;
  log->info("mailbox {}: IDLE on {} {}{}", mailbox_.name, where, mailbox_.folder, failing_ ? " (working again)" : "");
  failing_ = false;
  return true;
}

bool MailboxWatcher::take_news(std::chrono::milliseconds wait) {
  if (!idling_ || !session_) return false;
  for (int lines = 0; lines < 10000; ++lines) {  // what one step reads, at most
    auto line = session_->next_line(lines == 0 ? wait : 0ms);
    if (!line) {
      failed(line.error().message);
      break;
    }
    if (!line.value()) break;
    const IdleEvent e = tracker_.on_line(*line.value());
    if (handle(e)) continue;
    if (e == IdleEvent::ended) {
      // The server ended the IDLE itself: again on the same connection, so
      // nothing that arrives meanwhile goes unannounced.
      idling_ = false;
      if (!start_idle()) break;
      continue;
    }
    failed("the server said \"" + shown(*line.value()) + "\"");
    break;
  }
  if (idling_ && steady::now() - idle_since_ >= settings_.reissue_after) (void)(end_idle() && start_idle());
  return std::exchange(news_, false);
}

IdleWatch::IdleWatch(const parsers::Config& config, IdleSettings settings, std::function<void()> heartbeat)
    : settings_(settings), poll_interval_s_(config.daemon.poll_interval_s), heartbeat_(std::move(heartbeat)) {
  if (!heartbeat_) heartbeat_ = [] {};
  for (const auto& m : config.mailboxes) watchers_.push_back(std::make_unique<MailboxWatcher>(m, poll_interval_s_, settings_, heartbeat_));
}

void IdleWatch::arm() {
  for (auto& w : watchers_) (void)w->arm();
}

bool IdleWatch::any_idling() const {
  return std::any_of(watchers_.begin(), watchers_.end(), [](const auto& w) { return w->idling(); });
}

bool IdleWatch::wait(std::chrono::steady_clock::time_point until, const std::function<bool()>& interrupted) {
  std::vector<pollfd> fds;
  while (steady::now() < until && !interrupted()) {
    heartbeat_();
    fds.clear();
    for (const auto& w : watchers_)
      if (w->idling() && w->socket() >= 0) fds.push_back({w->socket(), POLLIN, 0});
    const auto step = std::min<std::chrono::milliseconds>(
        settings_.step, std::chrono::duration_cast<std::chrono::milliseconds>(until - steady::now()) + 1ms);
    // A signal cuts the poll short (EINTR): the loop looks at the flags at once.
    if (fds.empty()) std::this_thread::sleep_for(step);
    else (void)::poll(fds.data(), fds.size(), static_cast<int>(step.count()));
    bool news = false;
    // Every watcher, readable or not: TLS may hold data the socket no longer shows.
    for (auto& w : watchers_)
      if (w->take_news(0ms)) {
        stage_logger("idle")->debug("mailbox {}: new mail announced; cycle now", w->name());
        news = true;
      }
    if (news) return true;
  }
  return false;
}

}  // namespace intake::daemon
