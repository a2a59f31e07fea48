// The admin page /admin/ on the real binaries: who may open it (admins 200, other users 403, anonymous
// 401 even with allow_anonymous on), the figures it shows, and its state after 115 revokes the token.
#include <catch2/catch.hpp>

#include <boost/beast/core/detail/base64.hpp>

#include "support/fake115.hpp"
#include "support/gateway.hpp"

using namespace dav115::test;
using nlohmann::json;

namespace {

constexpr const char* kViewer = "viewer";
constexpr const char* kViewerPassword = "viewer-pass";

HttpHeaders basic(const std::string& user, const std::string& password) {
  const std::string cred = user + ":" + password;
  std::string b64(boost::beast::detail::base64::encoded_size(cred.size()), '\0');
  b64.resize(boost::beast::detail::base64::encode(b64.data(), cred.data(), cred.size()));
  return {{"Authorization", "Basic " + b64}};
}

// The test user is the admin; `viewer` is an ordinary user; anonymous reading is on.
json admin_config() {
  return {{"allow_anonymous", true},
          {"users",
           {{{"name", Gateway::kUser}, {"password_hash", Gateway::password_hash(Gateway::kPassword)}, {"admin", true}},
            {{"name", kViewer}, {"password_hash", Gateway::password_hash(kViewerPassword)}}}}};
}

// The text of the element with this id (the page's figures are table cells with stable ids).
std::string cell(const std::string& html, const std::string& id) {
  auto at = html.find("id=\"" + id + "\"");
  if (at == std::string::npos) return "(no " + id + ")";
  at = html.find('>', at) + 1;
  return html.substr(at, html.find('<', at) - at);
}

}  // namespace

TEST_CASE("/admin/: admins see the figures, other users get 403, anonymous 401 with a challenge") {
  Fake115 emu;
  Gateway gw(emu, admin_config());
  // Something to count: one listing (a 115 call, a cache miss) and its repeat (a hit).
  REQUIRE(dav(gw, "PROPFIND", "/", {{"Depth", "1"}}).status == 207);
  REQUIRE(dav(gw, "PROPFIND", "/", {{"Depth", "1"}}).status == 207);
  const std::string url = gw.base_url() + "/admin/";

  auto anonymous = http("GET", url);
  CHECK(anonymous.status == 401);
  CHECK(anonymous.header("WWW-Authenticate").rfind("Basic realm=", 0) == 0);
  CHECK(http("GET", url, basic(Gateway::kUser, "wrong")).status == 401);
  auto viewer = http("GET", url, basic(kViewer, kViewerPassword));
  CHECK(viewer.status == 403);
  CHECK(viewer.body.find("token") == std::string::npos);  // nothing of the page
  CHECK(http("POST", gw.base_url() + "/admin/login/start", basic(kViewer, kViewerPassword)).status == 403);

  auto page = http("GET", url, Gateway::auth());
  INFO(page.body);
  REQUIRE(page.status == 200);
  CHECK(page.header("Content-Type") == "text/html; charset=utf-8");
  CHECK(page.header("Content-Security-Policy").find("default-src 'none'") != std::string::npos);
  CHECK_FALSE(page.has_header("Set-Cookie"));
  CHECK(cell(page.body, "token-state") == "valid");
  CHECK(cell(page.body, "token-valid-until").find(" UTC (in ") != std::string::npos);
  CHECK(cell(page.body, "token-origin").find("config") != std::string::npos);
  CHECK(cell(page.body, "token-saved") == "yes");
  CHECK(std::stoi(cell(page.body, "upstream-calls-today")) >= 1);
  CHECK(std::stoi(cell(page.body, "upstream-calls-total")) >= 1);
  CHECK(cell(page.body, "upstream-cooldown") == "none");
  CHECK(cell(page.body, "cache-folders") != "0");
  CHECK(cell(page.body, "cache-hits").rfind("0 /", 0) != 0);  // the second PROPFIND was a hit
  CHECK(cell(page.body, "index-folders").find_first_not_of("0123456789") == std::string::npos);
  CHECK(cell(page.body, "delivery-policy") == "redirect");
  CHECK(page.body.find("Microsoft-WebDAV-MiniRedir") != std::string::npos);  // the default rules
  CHECK(page.body.find("login-start") == std::string::npos);  // no login provider in this build yet
  // Form posts are refused without the page's token (and there is no body to smuggle one in).
  CHECK(http("POST", gw.base_url() + "/admin/login/start", Gateway::auth()).status == 403);

  // After 115 revokes the token, the page says so.
  emu.control({{"expire_access_token", true}, {"revoke_refresh_token", true}});
  CHECK(dav(gw, "PROPFIND", "/docs/", {{"Depth", "1"}}).status == 503);
  page = http("GET", url, Gateway::auth());
  REQUIRE(page.status == 200);
  CHECK(cell(page.body, "token-state") == "re-authorization required");
  CHECK(cell(page.body, "upstream-last-error") != "none");
}

TEST_CASE("with no admin user there is no admin page: /admin/ is a path of the drive") {
  Fake115 emu;
  Gateway gw(emu);
  auto r = http("GET", gw.base_url() + "/admin/", Gateway::auth());
  CHECK(r.status == 404);  // the fixture tree has no /admin folder
  CHECK(r.body.find("token-state") == std::string::npos);
}
