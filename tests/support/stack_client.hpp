// Test-side clients for the real local stack (scripts/stack): SMTP to submit
// mail, IMAP to read mailboxes, PostgreSQL to inspect records, and a runner
// for the real binaries. Integration tests only; no fakes here.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <thread>
#include <string>
#include <vector>

namespace intake::testing {

struct Stack {
  std::map<std::string, std::string> env;  // from DIR/stack.env
  std::string get(const std::string& key) const;
  std::string config() const { return get("INTAKE_CONFIG"); }
  std::string database_url() const { return get("DATABASE_URL"); }
};

// Reads $INTAKE_STACK_DIR/stack.env; fails the calling test when absent.
Stack load_stack();

// Empties every test user's folders and the database, then migrates.
void reset_stack(const Stack& stack);
// A plain-text request from user@example.test to requests@example.test.
std::string plain_request(const std::string& user, const std::string& name, const std::string& subject,
                          const std::string& message_id, const std::string& body);

// Sends raw (LF or CRLF) by SMTP to the stack's MTA.
void smtp_send(const Stack& stack, const std::string& from, const std::vector<std::string>& to, const std::string& raw);
// Through SUBMISSION_PORT, logged in as `user` (user@example.test) with
// MAIL_PASSWORD: the stack DKIM-signs it and delivers it through the MX.
void smtp_submit(const Stack& stack, const std::string& user, const std::vector<std::string>& to, const std::string& raw);
// Either: `login` empty sends to SMTP_PORT without authentication.
void smtp_send_as(const Stack& stack, const std::string& login, const std::string& from, const std::vector<std::string>& to,
                  const std::string& raw);

std::vector<std::uint64_t> imap_uids(const Stack& stack, const std::string& user, const std::string& folder);
std::string imap_fetch(const Stack& stack, const std::string& user, const std::string& folder, std::uint64_t uid);
// Polls until `user`'s folder holds at least `count` messages or timeout; returns the count seen.
std::size_t wait_for_messages(const Stack& stack, const std::string& user, const std::string& folder, std::size_t count,
                              int timeout_s);

// One value from a SQL query (first row, first column) as text.
std::string sql_value(const Stack& stack, const std::string& query);

struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};
RunResult run_command(const std::string& command);

// A raw IMAP command on `user`'s folder; returns the untagged response text.
std::string imap_command(const Stack& stack, const std::string& user, const std::string& folder, const std::string& command);
// Puts raw (LF or CRLF) straight into a folder with IMAP APPEND (no MTA, so
// no Message-ID is added to mail that has none).
void imap_append(const Stack& stack, const std::string& user, const std::string& folder, const std::string& raw);
// Runs SQL in its own committed transaction; the first value, as text.
std::string sql_exec(const Stack& stack, const std::string& query);
// Writes the stack's config with `daemon_lines` added to [daemon] and each
// `replace` pair applied, to STACK_DIR/<name>.toml; returns its path.
// `append` goes at the end (more tables: [requests], [[category]], ...).
std::string write_config(const Stack& stack, const std::string& name, const std::string& daemon_lines,
                         const std::vector<std::pair<std::string, std::string>>& replace = {},
                         const std::string& append = "");

// A whole file as bytes ("" when it cannot be read): logs, configs.
std::string read_file(const std::string& path);

// The value of a header in a raw message (first occurrence, unfolded).
std::string header_of(const std::string& raw, const std::string& name);
// A received mail's text as intake's parser reads it (transfer encodings
// undone): `intakectl parse --json`'s body_text, via STACK_DIR/received.eml.
std::string body_text_of(const Stack& stack, const std::string& raw);

// Writes messages straight into a user's Maildir (new/, unseen), as the MTA
// would: thousands in seconds, where one IMAP APPEND each takes minutes
// (Dovecot re-reads a growing Maildir at every APPEND). Dovecot indexes them at
// the next SELECT.
void maildir_deliver(const Stack& stack, const std::string& user, const std::vector<std::string>& raws);

// A child process run to its end: its output, wall time and peak resident set
// size (VmHWM of /proc/<pid>/status, read every 5 ms until it exits). Killed
// with SIGKILL after timeout_s (exit_code -1, timed_out).
struct MeasuredRun {
  int exit_code = -1;
  bool timed_out = false;
  std::string output;  // stdout and stderr
  long peak_rss_kb = 0;
  double seconds = 0;
};
MeasuredRun run_measured(const std::vector<std::string>& argv, int timeout_s);

// intaked (or another binary) in the background, its stdout and stderr
// appended to a log file; SIGKILLed when destroyed.
class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& argv, const std::string& log_path);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;
  bool running() const { return pid_ > 0; }
  int pid() const { return pid_; }
  void signal(int signal) const;  // without waiting (SIGSTOP, SIGCONT)
  // Sends `signal` (and SIGCONT, so a stopped process can act on it) and
  // reaps the process; its exit status (raw, as waitpid: 0 is exit 0).
  int stop(int signal);
  // From /proc/<pid>/status: the current and the peak resident set (kB), 0 when unreadable.
  long rss_kb() const;
  long peak_rss_kb() const;

 private:
  int pid_ = -1;
};

// intaked with `config` in the background, its output appended to `log`.
class DaemonProcess : public BackgroundProcess {
 public:
  DaemonProcess(const std::string& config, const std::string& log) : BackgroundProcess({INTAKED_PATH, "--config", config}, log) {}
};

// A TCP relay on loopback to a server of the stack, for network failures:
// it relays any number of connections at once, can cut each once the server
// has sent a number of bytes (the network failing mid-message), and can be
// severed: every connection closed and new ones refused until restored.
class TcpRelay {
 public:
  explicit TcpRelay(int target_port);
  ~TcpRelay();
  TcpRelay(const TcpRelay&) = delete;
  TcpRelay& operator=(const TcpRelay&) = delete;
  int port() const { return port_; }
  void cut_after(std::size_t server_bytes) { cut_after_ = server_bytes; }  // 0: relay everything
  bool was_cut() const { return cut_; }  // a connection was cut by cut_after
  void sever() { severed_ = true; }
  void restore() { severed_ = false; }

 private:
  void run();
  int target_port_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false}, cut_{false}, severed_{false};
  std::atomic<std::size_t> cut_after_{0};
  std::thread thread_;
};

// The acknowledgments of the requests matching `where` (SQL on requests r;
// empty: all), as delivered to `users`' inboxes: found by their
// X-Intake-Reference header, told apart by the Postfix queue id of the SMTP
// transaction that brought them. Waits up to timeout_s for them all.
struct AcknowledgmentTally {
  int requests = 0;
  int missing = 0;      // no acknowledgment delivered
  int sent_twice = 0;   // two SMTP transactions from intake
  int unexplained = 0;  // of those, not after an interrupted send (outbox.interrupted) or more than two
  int redelivered = 0;  // one transaction delivered twice by the MTA (not intake's doing)
  int interrupted_sends = 0;
};
AcknowledgmentTally tally_acknowledgments(const Stack& stack, const std::vector<std::string>& users,
                                          const std::string& where, int timeout_s);
// The tally printed, and as a test's expectation: exactly `count` requests,
// each acknowledged, none twice except after an interrupted send.
void expect_each_acknowledged_once(const Stack& stack, const std::vector<std::string>& users, const std::string& where,
                                   int count, int timeout_s);

}  // namespace intake::testing
