// CDN link expiry under local_proxy: a slow reader outlives the signed link, the CDN then cuts the
// stream, and the gateway must resume from a freshly minted link — byte-exact (SHA-1) in every case.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <openssl/evp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <thread>

#include "support/digest.hpp"
#include "support/fake115.hpp"
#include "support/gateway.hpp"

using namespace dav115::test;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// A GET through a small receive window, pausing after `pause_after` body bytes for `pause`, so the
// gateway's upstream read stalls behind it. Returns the body (empty on a non-200 answer).
std::string slow_get(Gateway& gw, const std::string& path, std::size_t pause_after, std::chrono::milliseconds pause,
                     std::string& head_out) {
  const std::string base = gw.base_url();
  int port = std::stoi(base.substr(base.rfind(':') + 1));
  int fd = connect_loopback(port, 64 * 1024);
  REQUIRE(fd >= 0);
  timeval tv{30, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  auto auth = Gateway::auth()[0];
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth.first + ": " + auth.second +
                    "\r\nUser-Agent: slow-reader\r\nConnection: close\r\n\r\n";
  REQUIRE(::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size()));

  std::string raw;
  std::size_t header_end = std::string::npos, length = 0;
  bool paused = false;
  std::vector<char> buf(64 * 1024);
  const auto deadline = Clock::now() + std::chrono::seconds(90);
  while (Clock::now() < deadline) {
    auto n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n <= 0) break;
    raw.append(buf.data(), static_cast<std::size_t>(n));
    if (header_end == std::string::npos && (header_end = raw.find("\r\n\r\n")) != std::string::npos) {
      head_out = raw.substr(0, header_end);
      auto cl = upper(head_out).find("CONTENT-LENGTH:");
      if (cl != std::string::npos) length = std::stoull(head_out.substr(cl + 15));
      header_end += 4;
    }
    if (header_end == std::string::npos) continue;
    std::size_t body = raw.size() - header_end;
    if (!paused && body >= pause_after) {
      paused = true;
      std::this_thread::sleep_for(pause);  // the link's lifetime passes while we read nothing
    }
    if (length && body >= length) break;
  }
  ::close(fd);
  if (header_end == std::string::npos || head_out.rfind("HTTP/1.1 200", 0) != 0) return {};
  return raw.substr(header_end);
}

}  // namespace

TEST_CASE("a slow reader outlives the CDN link, the CDN cuts: resumed from a fresh link, byte-exact") {
  // Links live 3 s; the reader pauses 5 s with the download well under way.
  Fake115 emu({"--link-ttl", "3"});
  Gateway gw(emu, {{"delivery", {{"policy", "local_proxy"}, {"link_expiry_margin_s", 1}}},
                   {"limits", {{"write_timeout_s", 30}}}});
  const auto big = emu.entry("big/64m.bin");
  const std::string want = lower(big["sha1"].get<std::string>());

  // The first CDN download is cut after 16 MiB: by then the link it used has expired.
  emu.control({{"cdn_cut", {{"after_bytes", 16 * 1024 * 1024}, {"count", 1}}}});
  std::uint64_t since = emu.stats()["last_seq"];
  std::string head;
  auto body = slow_get(gw, "/big/64m.bin", 1024 * 1024, std::chrono::milliseconds(5000), head);
  INFO(head);
  REQUIRE(body.size() == big["size"].get<std::size_t>());
  CHECK(sha1_hex(body) == want);

  // The gateway asked 115 for another link after the cut (the old one was dead) and resumed with a Range.
  int downurls = 0, ranged_cdn = 0;
  for (const auto& c : emu.calls(since)) {
    if (c["path"] == "/open/ufile/downurl") ++downurls;
    if (c["path"] == "/cdn" && !c["range"].get<std::string>().empty()) ++ranged_cdn;
  }
  CHECK(downurls >= 2);
  CHECK(ranged_cdn >= 1);
  CHECK(emu.stats()["cdn_downloads"].get<int>() >= 2);

  // A cached link that expired between two requests is replaced too.
  std::this_thread::sleep_for(std::chrono::milliseconds(3500));
  auto small = dav(gw, "GET", "docs/readme.txt");
  REQUIRE(small.status == 200);
  CHECK(upper(sha1_hex(small.body)) == upper(emu.entry("docs/readme.txt")["sha1"].get<std::string>()));
  std::this_thread::sleep_for(std::chrono::milliseconds(3500));
  auto again = dav(gw, "GET", "docs/readme.txt");
  REQUIRE(again.status == 200);
  CHECK(again.body == small.body);

  // And repeated cuts on an expired link, at several offsets, still give the exact bytes.
  emu.control({{"cdn_cut", {{"after_bytes", 3 * 1024 * 1024}, {"count", 3}}}});
  auto cut_again = slow_get(gw, "/big/64m.bin", 512 * 1024, std::chrono::milliseconds(4000), head);
  REQUIRE(cut_again.size() == big["size"].get<std::size_t>());
  CHECK(sha1_hex(cut_again) == want);
  CHECK(http("GET", gw.base_url() + "/healthz").status == 200);
}
