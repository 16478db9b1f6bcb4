// intaked as a service on the real stack, talking the sd_notify protocol to a
// socket the test holds (as systemd would): READY only after the first IMAP
// login, STATUS with each cycle's figures, WATCHDOG pings; SIGHUP with a broken
// config keeps the old one working, with a good one the change takes effect;
// SIGTERM mid-backlog exits 0 within 10 s with nothing left in the outbox; the
// metrics endpoint answers Prometheus and shrugs off hostile clients. With
// IMAP IDLE a request is acknowledged within seconds of arriving, without it
// only at the poll.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/stack_client.hpp"

extern char** environ;

namespace intake::testing {
namespace {

using namespace std::chrono_literals;

// The service manager's end of NOTIFY_SOCKET: a Unix datagram socket, read
// all the time by a thread of its own, as systemd does (a sender blocks once
// ten datagrams wait unread, and intaked with it).
class NotifySocket {
 public:
  explicit NotifySocket(std::string path) : path_(std::move(path)) {
    ::unlink(path_.c_str());
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path_.size() >= sizeof addr.sun_path) {
      ADD_FAILURE() << "notify socket path too long: " << path_;
      return;
    }
    std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ADD_FAILURE() << "cannot bind " << path_;
      return;
    }
    reader_ = std::thread([this] {
      char buf[4096];
      while (!done_.load()) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) continue;
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n <= 0) continue;
        std::lock_guard lock(mutex_);
        received_.append(buf, static_cast<std::size_t>(n)).append("\n--\n");
      }
    });
  }
  ~NotifySocket() {
    done_.store(true);
    if (reader_.joinable()) reader_.join();
    if (fd_ >= 0) ::close(fd_);
    ::unlink(path_.c_str());
  }
  const std::string& path() const { return path_; }
  // Waits until what arrived after the last mark contains `wanted`; true if it did.
  bool wait_for(const std::string& wanted, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      {
        std::lock_guard lock(mutex_);
        if (auto at = received_.find(wanted, searched_); at != std::string::npos) {
          searched_ = at + wanted.size();
          return true;
        }
      }
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(10ms);
    }
  }
  // Everything received so far, datagrams separated by "--" lines.
  std::string received() {
    std::lock_guard lock(mutex_);
    return received_;
  }
  // Later waits look only at what arrives from now on.
  void skip_seen() {
    std::this_thread::sleep_for(100ms);  // what is on its way is read first
    std::lock_guard lock(mutex_);
    searched_ = received_.size();
  }
  void drain() { std::this_thread::sleep_for(100ms); }

 private:
  std::string path_;
  int fd_ = -1;
  std::mutex mutex_;
  std::string received_;
  std::size_t searched_ = 0;
  std::atomic<bool> done_{false};
  std::thread reader_;
};

// intaked run by the test as systemd would: NOTIFY_SOCKET and WATCHDOG_USEC
// set, output to a log file; its exit status is kept.
class ServiceProcess {
 public:
  ServiceProcess(const std::string& config, const std::string& log, const std::string& notify_socket) {
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string kv = *e;
      if (kv.rfind("NOTIFY_SOCKET=", 0) != 0 && kv.rfind("WATCHDOG_", 0) != 0 && kv.rfind("JOURNAL_STREAM=", 0) != 0)
        env.push_back(kv);
    }
    env.push_back("NOTIFY_SOCKET=" + notify_socket);
    env.push_back("WATCHDOG_USEC=2000000");
    std::vector<char*> envp;
    for (auto& kv : env) envp.push_back(kv.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::string exe = INTAKED_PATH, flag = "--config", path = config;
    std::vector<char*> argv = {exe.data(), flag.data(), path.data(), nullptr};
    if (posix_spawn(&pid_, exe.c_str(), &actions, nullptr, argv.data(), envp.data()) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~ServiceProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  bool running() const { return pid_ > 0; }
  void signal(int sig) const { ::kill(pid_, sig); }
  // The exit code, or -1 if it has not exited within `timeout` (or died by a signal).
  int wait_exit(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(20ms);
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
};

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// Sends `request` raw to 127.0.0.1:port and returns all the answer (5 s at most).
std::string http_exchange(int port, const std::string& request, bool half_close = true) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "(connect failed)";
  }
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close on an oversized head
    sent += static_cast<std::size_t>(n);
  }
  if (half_close) ::shutdown(fd, SHUT_WR);
  std::string answer;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) answer.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return answer;
}

std::string request_mail(const std::string& user, const std::string& subject, const std::string& id) {
  return "From: " + user + " <" + user + "@example.test>\nTo: requests@example.test\nSubject: " + subject +
         "\nMessage-ID: <" + id + "@" + user + ".example.test>\nContent-Type: text/plain; charset=utf-8\n\n"
         "Please help with: " + subject + ".\n";
}

class Service : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = load_stack();
    ASSERT_FALSE(HasFailure());
    reset_stack(stack_);
    dir_ = stack_.get("STACK_DIR");
    log_ = dir_ + "/service-intaked.log";
    std::ofstream(log_, std::ios::trunc).flush();
  }
  // The stack's config, polling every second, with `extra` in [daemon]. The
  // backlog below sends 50 requests from each of two senders: the flood
  // limit is raised so that every one is acknowledged.
  std::string good_config(const std::string& extra, const std::string& from_name = "Requests desk") {
    return write_config(stack_, "service", "auto_reply_limit = 1000" + (extra.empty() ? std::string() : "\n" + extra),
                        {{"poll_interval_s = 5", "poll_interval_s = 1"},
                         {"from_name = \"Requests desk\"", "from_name = \"" + from_name + "\""}});
  }
  std::string acknowledgment_for(const std::string& user) {
    auto uids = imap_uids(stack_, user, "INBOX");
    return uids.empty() ? std::string() : imap_fetch(stack_, user, "INBOX", uids.back());
  }
  Stack stack_;
  std::string dir_, log_;
};

TEST_F(Service, reload_refuses_a_broken_config_applies_a_good_one_and_sigterm_leaves_nothing_unsent) {
  const int metrics_port = free_port();
  const std::string metrics_line = "metrics_listen = \"127.0.0.1:" + std::to_string(metrics_port) + "\"";
  const std::string config = good_config(metrics_line);
  NotifySocket notify(dir_ + "/notify.sock");
  ServiceProcess daemon(config, log_, notify.path());
  ASSERT_TRUE(daemon.running());

  // READY after config, database and the first IMAP login; then the cycle's STATUS.
  ASSERT_TRUE(notify.wait_for("READY=1", 20s)) << notify.received() << read_file(log_);
  EXPECT_TRUE(notify.wait_for("STATUS=last cycle", 20s)) << notify.received();
  EXPECT_TRUE(notify.wait_for("WATCHDOG=1", 5s)) << "WATCHDOG_USEC is set, so intaked pings\n" << notify.received();

  // A first request is acknowledged.
  smtp_send(stack_, "alice@example.test", {"requests@example.test"}, request_mail("alice", "Printer on floor 2", "svc-1"));
  ASSERT_EQ(wait_for_messages(stack_, "alice", "INBOX", 1, 30), 1U) << read_file(log_);
  EXPECT_EQ(header_of(acknowledgment_for("alice"), "From"), "\"Requests desk\" <requests@example.test>");

  // SIGHUP with a broken config: refused, the old one keeps working.
  const std::string good_text = read_file(config);
  std::ofstream(config, std::ios::trunc) << good_text << "\n[daemon.oops]\nthis is not toml\n";
  notify.skip_seen();
  daemon.signal(SIGHUP);
  ASSERT_TRUE(notify.wait_for("RELOADING=1", 10s)) << notify.received();
  ASSERT_TRUE(notify.wait_for("READY=1", 10s)) << "READY=1 ends the reload, refused or not\n" << notify.received();
  EXPECT_NE(notify.received().find("reload refused"), std::string::npos) << notify.received();
  std::this_thread::sleep_for(300ms);
  const std::string refused_log = read_file(log_);
  EXPECT_NE(refused_log.find("reload refused: " + config + ": "), std::string::npos)
      << "one line naming the file and the problem\n" << refused_log;
  smtp_send(stack_, "bob@example.test", {"requests@example.test"}, request_mail("bob", "VPN token expired", "svc-2"));
  ASSERT_EQ(wait_for_messages(stack_, "bob", "INBOX", 1, 30), 1U) << "the old config still works\n" << read_file(log_);
  EXPECT_EQ(header_of(acknowledgment_for("bob"), "From"), "\"Requests desk\" <requests@example.test>");

  // SIGHUP with a good, changed config: the change takes effect.
  good_config(metrics_line, "Service Desk");
  notify.skip_seen();
  daemon.signal(SIGHUP);
  ASSERT_TRUE(notify.wait_for("RELOADING=1", 10s)) << notify.received();
  ASSERT_TRUE(notify.wait_for("READY=1", 10s)) << notify.received();
  EXPECT_NE(notify.received().find("configuration reloaded"), std::string::npos) << notify.received();
  smtp_send(stack_, "carol@example.test", {"requests@example.test"}, request_mail("carol", "New laptop", "svc-3"));
  ASSERT_EQ(wait_for_messages(stack_, "carol", "INBOX", 1, 30), 1U) << read_file(log_);
  EXPECT_EQ(header_of(acknowledgment_for("carol"), "From"), "\"Service Desk\" <requests@example.test>");

  // The metrics endpoint, and hostile clients of it.
  const std::string metrics = http_exchange(metrics_port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(metrics.rfind("HTTP/1.1 200 OK\r\n", 0), 0U) << metrics;
  EXPECT_NE(metrics.find("\nintake_requests_created_total 3\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("intake_messages_fetched_total{mailbox=\"requests\"} 3\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("intake_config_reloads_total{result=\"refused\"} 1\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("intake_config_reloads_total{result=\"accepted\"} 1\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("intake_fetch_errors_total{mailbox=\"requests\"} 0\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("\nintake_outbox_depth "), std::string::npos) << metrics;
  EXPECT_EQ(http_exchange(metrics_port, "GET /../etc/passwd HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 404", 0), 0U);
  EXPECT_EQ(http_exchange(metrics_port, "POST /metrics HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 405", 0), 0U);
  EXPECT_EQ(http_exchange(metrics_port, "GET /metrics HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n")
                .rfind("HTTP/1.1 431", 0),
            0U);
  // A client that connects and says nothing is dropped after the read bound
  // (2 s); meanwhile and after it, others are still answered.
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(http_exchange(metrics_port, "GET /metrics HTTP/1.1\r\n", false), "") << "an unfinished head gets no answer";
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 4s);
  EXPECT_EQ(http_exchange(metrics_port, "GET /metrics HTTP/1.0\r\n\r\n").rfind("HTTP/1.1 200 OK", 0), 0U);

  // SIGTERM in the middle of a backlog: exit 0 within 10 s, between messages,
  // with every acknowledgment of what was taken in sent.
  // The backlog is staged in another folder and moved into the inbox with one
  // command, so it arrives all at once.
  // Large enough that the stop lands in the middle even when a release build
  // takes a round of 20 in under 20 ms (100 could all be in before the first poll).
  constexpr int backlog = 400;
  const std::string staging = "Staging" + std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  imap_command(stack_, "requests", "INBOX", "CREATE " + staging);
  for (int n = 0; n < backlog; ++n)
    imap_append(stack_, "requests", staging,
                request_mail(n % 2 ? "dave" : "erin", "Backlog item " + std::to_string(n), "svc-backlog-" + std::to_string(n)));
  imap_command(stack_, "requests", staging, "UID MOVE 1:* INBOX");
  const auto appended = std::chrono::steady_clock::now();
  while (sql_value(stack_, "SELECT count(*) FROM requests") == "3" && std::chrono::steady_clock::now() - appended < 30s)
    std::this_thread::sleep_for(10ms);
  notify.skip_seen();
  daemon.signal(SIGTERM);
  const auto term = std::chrono::steady_clock::now();
  const int at_signal = std::stoi(sql_value(stack_, "SELECT count(*) FROM requests"));  // read after the signal
  const int code = daemon.wait_exit(10s);
  const auto took = std::chrono::steady_clock::now() - term;
  EXPECT_EQ(code, 0) << read_file(log_);
  EXPECT_LT(took, 10s);
  notify.drain();
  EXPECT_NE(notify.received().find("STOPPING=1"), std::string::npos) << notify.received();
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox WHERE status <> 'sent'"), "0") << "nothing left unsent";
  const int taken = std::stoi(sql_value(stack_, "SELECT count(*) FROM requests"));
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox WHERE purpose = 'acknowledgment' AND status = 'sent'"),
            std::to_string(taken));
  // What was taken in is in Processed, the rest still waits in the inbox.
  EXPECT_EQ(imap_uids(stack_, "requests", "Processed").size(), static_cast<std::size_t>(taken));
  EXPECT_EQ(imap_uids(stack_, "requests", "INBOX").size(), static_cast<std::size_t>(3 + backlog - taken));
  // New mail is taken in rounds of 20 (ServiceSettings::messages_per_round): at most the round in progress.
  EXPECT_LE(taken - at_signal, 20) << "after SIGTERM only the round in progress is finished";
  EXPECT_LT(taken, 3 + backlog) << "the stop came in the middle of the backlog";
  std::cout << "SIGTERM after " << at_signal - 3 << " of " << backlog << " backlog messages, " << taken - at_signal
            << " more finished after it; exit " << code << " in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms\n";

  // The next start takes the rest, each exactly once.
  RunResult rest = run_command(std::string(INTAKED_PATH) + " --config " + config + " --once");
  EXPECT_EQ(rest.exit_code, 0) << rest.output;
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM requests"), std::to_string(3 + backlog));
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox WHERE status <> 'sent'"), "0");
}

TEST_F(Service, no_ready_before_the_first_imap_login_succeeds) {
  const std::string wrong = dir_ + "/secrets/service_wrong_password";
  std::ofstream(wrong) << "not-the-password\n";
  const std::string config = write_config(stack_, "service-wrong", "max_backoff_s = 1",
                                          {{"poll_interval_s = 5", "poll_interval_s = 1"},
                                           {"secrets/mail_password", "secrets/service_wrong_password"}});
  NotifySocket notify(dir_ + "/notify-wrong.sock");
  ServiceProcess daemon(config, log_, notify.path());
  ASSERT_TRUE(daemon.running());
  // Cycles run and fail (STATUS says so), but READY never comes.
  EXPECT_TRUE(notify.wait_for("with failures", 20s)) << notify.received() << read_file(log_);
  EXPECT_FALSE(notify.wait_for("READY=1", 3s)) << notify.received();
  EXPECT_EQ(notify.received().find("READY=1"), std::string::npos) << notify.received();
  // Fixed by a reload: the login succeeds and READY follows.
  good_config("");
  const std::string fixed = read_file(dir_ + "/service.toml");
  std::ofstream(config, std::ios::trunc) << fixed;
  daemon.signal(SIGHUP);
  EXPECT_TRUE(notify.wait_for("READY=1", 20s)) << notify.received() << read_file(log_);
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait_exit(10s), 0) << read_file(log_);
}

// IMAP IDLE (the Speed issue): with a poll interval of a minute, a request
// sent by SMTP is acknowledged within seconds because Dovecot announces it
// on the IDLE connection; the watchdog is still pinged and SIGHUP and SIGTERM
// still act at once while intaked waits in IDLE.
TEST_F(Service, with_idle_a_request_is_acknowledged_within_seconds_despite_a_one_minute_poll) {
  const std::string config = write_config(stack_, "service-idle", "idle = true", {{"poll_interval_s = 5", "poll_interval_s = 60"}});
  NotifySocket notify(dir_ + "/notify-idle.sock");
  ServiceProcess daemon(config, log_, notify.path());
  ASSERT_TRUE(daemon.running());
  ASSERT_TRUE(notify.wait_for("READY=1", 20s)) << notify.received() << read_file(log_);
  ASSERT_TRUE(notify.wait_for("or when mail arrives (IDLE)", 20s)) << notify.received() << read_file(log_);
  EXPECT_NE(read_file(log_).find("mailbox requests: IDLE on 127.0.0.1:"), std::string::npos) << read_file(log_);

  smtp_send(stack_, "alice@example.test", {"requests@example.test"}, request_mail("alice", "Printer jammed", "idle-1"));
  auto sent = std::chrono::steady_clock::now();
  ASSERT_EQ(wait_for_messages(stack_, "alice", "INBOX", 1, 15), 1U) << read_file(log_);
  auto took = std::chrono::steady_clock::now() - sent;
  EXPECT_LT(took, 5s) << "the poll alone would take up to 60 s";
  std::cout << "IDLE: acknowledged " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
            << " ms after the MTA accepted the request\n";

  // Waiting in IDLE, the watchdog is still pinged (WATCHDOG_USEC is 2 s).
  notify.skip_seen();
  EXPECT_TRUE(notify.wait_for("WATCHDOG=1", 2s)) << notify.received();

  // SIGHUP in the middle of the pause: reloaded at once, IDLE again after it.
  notify.skip_seen();
  const auto hup = std::chrono::steady_clock::now();
  daemon.signal(SIGHUP);
  ASSERT_TRUE(notify.wait_for("configuration reloaded", 5s)) << notify.received() << read_file(log_);
  EXPECT_LT(std::chrono::steady_clock::now() - hup, 3s);
  ASSERT_TRUE(notify.wait_for("or when mail arrives (IDLE)", 20s)) << notify.received() << read_file(log_);
  smtp_send(stack_, "bob@example.test", {"requests@example.test"}, request_mail("bob", "VPN down", "idle-2"));
  sent = std::chrono::steady_clock::now();
  ASSERT_EQ(wait_for_messages(stack_, "bob", "INBOX", 1, 15), 1U) << read_file(log_);
  EXPECT_LT(std::chrono::steady_clock::now() - sent, 5s) << "IDLE again after the reload";

  // SIGTERM in the middle of the pause: out promptly.
  const auto term = std::chrono::steady_clock::now();
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait_exit(10s), 0) << read_file(log_);
  EXPECT_LT(std::chrono::steady_clock::now() - term, 3s);
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM requests"), "2");
}

TEST_F(Service, with_idle_off_a_request_waits_for_the_poll) {
  const std::string config =
      write_config(stack_, "service-no-idle", "idle = false", {{"poll_interval_s = 5", "poll_interval_s = 60"}});
  NotifySocket notify(dir_ + "/notify-no-idle.sock");
  ServiceProcess daemon(config, log_, notify.path());
  ASSERT_TRUE(daemon.running());
  ASSERT_TRUE(notify.wait_for("READY=1", 20s)) << notify.received() << read_file(log_);
  ASSERT_TRUE(notify.wait_for("STATUS=last cycle", 20s)) << notify.received();
  EXPECT_EQ(notify.received().find("(IDLE)"), std::string::npos) << notify.received();
  smtp_send(stack_, "alice@example.test", {"requests@example.test"}, request_mail("alice", "Printer jammed", "no-idle-1"));
  EXPECT_EQ(wait_for_messages(stack_, "alice", "INBOX", 1, 10), 0U) << "nothing before the next poll\n" << read_file(log_);
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM requests"), "0");
  EXPECT_EQ(read_file(log_).find("IDLE on"), std::string::npos) << read_file(log_);
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait_exit(10s), 0) << read_file(log_);
}

}  // namespace
}  // namespace intake::testing
