// A scripted IMAP server on loopback, in the test's process: for the unit
// tests of the adapters that speak IMAP themselves (observed_imap, idle_watch).
// No real mail server; answers come from the test.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace intake::testing {

// Answers one connection: greeting, CAPABILITY (`capabilities`), LOGIN and LOGOUT itself,
// everything else through `answer` (given the tag and the command).
class ScriptedImap {
 public:
  using Answer = std::function<std::string(const std::string& tag, const std::string& command)>;
  explicit ScriptedImap(Answer answer, std::string capabilities = "IMAP4rev1")
      : answer_(std::move(answer)), capabilities_(std::move(capabilities)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    ::listen(listener_, 1);
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedImap() {
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    if (thread_.joinable()) thread_.join();
  }
  int port() const { return port_; }
  std::vector<std::string> commands() {
    std::lock_guard<std::mutex> lock(mutex_);
    return commands_;
  }

 private:
  void serve() {
    const int fd = ::accept(listener_, nullptr, nullptr);
    if (fd < 0) return;
    timeval tv{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    send(fd, "* OK scripted server ready\r\n");
    std::string buffer;
    char chunk[4096];
    while (true) {
      const auto eol = buffer.find("\r\n");
      if (eol == std::string::npos) {
        const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) break;
        buffer.append(chunk, static_cast<std::size_t>(n));
        continue;
      }
      const std::string line = buffer.substr(0, eol);
      buffer.erase(0, eol + 2);
      const auto space = line.find(' ');
      const std::string tag = line.substr(0, space);
      const std::string command = space == std::string::npos ? "" : line.substr(space + 1);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        commands_.push_back(command);
      }
      if (command == "CAPABILITY") send(fd, "* CAPABILITY " + capabilities_ + "\r\n" + tag + " OK done\r\n");
      else if (command.rfind("LOGIN ", 0) == 0) send(fd, tag + " OK logged in\r\n");
      else if (command == "LOGOUT") {
        send(fd, "* BYE\r\n" + tag + " OK bye\r\n");
        break;
      } else if (!send(fd, answer_(tag, command))) break;
    }
    ::close(fd);
  }
  static bool send(int fd, const std::string& data) {
    for (std::size_t at = 0; at < data.size();) {
      const ssize_t k = ::send(fd, data.data() + at, data.size() - at, MSG_NOSIGNAL);
      if (k <= 0) return false;
      at += static_cast<std::size_t>(k);
    }
    return true;
  }
  Answer answer_;
  std::string capabilities_;
  int listener_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> commands_;
};

}  // namespace intake::testing
