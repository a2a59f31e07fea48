// The gateway's front door under real clients: a client that hangs up stops costing 115 calls, and
// behind a trusted reverse proxy each forwarded client is locked out (and logged) on its own.
#include <catch2/catch.hpp>

#include <openssl/evp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "support/fake115.hpp"
#include "support/gateway.hpp"

using namespace dav115::test;
using nlohmann::json;

namespace {

int port_of(const Gateway& gw) { return std::stoi(gw.base_url().substr(gw.base_url().rfind(':') + 1)); }

// An unlabelled series from the gateway's /metrics, or -1.
double gateway_metric(Gateway& gw, const std::string& name) {
  auto page = "\n" + http("GET", gw.base_url() + "/metrics").body;
  auto at = page.find("\n" + name + " ");
  return at == std::string::npos ? -1 : std::stod(page.substr(at + name.size() + 2));
}

std::size_t listing_calls_for(Fake115& emu, const std::string& cid, std::uint64_t since) {
  std::size_t n = 0;
  for (const auto& c : emu.calls(since))
    if (c["path"] == "/open/ufile/files" && c["fields"].value("cid", "") == cid) ++n;
  return n;
}

std::string base64(const std::string& text) {
  std::string out(4 * ((text.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string authorization_line() {
  for (const auto& [k, v] : Gateway::auth())
    if (k == "Authorization") return k + ": " + v + "\r\n";
  throw std::logic_error("no Authorization header");
}

}  // namespace

TEST_CASE("a client that hangs up while its PROPFIND waits for the rate governor costs no listing call") {
  Fake115 emu;
  // One 115 call per 10 s: a request arriving after the first one waits in the governor for seconds.
  Gateway gw(emu, {{"cloud115", {{"rate_limit", {{"qps", 0.1}, {"burst", 1}}}}}, {"limits", {{"client_deadline_s", 90}}}});
  REQUIRE(dav(gw, "PROPFIND", "/", {{"Depth", "1"}}, "", {std::chrono::seconds(90)}).status == 207);  // spends the token
  const std::string docs = emu.entry("docs")["id"], special = emu.entry("special chars")["id"];
  const std::uint64_t since = emu.stats()["last_seq"];

  int fd = connect_loopback(port_of(gw));
  REQUIRE(fd >= 0);
  const std::string req = "PROPFIND /docs/ HTTP/1.1\r\nHost: 127.0.0.1\r\nDepth: 1\r\n" + authorization_line() + "\r\n";
  REQUIRE(::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size()));
  ::close(fd);  // gone long before the governor's next slot

  // The gateway notices the departure and cancels the request (an event, polled with a bound).
  CHECK(wait_until([&] { return gateway_metric(gw, "dav115_http_requests_cancelled_total") >= 1; },
                   std::chrono::seconds(60)));
  // Another cold folder queues behind where the abandoned request was: once it is answered, the slot
  // the abandoned one would have used has come and gone.
  auto other = dav(gw, "PROPFIND", "/special%20chars/", {{"Depth", "1"}}, "", {std::chrono::seconds(90)});
  CHECK(other.status == 207);
  CHECK(listing_calls_for(emu, special, since) == 1);
  CHECK(listing_calls_for(emu, docs, since) == 0);
}

TEST_CASE("X-Forwarded-For names the client only when a trusted proxy sends it") {
  Fake115 emu;
  Gateway gw(emu, {{"auth", {{"max_failures", 2}}}, {"trusted_proxies", {"127.0.0.1"}}});
  gw.config()["access_log"] = gw.state_dir() + "/access.log";
  gw.stop();
  gw.write_config();
  gw.start();
  auto status = [&](const std::string& forwarded, const std::string& password) {
    HttpHeaders h{{"Authorization", "Basic " + base64(std::string(Gateway::kUser) + ":" + password)}, {"Depth", "0"}};
    if (!forwarded.empty()) h.emplace_back("X-Forwarded-For", forwarded);
    return http("PROPFIND", gw.dav_url(), h).status;
  };
  // Behind the trusted proxy (127.0.0.1): the typos of 198.51.100.1 lock out only that client.
  CHECK(status("198.51.100.1", "typo") == 401);
  CHECK(status("198.51.100.1", "typo") == 401);
  CHECK(status("198.51.100.1", Gateway::kPassword) == 429);
  CHECK(status("198.51.100.2", Gateway::kPassword) == 207);
  CHECK(status("", Gateway::kPassword) == 207);  // the proxy's own requests
  gw.stop();  // flushes the access log
  auto log = read_text_file(gw.state_dir() + "/access.log");
  CHECK(log.find("] 198.51.100.2 tester \"PROPFIND ") != std::string::npos);
  CHECK(log.find("] 198.51.100.1 - \"PROPFIND ") != std::string::npos);

  // Without trusted proxies the header is the client's own claim and changes nothing.
  gw.config()["trusted_proxies"] = json::array();
  gw.write_config();
  gw.start();
  CHECK(status("198.51.100.1", "typo") == 401);
  CHECK(status("198.51.100.7", "typo") == 401);
  CHECK(status("198.51.100.8", Gateway::kPassword) == 429);  // 127.0.0.1 itself is locked out
}

TEST_CASE("a client that hangs up during a token refresh does not cost the rotated token") {
  Fake115 emu;
  Gateway gw(emu);
  REQUIRE(dav(gw, "PROPFIND", "/", {{"Depth", "1"}}).status == 207);
  // 115 rotates the pair when it reads the refresh; its answer then takes 3 s to come back. A request
  // cancelled in that window must not take the refresh down with it: the old pair is already dead.
  emu.control({{"passport_latency_ms", 3000}});
  emu.control({{"expire_access_token", true}});
  const auto refreshes_before = emu.stats()["refresh_count"].get<std::uint64_t>();

  int fd = connect_loopback(port_of(gw));
  REQUIRE(fd >= 0);
  const std::string req = "PROPFIND /docs/ HTTP/1.1\r\nHost: 127.0.0.1\r\nDepth: 1\r\n" + authorization_line() + "\r\n";
  REQUIRE(::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size()));
  // Hang up once the emulator has taken the refresh (it rotated) and before its answer arrives.
  CHECK(wait_until([&] { return emu.stats()["refresh_count"].get<std::uint64_t>() > refreshes_before; },
                   std::chrono::seconds(60), std::chrono::milliseconds(5)));
  ::close(fd);
  CHECK(wait_until([&] { return gateway_metric(gw, "dav115_http_requests_cancelled_total") >= 1; },
                   std::chrono::seconds(60)));
  emu.control({{"passport_latency_ms", 0}});

  // The refresh finished for the gateway although its client left: the next request just works.
  auto after = dav(gw, "PROPFIND", "/docs/", {{"Depth", "1"}}, "", {std::chrono::seconds(60)});
  CHECK(after.status == 207);
  auto stats = emu.stats();
  CHECK(stats["dead_refresh_token_uses"] == 0);
  CHECK(stats["refresh_count"].get<std::uint64_t>() == refreshes_before + 1);
  CHECK(read_text_file(gw.state_dir() + "/tokens.json").find(emu.refresh_token()) != std::string::npos);
}
