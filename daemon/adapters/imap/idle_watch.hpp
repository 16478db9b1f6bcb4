// IMAP IDLE (RFC 2177) on the shared mailboxes, so intaked hears of new mail
// while it pauses between cycles instead of at the next poll. One connection
// per [[mailbox]], opened by libcurl (ImapSession) and kept from pause to
// pause: it is armed (folder examined, IDLE running) before each cycle, so
// mail that lands during the cycle, after its STATUS, is announced at the
// next pause. Only what the server announces is trusted, and only to wake
// up: the cycle itself decides what is new. Any failure is logged once and
// that mailbox is polled as before (daemon.poll_interval_s).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parsers/config/config.hpp"
#include "daemon/adapters/imap/imap_session.hpp"
#include "daemon/core/wake_ups.hpp"

namespace intake::daemon {

struct IdleSettings {
  // RFC 2177: a client re-issues IDLE at least every 29 minutes, or the
  // server's inactivity timer (30 minutes at least) may log it out.
  std::chrono::seconds reissue_after{29 * 60};
  // How often signals and the watchdog are looked at while waiting.
  std::chrono::milliseconds step{100};
  // After a failure, polling only, for this long; then IDLE is tried again.
  std::chrono::seconds retry_after{300};
};

// What one server line means to a mailbox being watched.
enum class IdleEvent {
  nothing,   // keepalive ("* OK Still here"), FETCH, EXPUNGE, ...
  idling,    // "+ idling": the server accepted IDLE
  new_mail,  // EXISTS or RECENT above what was known
  ended,     // the tagged OK of IDLE (after DONE, or the server ended it)
  refused,   // a tagged NO or BAD: this server will not IDLE
  closed,    // "* BYE": the server is closing the connection
};

// The message counts the server announced, and what each new line says.
// Counts come from the EXAMINE answer and follow EXISTS and EXPUNGE, so a
// repeated or lower EXISTS (after an expunge) does not wake anyone.
class IdleTracker {
 public:
  void start(std::string idle_tag) { tag_ = std::move(idle_tag); }
  IdleEvent on_line(std::string_view line);
  std::uint64_t exists() const { return exists_; }

 private:
  std::string tag_;
  std::uint64_t exists_ = 0, recent_ = 0;
};

// "* CAPABILITY ... IDLE ..." among the untagged answers (any case).
bool has_capability(const std::vector<ImapUntagged>& untagged, std::string_view name);

// One shared mailbox's IDLE connection.
class MailboxWatcher {
 public:
  MailboxWatcher(parsers::MailboxConfig mailbox, long long poll_interval_s, const IdleSettings& settings,
                 std::function<void()> heartbeat);
  ~MailboxWatcher();
  MailboxWatcher(const MailboxWatcher&) = delete;
  MailboxWatcher& operator=(const MailboxWatcher&) = delete;

  // Connected, the folder examined and an IDLE running (re-issued when it is
  // older than reissue_after). false: not watching now (no IDLE on this
  // server, or a failure: logged once); the poll interval applies.
  bool arm();
  // Reads what has arrived within `wait`; true when new mail was announced.
  // A broken connection stops the watching until the retry.
  bool take_news(std::chrono::milliseconds wait);
  bool idling() const { return idling_; }
  int socket() const { return session_ ? session_->socket() : -1; }
  const std::string& name() const { return mailbox_.name; }

 private:
  bool start_idle();
  bool end_idle();
  void failed(const std::string& why);
  bool handle(IdleEvent e);

  parsers::MailboxConfig mailbox_;
  long long poll_interval_s_;
  IdleSettings settings_;
  std::function<void()> heartbeat_;
  std::unique_ptr<ImapSession> session_;
  IdleTracker tracker_;
  bool idling_ = false;
  bool unsupported_ = false;  // the server does not offer IDLE: never asked again
  bool failing_ = false;      // a failure was logged and no success since
  bool news_ = false;         // new mail announced while arming
  std::chrono::steady_clock::time_point idle_since_{}, retry_at_{};
};

// The watchers of every [[mailbox]].
class IdleWatch final : public MailWaiter {
 public:
  IdleWatch(const parsers::Config& config, IdleSettings settings, std::function<void()> heartbeat);
  // Before each cycle.
  void arm() override;
  // Until `until`, `interrupted()` or new mail on a watched mailbox (true),
  // pinging `heartbeat` every step. Without any watcher idling it just waits.
  bool wait(std::chrono::steady_clock::time_point until, const std::function<bool()>& interrupted) override;
  bool any_idling() const override;

 private:
  IdleSettings settings_;
  long long poll_interval_s_;
  std::function<void()> heartbeat_;
  std::vector<std::unique_ptr<MailboxWatcher>> watchers_;
};

}  // namespace intake::daemon
