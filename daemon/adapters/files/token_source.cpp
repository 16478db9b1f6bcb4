#include "daemon/adapters/files/token_source.hpp"
#include "parsers/common/strings.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <fstream>

#include "daemon/core/errno_text.hpp"

namespace intake::daemon {
namespace {

constexpr std::size_t max_stderr_bytes = 4096;  // only its first line is shown
constexpr std::size_t max_shown_stderr_chars = 200;


// RFC 6750 b64token: one word of printable ASCII. Anything else would be sent
// to the server as garbage (or split the SASL message), so it is refused here.
bool looks_like_bearer_token(const std::string& t) {
  return !t.empty() && std::all_of(t.begin(), t.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

std::string first_line(const std::string& text) {
  std::string line = parsers::trimmed(text.substr(0, text.find('\n')));
  for (char& c : line)
    if (static_cast<unsigned char>(c) < ' ' || c == 0x7f) c = '?';
  if (line.size() > max_shown_stderr_chars) line.replace(max_shown_stderr_chars, std::string::npos, "...");
  return line;
}

std::string duration_text(int ms) { return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms"; }

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// Kills the command's whole process group (the shell and anything it started)
// and reaps the shell.
void kill_and_reap(pid_t pid) {
  if (::kill(-pid, SIGKILL) != 0) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

const std::string what = "token_command";  // the config key every error names

std::string timed_out(int timeout_ms) { return what + " did not finish within " + duration_text(timeout_ms) + " (killed)"; }

// Forks `/bin/sh -c command` with stdin from /dev/null and stdout and stderr
// into the pipes; the child's pid, or -1 (errno set) when fork fails.
pid_t start_shell(const std::string& command, const Fd& dev_null, const Fd& out_write, const Fd& err_write) {
  const char* text = command.c_str();
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  // Child: only async-signal-safe calls until exec. Its own process group,
  // so a timeout kills whatever the shell started too.
  ::setpgid(0, 0);
  ::dup2(dev_null.get(), STDIN_FILENO);
  ::dup2(out_write.get(), STDOUT_FILENO);
  ::dup2(err_write.get(), STDERR_FILENO);
  ::execl("/bin/sh", "sh", "-c", text, static_cast<char*>(nullptr));
  ::_exit(127);
}

// What the command printed: stdout (index 0) and the start of stderr (1).
struct Output {
  std::string out, err;
  std::array<bool, 2> open{true, true};  // the pipe has not ended yet
};

// Reads what poll found ready. False when stdout went past max_output_bytes.
bool read_ready(const std::array<pollfd, 2>& fds, Output& o, std::size_t max_output_bytes) {
  std::array<char, 4096> buf{};
  for (std::size_t i = 0; i < fds.size(); ++i) {
    if (fds[i].fd < 0 || fds[i].revents == 0) continue;
    ssize_t n = ::read(fds[i].fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      o.open[i] = false;
      continue;
    }
    std::string& sink = i == 0 ? o.out : o.err;
    if (i == 1 && sink.size() >= max_stderr_bytes) continue;  // keep draining, stop keeping
    sink.append(buf.data(), static_cast<std::size_t>(n));
    if (i == 0 && o.out.size() > max_output_bytes) return false;
  }
  return true;
}

// Reads both pipes until they end; past the deadline, when poll fails or
// when stdout is too long, the command is killed instead.
Result<Output> read_output(pid_t pid, const Fd& out_read, const Fd& err_read, std::chrono::steady_clock::time_point deadline,
                           const TokenCommandLimits& limits) {
  Output o;
  while (o.open[0] || o.open[1]) {
    const auto left_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left_ms <= 0) {
      kill_and_reap(pid);
      return fail(timed_out(limits.timeout_ms));
    }
    std::array<pollfd, 2> fds{};
    fds[0] = {o.open[0] ? out_read.get() : -1, POLLIN, 0};
    fds[1] = {o.open[1] ? err_read.get() : -1, POLLIN, 0};
    int ready = ::poll(fds.data(), fds.size(), static_cast<int>(std::min<long long>(left_ms, 1000)));
    if (ready < 0 && errno != EINTR) {
      kill_and_reap(pid);
      return fail(what + ": poll failed: " + errno_text());
    }
    if (ready > 0 && !read_ready(fds, o, limits.max_output_bytes)) {
      kill_and_reap(pid);
      return fail(what + " printed more than " + std::to_string(limits.max_output_bytes) + " bytes");
    }
  }
  return o;
}

// Both pipes closed: the shell is exiting (or detached them); its wait
// status, waited for within what is left of the timeout.
Result<int> wait_for_exit(pid_t pid, std::chrono::steady_clock::time_point deadline, int timeout_ms) {
  int status = 0;
  while (true) {
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return fail(what + ": waitpid failed: " + errno_text());
    if (std::chrono::steady_clock::now() >= deadline) {
      kill_and_reap(pid);
      return fail(timed_out(timeout_ms));
    }
    ::usleep(10 * 1000);
  }
}

// The token from a command that ended with `status`, or why there is none.
Result<std::string> token_printed(int status, const Output& o) {
  const std::string said = o.err.empty() ? std::string() : ": " + first_line(o.err);
  if (WIFSIGNALED(status)) return fail(what + " was killed by signal " + std::to_string(WTERMSIG(status)) + said);
  if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
    return fail(what + " failed with exit status " + std::to_string(WEXITSTATUS(status)) + said);
  std::string t = parsers::trimmed(o.out);
  if (t.empty()) return fail(what + " printed no token" + said);
  if (!looks_like_bearer_token(t)) return fail(what + " printed something that is not a bearer token (one word)");
  return t;
}

}  // namespace

Result<std::string> FileTokenSource::token() {
  std::ifstream in(path_, std::ios::binary);
  if (!in) return fail("cannot read token file " + path_);
  std::string line;
  std::getline(in, line);
  std::string t = parsers::trimmed(line);
  if (t.empty()) return fail("token file " + path_ + " is empty");
  if (!looks_like_bearer_token(t)) return fail("token file " + path_ + " does not hold a bearer token (one word)");
  return t;
}

Result<std::string> CommandTokenSource::token() {
  int out_fds[2];
  int err_fds[2];
  if (::pipe2(out_fds, O_CLOEXEC) != 0) return fail(what + ": cannot create a pipe: " + errno_text());
  Fd out_read(out_fds[0]), out_write(out_fds[1]);
  if (::pipe2(err_fds, O_CLOEXEC) != 0) return fail(what + ": cannot create a pipe: " + errno_text());
  Fd err_read(err_fds[0]), err_write(err_fds[1]);
  Fd dev_null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (dev_null.get() < 0) return fail(what + ": cannot open /dev/null: " + errno_text());

  const pid_t pid = start_shell(command_, dev_null, out_write, err_write);
  if (pid < 0) return fail(what + ": cannot start /bin/sh: " + errno_text());
  ::setpgid(pid, pid);  // also from here: no race with a kill before the child ran
  out_write.reset();
  err_write.reset();

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(limits_.timeout_ms);
  auto output = read_output(pid, out_read, err_read, deadline, limits_);
  if (!output) return output.error();
  auto status = wait_for_exit(pid, deadline, limits_.timeout_ms);
  if (!status) return status.error();
  return token_printed(*status, *output);
}

namespace {

template <typename Config>
std::unique_ptr<TokenSource> token_source_of(const Config& c) {
  if (c.auth != parsers::ImapAuth::xoauth2) return nullptr;
  if (!c.token_command.empty()) {
    TokenCommandLimits limits;
    limits.timeout_ms = c.token_command_timeout_s * 1000;
    return std::make_unique<CommandTokenSource>(c.token_command, limits);
  }
  return std::make_unique<FileTokenSource>(c.token_file);
}

}  // namespace

std::unique_ptr<TokenSource> make_token_source(const parsers::ImapServerConfig& mailbox) { return token_source_of(mailbox); }

std::unique_ptr<TokenSource> make_token_source(const parsers::SmtpConfig& smtp) { return token_source_of(smtp); }

}  // namespace intake::daemon
