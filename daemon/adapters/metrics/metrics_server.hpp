// A minimal HTTP/1.x responder for GET /metrics on a loopback address. No HTTP
// server library is among the Debian packages intake may use, and Prometheus
// needs only this one request, so it is hand-written and small: every client
// is hostile, a request head is at most max_request_bytes and must arrive
// within request_timeout_ms, one connection is served at a time and closed.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "parsers/common/result.hpp"
#include "daemon/core/wake_ups.hpp"

namespace intake::daemon {

struct MetricsServerLimits {
  std::size_t max_request_bytes = 8192;  // the head: request line and headers
  int request_timeout_ms = 2000;         // to receive the head, then to send the answer
};

struct HttpAnswer {
  int status = 200;
  std::string reason;
  std::string content_type;
  std::string body;
};

// The answer to one complete request head (up to and including the blank
// line). Only "GET /metrics" and "HEAD /metrics" over HTTP/1.0 or 1.1 get 200.
HttpAnswer answer_http(std::string_view head, const std::function<std::string()>& metrics_text);
// The bytes on the wire for `answer` (HEAD: no body, same Content-Length).
std::string serialize_http(const HttpAnswer& answer, bool head_only);

class MetricsServer final : public MetricsEndpoint {
 public:
  // Binds host:port (a loopback address, checked by the config) and serves
  // from a thread of its own until destroyed.
  static Result<std::unique_ptr<MetricsServer>> start(const std::string& host, int port,
                                                      std::function<std::string()> metrics_text,
                                                      MetricsServerLimits limits = {});
  ~MetricsServer() override;
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;
  int port() const { return port_; }  // the bound port (useful when asked for 0)

 private:
  MetricsServer(int listen_fd, int wake_read, int wake_write, int port, std::function<std::string()> metrics_text,
                MetricsServerLimits limits);
  void run();
  void serve(int fd);
  int listen_fd_, wake_read_, wake_write_, port_;
  std::function<std::string()> metrics_text_;
  MetricsServerLimits limits_;
  std::thread thread_;
};

}  // namespace intake::daemon
