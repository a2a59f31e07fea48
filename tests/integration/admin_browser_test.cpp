// The admin page in a real browser: Debian's headless Chromium loads /admin/ from the real gateway
// (Basic credentials in the URL), under the page's own CSP, and the rendered DOM shows the token as
// valid. A screenshot is kept as an artifact (DAV115_ARTIFACTS_DIR/admin-page.png). Without chromium
// (scripts/setup.sh --test installs it) the test says it skipped.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <regex>

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

std::string element_text(const std::string& dom, const std::string& id) {
  std::smatch m;
  if (std::regex_search(dom, m, std::regex("id=\"" + id + "\"[^>]*>([^<]*)<"))) return m[1];
  return "(no " + id + ")";
}

}  // namespace

TEST_CASE("headless Chromium renders /admin/ and shows the token as valid") {
  auto version = run_command({"chromium", "--version"}, std::chrono::seconds(60));
  if (version.exit_code != 0) {
    SUCCEED("skipped: chromium is not installed (scripts/setup.sh --test installs Debian's package)");
    return;
  }
  Fake115 emu;
  Gateway gw(emu, json{{"users",
                        {{{"name", Gateway::kUser},
                          {"password_hash", Gateway::password_hash(Gateway::kPassword)},
                          {"admin", true}}}}});
  // http://user:password@127.0.0.1:PORT/admin/: Chromium answers the Basic challenge from the URL.
  const std::string host = gw.base_url().substr(std::string("http://").size());
  const std::string url = "http://" + std::string(Gateway::kUser) + ":" + Gateway::kPassword + "@" + host + "/admin/";

  auto dom = run_command(chromium(temp_dir("dav115-chromium"), {"--dump-dom", url}), std::chrono::seconds(120));
  INFO(version.out << "stderr: " << dom.err.substr(0, 2000) << "\nDOM:\n" << dom.out);
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
