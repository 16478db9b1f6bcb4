#include "daemon/adapters/metrics/metrics_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "daemon/core/logging.hpp"
#include "daemon/core/errno_text.hpp"

namespace intake::daemon {

namespace {

using steady = std::chrono::steady_clock;

int ms_left(steady::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

HttpAnswer plain(int status, const char* reason, std::string body) {
  return {status, reason, "text/plain; charset=utf-8", std::move(body)};
}

enum class HeadRead { complete, too_large, gone };  // gone: too slow or closed, no answer at all

// Reads a request head into `head` up to its blank line (what follows is
// ignored), within the deadline and max_bytes.
HeadRead read_head(int fd, steady::time_point deadline, std::size_t max_bytes, std::string& head) {
  char buf[1024];
  while (true) {
    pollfd p{fd, POLLIN, 0};
    const int left = ms_left(deadline);
    if (left == 0 || ::poll(&p, 1, left) <= 0) return HeadRead::gone;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) return HeadRead::gone;
    const std::size_t scan_from = head.size() >= 3 ? head.size() - 3 : 0;
    head.append(buf, static_cast<std::size_t>(n));
    const auto end = head.find("\r\n\r\n", scan_from);
    if (end != std::string::npos) {
      head.resize(end + 4);  // whatever follows (a body) is ignored
      return HeadRead::complete;
    }
    if (head.size() > max_bytes) return HeadRead::too_large;
  }
}

// False when the client did not take it all before the deadline.
bool send_all(int fd, const std::string& out, steady::time_point deadline) {
  std::size_t sent = 0;
  while (sent < out.size()) {
    pollfd p{fd, POLLOUT, 0};
    const int left = ms_left(deadline);
    if (left == 0 || ::poll(&p, 1, left) <= 0) return false;
    const ssize_t n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

// Reads and drops what the client still sends, at most max_bytes, until it
// closes or the deadline passes.
void discard_input(int fd, steady::time_point until, std::size_t max_bytes) {
  char buf[1024];
  std::size_t discarded = 0;
  while (discarded < max_bytes) {
    pollfd p{fd, POLLIN, 0};
    const int left = ms_left(until);
    if (left == 0 || ::poll(&p, 1, left) <= 0) return;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) return;
    discarded += static_cast<std::size_t>(n);
  }
}

}  // namespace

HttpAnswer answer_http(std::string_view head, const std::function<std::string()>& metrics_text) {
  const auto line_end = head.find("\r\n");
  if (line_end == std::string_view::npos) return plain(400, "Bad Request", "bad request\n");
  const std::string_view line = head.substr(0, line_end);
  // "METHOD SP TARGET SP HTTP/1.x", nothing else on the line.
  const auto sp1 = line.find(' ');
  const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
    return plain(400, "Bad Request", "bad request\n");
  const std::string_view method = line.substr(0, sp1), target = line.substr(sp1 + 1, sp2 - sp1 - 1),
                         version = line.substr(sp2 + 1);
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return plain(505, "HTTP Version Not Supported", "HTTP/1.x only\n");
  for (char c : line)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e)
      return plain(400, "Bad Request", "bad request\n");
  if (method != "GET" && method != "HEAD") return plain(405, "Method Not Allowed", "GET /metrics only\n");
  // A query string (Prometheus sends none) is ignored.
  const std::string_view path = target.substr(0, target.find('?'));
  if (path != "/metrics") return plain(404, "Not Found", "GET /metrics only\n");
  return {200, "OK", "text/plain; version=0.0.4; charset=utf-8", metrics_text()};
}

std::string serialize_http(const HttpAnswer& answer, bool head_only) {
  std::string out = "HTTP/1.1 " + std::to_string(answer.status) + " " + answer.reason + "\r\n";
  out += "Content-Type: " + answer.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(answer.body.size()) + "\r\n";
  if (answer.status == 405) out += "Allow: GET, HEAD\r\n";
  out += "Connection: close\r\n\r\n";
  if (!head_only) out += answer.body;
  return out;
}

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(const std::string& host, int port,
                                                            std::function<std::string()> metrics_text,
                                                            MetricsServerLimits limits) {
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  int family = AF_INET;
  if (auto* v4 = reinterpret_cast<sockaddr_in*>(&addr); inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<std::uint16_t>(port));
    addr_len = sizeof(sockaddr_in);
  } else if (auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr); inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    family = AF_INET6;
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<std::uint16_t>(port));
    addr_len = sizeof(sockaddr_in6);
  } else {
    return fail("metrics: \"" + host + "\" is not an IP address", true);
  }
  const int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return fail(std::string("metrics: socket: ") + errno_text());
  const int one = 1;
  (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), addr_len) != 0 || ::listen(fd, 16) != 0) {
    const std::string why = errno_text();
    ::close(fd);
    return fail("metrics: cannot listen on " + host + ":" + std::to_string(port) + ": " + why);
  }
  sockaddr_storage bound{};
  socklen_t bound_len = sizeof bound;
  (void)getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_len);
  const int bound_port = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                                 : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  int wake[2];
  if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0) {
    ::close(fd);
    return fail(std::string("metrics: pipe: ") + errno_text());
  }
  return std::unique_ptr<MetricsServer>(
      new MetricsServer(fd, wake[0], wake[1], bound_port, std::move(metrics_text), limits));
}

MetricsServer::MetricsServer(int listen_fd, int wake_read, int wake_write, int port,
                             std::function<std::string()> metrics_text, MetricsServerLimits limits)
    : listen_fd_(listen_fd), wake_read_(wake_read), wake_write_(wake_write), port_(port),
      metrics_text_(std::move(metrics_text)), limits_(limits) {
  thread_ = std::thread([this] { run(); });
}

MetricsServer::~MetricsServer() {
  const char byte = 'x';
  (void)!::write(wake_write_, &byte, 1);
  if (thread_.joinable()) thread_.join();
  ::close(listen_fd_);
  ::close(wake_read_);
  ::close(wake_write_);
}

void MetricsServer::run() {
  while (true) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_read_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      stage_logger("metrics")->error("metrics: poll: {}", errno_text());
      return;
    }
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      // Out of descriptors or memory: the connection stays queued and poll
      // would wake at once, so wait a little instead of spinning.
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;  // otherwise the client went away
    }
    serve(fd);
    ::close(fd);
  }
}

// Reads the head within the limits, answers, and returns; the caller closes.
void MetricsServer::serve(int fd) {
  const auto deadline = steady::now() + std::chrono::milliseconds(limits_.request_timeout_ms);
  std::string head;
  const HeadRead read = read_head(fd, deadline, limits_.max_request_bytes, head);
  if (read == HeadRead::gone) return;
  const bool complete = read == HeadRead::complete;
  const HttpAnswer answer = complete ? answer_http(head, metrics_text_)
                                     : plain(431, "Request Header Fields Too Large", "request head too large\n");
  const std::string out = serialize_http(answer, complete && head.rfind("HEAD ", 0) == 0);
  if (!send_all(fd, out, deadline + std::chrono::milliseconds(limits_.request_timeout_ms))) return;
  // Closing with unread input would reset the connection and could destroy
  // the answer before the client reads it: end our side, then discard what
  // the client still sends, within the same bounds.
  ::shutdown(fd, SHUT_WR);
  discard_input(fd, steady::now() + std::chrono::milliseconds(limits_.request_timeout_ms), 16 * limits_.max_request_bytes);
}

}  // namespace intake::daemon
