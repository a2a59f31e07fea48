#pragma once
// A deliberately dumb blocking HTTP/1.1 client over POSIX sockets (optionally OpenSSL), so the tests
// can send malformed, slow or oversized requests that a real client library would refuse to send.
// Every wait is bounded by a deadline.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

namespace dav115::test {

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class RawClient {
 public:
  using Clock = std::chrono::steady_clock;

  // Connects to 127.0.0.1:port; with `tls`, performs a TLS handshake (no certificate check).
  explicit RawClient(std::uint16_t port, SSL_CTX* tls = nullptr) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd_);
      fd_ = -1;
      throw std::runtime_error("connect failed");
    }
    timeval tv{5, 0};  // bounds TLS handshake / SSL_read
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (tls) {
      ssl_ = SSL_new(tls);
      SSL_set_fd(ssl_, fd_);
      if (SSL_connect(ssl_) != 1) {
        // The destructor does not run for a throwing constructor (LeakSanitizer caught this).
        SSL_free(ssl_);
        ::close(fd_);
        throw std::runtime_error("TLS handshake failed");
      }
    }
  }
  ~RawClient() {
    if (ssl_) SSL_free(ssl_);
    if (fd_ >= 0) ::close(fd_);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  // False if the peer already closed (EPIPE / reset).
  bool send(const std::string& data) {
    std::size_t off = 0;
    while (off < data.size()) {
      long n = ssl_ ? SSL_write(ssl_, data.data() + off, static_cast<int>(data.size() - off))
                    : ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<std::size_t>(n);
    }
    return true;
  }

  // The next response, or nullopt on EOF/timeout before a complete one. `head`: no body follows.
  std::optional<RawResponse> read_response(bool head = false, std::chrono::seconds timeout = std::chrono::seconds(5)) {
    auto deadline = Clock::now() + timeout;
    std::size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!fill(deadline)) return std::nullopt;
    RawResponse r;
    std::string head_text = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    auto line_end = head_text.find("\r\n");
    std::string status_line = head_text.substr(0, line_end);
    if (status_line.size() < 12) return std::nullopt;
    r.status = std::stoi(status_line.substr(9, 3));
    std::size_t pos = line_end == std::string::npos ? head_text.size() : line_end + 2;
    while (pos < head_text.size()) {
      auto e = head_text.find("\r\n", pos);
      if (e == std::string::npos) e = head_text.size();
      auto line = head_text.substr(pos, e - pos);
      auto colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        r.headers[name] = value;
      }
      pos = e + 2;
    }
    if (head || r.status < 200 || r.status == 204 || r.status == 304) return r;
    if (r.header("transfer-encoding") == "chunked") {
      for (;;) {
        std::size_t le;
        while ((le = buf_.find("\r\n")) == std::string::npos)
          if (!fill(deadline)) return std::nullopt;
        std::size_t size = std::stoul(buf_.substr(0, le), nullptr, 16);
        while (buf_.size() < le + 2 + size + 2)
          if (!fill(deadline)) return std::nullopt;
        r.body += buf_.substr(le + 2, size);
        buf_.erase(0, le + 2 + size + 2);
        if (size == 0) return r;
      }
    }
    if (!r.header("content-length").empty()) {
      std::size_t len = std::stoul(r.header("content-length"));
      while (buf_.size() < len)
        if (!fill(deadline)) return std::nullopt;
      r.body = buf_.substr(0, len);
      buf_.erase(0, len);
      return r;
    }
    while (fill(deadline)) {
    }
    r.body = std::move(buf_);
    buf_.clear();
    return r;
  }

  // True when the server closes the connection (EOF or reset) before the timeout.
  bool closed_by_peer(std::chrono::seconds timeout = std::chrono::seconds(5)) {
    auto deadline = Clock::now() + timeout;
    while (fill(deadline)) {
    }
    return eof_;
  }

 private:
  // Reads more into buf_. False on EOF, error or deadline (eof_ tells which).
  bool fill(Clock::time_point deadline) {
    char tmp[65536];
    for (;;) {
      if (!ssl_ || SSL_pending(ssl_) == 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) return false;
        pollfd p{fd_, POLLIN, 0};
        int pr = ::poll(&p, 1, static_cast<int>(left));
        if (pr == 0) return false;
        if (pr < 0) continue;
      }
      long n = ssl_ ? SSL_read(ssl_, tmp, sizeof tmp) : ::recv(fd_, tmp, sizeof tmp, 0);
      if (n > 0) {
        buf_.append(tmp, static_cast<std::size_t>(n));
        return true;
      }
      if (ssl_ && SSL_get_error(ssl_, static_cast<int>(n)) == SSL_ERROR_WANT_READ) continue;
      eof_ = true;  // orderly close, reset, or TLS close
      return false;
    }
  }

  int fd_ = -1;
  SSL* ssl_ = nullptr;
  std::string buf_;
  bool eof_ = false;
};

}  // namespace dav115::test
