// The admin page in a real browser: Debian's headless Chromium loads /admin/ from the real gateway
// (Basic credentials in the URL), under the page's own CSP, and the rendered DOM shows the token as
// valid. A screenshot is kept as an artifact (DAV115_ARTIFACTS_DIR/admin-page.png). Then the re-login:
// with the token revoked, an admin presses "Log in with 115" in Chromium (driven through DevTools),
// the QR code shows, the emulator confirms, and the gateway serves again without a restart
// (admin-login-qr.png, admin-login-done.png). Without chromium (scripts/setup.sh --test installs it)
// the tests say they skipped.
#include <catch2/catch.hpp>

#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>

#include <filesystem>
#include <regex>

#include "support/devtools.hpp"
#include "support/fake115.hpp"
#include "support/gateway.hpp"

using namespace dav115::test;
using nlohmann::json;

namespace {

// Where the screenshot goes: the build tree, so CI can pick it up with the test logs.
std::string artifacts_dir() {
#ifdef DAV115_ARTIFACTS_DIR
  std::string dir = DAV115_ARTIFACTS_DIR;
#else
  std::string dir = temp_dir("dav115-artifacts");
#endif
  std::filesystem::create_directories(dir);
  return dir;
}

// Headless Chromium with a throw-away profile; as root (CI containers) its sandbox cannot start.
std::vector<std::string> chromium(const std::string& profile, std::vector<std::string> args) {
  std::vector<std::string> argv{"chromium", "--headless", "--disable-gpu", "--no-first-run",
                                "--no-default-browser-check", "--disable-extensions", "--disable-dev-shm-usage",
                                "--user-data-dir=" + profile};
  if (::geteuid() == 0) argv.push_back("--no-sandbox");
  for (auto& a : args) argv.push_back(std::move(a));
  return argv;
}

// The config's users: the test user alone, an admin.
json admin_users() {
  return json::array({{{"name", Gateway::kUser}, {"password_hash", Gateway::password_hash(Gateway::kPassword)}, {"admin", true}}});
}

std::string element_text(const std::string& dom, const std::string& id) {
  std::smatch m;
  if (std::regex_search(dom, m, std::regex("id=\"" + id + "\"[^>]*>([^<]*)<"))) return m[1];
  return "(no " + id + ")";
}

}  // namespace

TEST_CASE("headless Chromium renders /admin/ and shows the token as valid") {
  if (!have_chromium()) {
    SUCCEED("skipped: chromium is not installed (scripts/setup.sh --test installs Debian's package)");
    return;
  }
  Fake115 emu;
  Gateway gw(emu, json{{"users", admin_users()}});
  // http://user:password@127.0.0.1:PORT/admin/: Chromium answers the Basic challenge from the URL.
  const std::string host = gw.base_url().substr(std::string("http://").size());
  const std::string url = "http://" + std::string(Gateway::kUser) + ":" + Gateway::kPassword + "@" + host + "/admin/";

  auto dom = run_command(chromium(temp_dir("dav115-chromium"), {"--dump-dom", url}), std::chrono::seconds(120));
  INFO("stderr: " << dom.err.substr(0, 2000) << "\nDOM:\n" << dom.out);
  REQUIRE(dom.exit_code == 0);
  CHECK(element_text(dom.out, "token-state") == "valid");
  CHECK(element_text(dom.out, "admin-user") == Gateway::kUser);
  CHECK(element_text(dom.out, "token-valid-until").find(" UTC (in ") != std::string::npos);
  CHECK(element_text(dom.out, "delivery-policy") == "redirect");

  const std::string shot = artifacts_dir() + "/admin-page.png";
  std::filesystem::remove(shot);
  auto taken = run_command(chromium(temp_dir("dav115-chromium"), {"--window-size=1000,1400", "--screenshot=" + shot, url}),
                           std::chrono::seconds(120));
  INFO("screenshot stderr: " << taken.err.substr(0, 2000));
  CHECK(taken.exit_code == 0);
  REQUIRE(std::filesystem::exists(shot));
  CHECK(std::filesystem::file_size(shot) > 10000);  // a rendered page, not a blank PNG
  // Nothing the page asked for was blocked by its own CSP (Chromium logs violations on stderr).
  CHECK(dom.err.find("Content Security Policy") == std::string::npos);
  CHECK(taken.err.find("Content Security Policy") == std::string::npos);
  WARN("screenshot kept at " << shot);
}

namespace {

// Writes a DevTools screenshot of the page (base64 PNG) to the artifacts directory; its size in bytes.
std::uintmax_t save_screenshot(DevTools& browser, const std::string& page, const std::string& name) {
  auto shot = browser.call("Page.captureScreenshot", {{"format", "png"}}, page);
  const std::string path = artifacts_dir() + "/" + name;
  const std::string b64 = shot["data"];
  std::string png(b64.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(png.data()),
                                reinterpret_cast<const unsigned char*>(b64.data()), static_cast<int>(b64.size()));
  REQUIRE(n >= 0);
  png.resize(static_cast<std::size_t>(n) - static_cast<std::size_t>(std::count(b64.end() - 2, b64.end(), '=')));
  write_text_file(path, png);
  WARN("screenshot kept at " << path);
  return std::filesystem::file_size(path);
}

std::string text_of(DevTools& browser, const std::string& page, const std::string& id) {
  auto v = browser.evaluate(page, "(document.getElementById('" + id + "') || {}).textContent || ''");
  return v.is_string() ? v.get<std::string>() : "";
}

}  // namespace

TEST_CASE("with the token revoked, an admin logs in again from /admin/ in Chromium; the gateway serves without a restart") {
  if (!have_chromium()) {
    SUCCEED("skipped: chromium is not installed (scripts/setup.sh --test installs Debian's package)");
    return;
  }
  Fake115 emu;
  Gateway gw(emu, json{{"users", admin_users()},
                       {"cloud115", {{"app_id", "100000001"}, {"qrcode_base", emu.base_url()}}}});
  REQUIRE(dav(gw, "PROPFIND", "/", {{"Depth", "0"}}).status == 207);

  // 115 revokes the authorization: the next listing finds out, and the gateway asks for a login.
  emu.control({{"revoke_refresh_token", true}});
  CHECK(dav(gw, "PROPFIND", "/docs/", {{"Depth", "1"}}).status == 503);
  auto health = http("GET", gw.base_url() + "/healthz");
  CHECK(health.status == 503);
  CHECK(health.body.find("reauth_required") != std::string::npos);
  const std::uint64_t dead_before = emu.stats()["dead_refresh_token_uses"];

  // QR codes stay "waiting" until the test says the user confirmed: nothing races the page's polling.
  emu.control({{"device_login", {{"script", json::array({"waiting"})}}}});
  DevTools browser({"--window-size=1000,1400"});
  const std::string page = browser.open_page();
  browser.call("Network.enable", json::object(), page);
  browser.call("Network.setExtraHTTPHeaders", {{"headers", {{"Authorization", Gateway::auth().front().second}}}}, page);
  browser.call("Page.navigate", {{"url", gw.base_url() + "/admin/"}}, page);
  REQUIRE(browser.wait_for(page, "document.readyState === 'complete' && !!document.getElementById('login-start')",
                           std::chrono::seconds(60)));
  CHECK(text_of(browser, page, "token-state") == "re-authorization required");

  browser.evaluate(page, "document.getElementById('login-start').click(), true");
  // The QR code: the server's SVG, decoded by the browser as an image (under the page's CSP).
  REQUIRE(browser.wait_for(page,
                           "(() => { const i = document.getElementById('qr-image');"
                           " return !document.getElementById('qr').hidden && i.complete && i.naturalWidth > 0; })()",
                           std::chrono::seconds(60)));
  CHECK(emu.stats()["device_logins_started"] == 1);
  CHECK(save_screenshot(browser, page, "admin-login-qr.png") > 10000);

  // The user scans and confirms: the page polls, the gateway exchanges the code and adopts the pair,
  // the page reloads and shows it.
  emu.control({{"device_login", {{"script", json::array({"scanned", "confirmed"})}, {"open_codes_too", true}}}});
  REQUIRE(browser.wait_for(page, "(document.getElementById('token-state') || {}).textContent === 'valid'",
                           std::chrono::seconds(60)));
  CHECK(text_of(browser, page, "token-origin").find("QR login") != std::string::npos);
  CHECK(save_screenshot(browser, page, "admin-login-done.png") > 10000);

  // Serving again, with no restart: the same process, the folder that failed before, health ok.
  CHECK(gw.process().running());
  CHECK(dav(gw, "PROPFIND", "/docs/", {{"Depth", "1"}}).status == 207);
  health = http("GET", gw.base_url() + "/healthz");
  CHECK(health.status == 200);
  const json stored = json::parse(read_text_file(gw.state_dir() + "/tokens.json"));
  CHECK(stored["refresh_token"] == emu.refresh_token());
  CHECK(emu.stats()["dead_refresh_token_uses"] == dead_before);
  CHECK(browser.stderr_text().find("Content Security Policy") == std::string::npos);
  for (const auto& e : browser.events()) CHECK(e.value("method", "") != "Runtime.exceptionThrown");
}
