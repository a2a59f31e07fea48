// Slow and greedy clients against the real binaries: slowloris connections are cut at the header timeout
// while normal clients keep being served, connections over the cap are refused without hurting the served
// ones, and a client that stops reading a proxied download does not pin the gateway's memory.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "support/fake115.hpp"
#include "support/gateway.hpp"
#include "support/multistatus.hpp"

using namespace dav115::test;
using Clock = std::chrono::steady_clock;

namespace {

void require_healthy(Gateway& gw) {
  REQUIRE(dav(gw, "PROPFIND", "/", {{"Depth", "1"}}).status == 207);
  REQUIRE(http("GET", gw.base_url() + "/healthz").status == 200);
}

// dav115_http_connections_active from /metrics (the metrics request's own connection included).
int active_connections(Gateway& gw) {
  auto r = http("GET", gw.base_url() + "/metrics");
  auto at = r.body.find("\ndav115_http_connections_active ");
  if (r.status != 200 || at == std::string::npos) return -1;
  return std::stoi(r.body.substr(at + std::string("\ndav115_http_connections_active ").size()));
}

int port_of(const std::string& base_url) { return std::stoi(base_url.substr(base_url.rfind(':') + 1)); }

// A plain TCP connection to 127.0.0.1:port (blocking connect, then non-blocking), or -1.
int connect_to(int port, int rcvbuf = 0) {
  int fd = connect_loopback(port, rcvbuf);
  if (fd < 0) return -1;
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

// Whether the peer has closed (EOF or reset); swallows whatever data is waiting into `seen`.
// Drains what is readable now (into `seen`), but no further than `cap` bytes in total when given: a
// server refilling the socket as fast as it is drained would otherwise be read to the end in one call.
bool peer_closed(int fd, std::string* seen = nullptr, std::size_t cap = 0) {
  char buf[4096];
  for (;;) {
    if (cap && seen && seen->size() >= cap) return false;
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0) return true;
    if (n < 0) return !(errno == EAGAIN || errno == EWOULDBLOCK);
    if (seen) seen->append(buf, static_cast<std::size_t>(n));
  }
}

void raise_fd_limit(rlim_t wanted) {
  rlimit rl{};
  ::getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < wanted) {
    rl.rlim_cur = std::min(wanted, rl.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
}

}  // namespace

TEST_CASE("500 slowloris connections are cut at the header timeout while a normal client is served") {
  raise_fd_limit(4096);
  Fake115 emu;
  // The gateway inherits our (raised) limit through the ChildProcess fork.
  Gateway gw(emu, {{"limits", {{"header_timeout_s", 2}, {"max_connections", 1024}}}});
  require_healthy(gw);
  const int port = port_of(gw.base_url());
  const std::string head = "PROPFIND / HTTP/1.1\r\nHost: 127.0.0.1\r\nDepth: 1\r\nX-Slow: " + std::string(200, 's');

  std::vector<int> fds;
  for (int i = 0; i < 500; ++i) {
    int fd = connect_to(port);
    if (fd >= 0) fds.push_back(fd);
  }
  REQUIRE(fds.size() == 500);

  std::atomic<bool> done{false};
  std::atomic<int> served{0}, failed{0};
  std::thread normal([&] {
    // A normal client, on fresh connections, for as long as the trickle lasts (bounded in count).
    for (int i = 0; i < 100 && !done; ++i) {
      try {
        auto r = dav(gw, "PROPFIND", "/", {{"Depth", "1"}}, "", {std::chrono::seconds(5)});
        (r.status == 207 ? served : failed)++;
      } catch (const HttpError&) {
        failed++;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  });

  // One byte a second on every connection still open; the header never completes.
  std::vector<bool> closed(fds.size(), false);
  std::size_t open_count = fds.size();
  auto start = Clock::now();
  for (std::size_t byte = 0; byte < head.size() && open_count > 0 && Clock::now() - start < std::chrono::seconds(20);
       ++byte) {
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (closed[i]) continue;
      if (peer_closed(fds[i]) || ::send(fds[i], &head[byte], 1, MSG_NOSIGNAL) < 0) {
        closed[i] = true;
        --open_count;
      }
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  done = true;
  normal.join();
  for (int fd : fds) ::close(fd);

  INFO("still open after the trickle: " << open_count << "; normal requests served " << served << ", failed " << failed);
  CHECK(open_count == 0);  // every slow connection was cut (header timeout 2 s, well before 20 s)
  CHECK(served >= 5);
  CHECK(failed == 0);
  require_healthy(gw);
}

TEST_CASE("connections over the cap are refused without hurting the served ones") {
  Fake115 emu;
  Gateway gw(emu, {{"limits", {{"max_connections", 20}, {"header_timeout_s", 30}, {"idle_timeout_s", 30}}}});
  require_healthy(gw);
  const int port = port_of(gw.base_url());

  // A served client on a kept-alive connection.
  HttpConnection served(gw.base_url());
  REQUIRE(served.request("PROPFIND", "/", Gateway::auth({{"Depth", "1"}})).status == 207);

  // Idle connections take the remaining slots; the ones beyond the cap are answered 503 and closed.
  std::vector<int> fds;
  for (int i = 0; i < 40; ++i) {
    int fd = connect_to(port);
    REQUIRE(fd >= 0);
    fds.push_back(fd);
  }
  std::vector<std::string> seen(fds.size());
  std::vector<bool> refused(fds.size(), false);
  int refused_count = 0;
  // Refusals come promptly; wait until they stop arriving (bounded).
  wait_until(
      [&] {
        for (std::size_t i = 0; i < fds.size(); ++i)
          if (!refused[i] && peer_closed(fds[i], &seen[i])) {
            refused[i] = true;
            ++refused_count;
          }
        return refused_count >= 21;
      },
      std::chrono::seconds(3), std::chrono::milliseconds(100));
  INFO("refused " << refused_count << " of 40");
  CHECK(refused_count >= 20);  // 40 asked, at most 19 free slots
  CHECK(refused_count <= 40 - 10);
  for (std::size_t i = 0; i < fds.size(); ++i)
    if (refused[i]) CHECK(seen[i].rfind("HTTP/1.1 503", 0) == 0);

  // The served connection goes on, on the same TCP connection.
  for (int i = 0; i < 5; ++i)
    CHECK(served.request("PROPFIND", "/docs/", Gateway::auth({{"Depth", "1"}})).status == 207);
  CHECK(served.connections_opened() == 1);

  for (int fd : fds) ::close(fd);
  // Freed slots serve new clients again.
  CHECK(wait_until(
      [&] {
        try {
          return http("GET", gw.base_url() + "/healthz").status == 200;
        } catch (const HttpError&) {
          return false;
        }
      },
      std::chrono::seconds(10), std::chrono::milliseconds(100)));
  require_healthy(gw);
}

TEST_CASE("a client that stops reading a proxied 64 MiB stream does not pin memory and is dropped") {
  Fake115 emu;
  Gateway gw(emu, {{"delivery", {{"policy", "local_proxy"}}}, {"limits", {{"write_timeout_s", 3}}}});
  require_healthy(gw);
  const auto entry = emu.entry("big/64m.bin");
  REQUIRE(entry["size"] == 67108864);
  const std::size_t rss_before = proc_status_kib(gw.process().pid(), "VmRSS");

  const auto auth = Gateway::auth()[0];
  const std::string request = "GET /big/64m.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth.first + ": " + auth.second +
                              "\r\nUser-Agent: stalled-reader\r\n\r\n";
  int fd = connect_to(port_of(gw.base_url()), 64 * 1024);
  REQUIRE(fd >= 0);
  REQUIRE(::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));

  // Read the start, then stop reading altogether.
  std::string got;
  wait_until([&] {
    peer_closed(fd, &got, 256 * 1024);
    return got.size() >= 256 * 1024;
  }, std::chrono::seconds(10));
  REQUIRE(got.rfind("HTTP/1.1 200", 0) == 0);
  // Stay stalled until the gateway itself drops the connection (its write timeout, 3 s, runs once the
  // socket buffers are full; how long filling them takes depends on the machine's load, so the oracle is
  // the gateway's own connection gauge, not a clock). The /metrics request is the one other connection.
  std::size_t rss_peak = 0;
  bool dropped = wait_until(
      [&] {
        rss_peak = std::max(rss_peak, proc_status_kib(gw.process().pid(), "VmRSS"));
        return active_connections(gw) == 1;
      },
      std::chrono::seconds(120), std::chrono::milliseconds(250));
  CHECK(dropped);
  INFO("RSS before " << rss_before << " KiB, peak while stalled " << rss_peak << " KiB");
  // The 64 MiB file is never buffered: growth stays far below its size.
  CHECK(rss_peak < rss_before + 24 * 1024);

  // Resuming now shows the server gave up: the connection ends long before the 64 MiB.
  std::size_t total = got.size();
  bool ended = wait_until(
      [&] {
        std::string more;
        bool closed = peer_closed(fd, &more);
        total += more.size();
        return closed;
      },
      std::chrono::seconds(20), std::chrono::milliseconds(10));
  ::close(fd);
  CHECK(ended);
  CHECK(total < 67108864);
  require_healthy(gw);
}
