// A minimal HTTP/1.1 GET server on 127.0.0.1 (ephemeral port) serving files under a root
// folder, for testing `fetch` without network access. One connection at a time. A file
// "<path>.redirect" makes GET <path> answer 302 with its first line as the Location.
#pragma once
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

namespace faultbench::testing {

class LocalHttpServer {
 public:
  explicit LocalHttpServer(std::filesystem::path root) : root_(std::move(root)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 8) != 0) {
      ::close(fd_);
      throw std::runtime_error("bind/listen on 127.0.0.1 failed");
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~LocalHttpServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_; }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      handle(c);
      ::close(c);
    }
  }
  void handle(int c) {
    std::string req;
    char buf[4096];
    while (req.find("\r\n\r\n") == std::string::npos && req.size() < 65536) {
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return;
      req.append(buf, size_t(n));
    }
    ++requests_;
    std::istringstream line(req.substr(0, req.find("\r\n")));
    std::string method, target;
    line >> method >> target;
    const std::filesystem::path file = root_ / target.substr(target.empty() ? 0 : 1);
    std::string body, status = "200 OK", location;
    std::filesystem::path redirect = file;
    redirect += ".redirect";  // holds the Location of a 302 answer for `target`
    if (method == "GET" && target.find("..") == std::string::npos && std::filesystem::is_regular_file(redirect)) {
      std::ifstream in(redirect);
      std::getline(in, location);
      status = "302 Found";
    } else if (method != "GET" || target.find("..") != std::string::npos || !std::filesystem::is_regular_file(file)) {
      status = "404 Not Found";
      body = "not found\n";
    } else {
      std::ifstream in(file, std::ios::binary);
      body.assign(std::istreambuf_iterator<char>(in), {});
    }
    const std::string head = "HTTP/1.1 " + status + "\r\nContent-Length: " + std::to_string(body.size()) +
                             (location.empty() ? "" : "\r\nLocation: " + location) +
                             "\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n";
    send_all(c, head);
    send_all(c, body);
  }
  static void send_all(int c, const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      const ssize_t n = ::send(c, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += size_t(n);
    }
  }

  std::filesystem::path root_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

}  // namespace faultbench::testing
