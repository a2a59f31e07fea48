// admin::Handler with a stand-in status and login provider: the page's security headers, CSRF on
// every POST, and the login endpoints' JSON (the shape the page's script reads).
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "dav115/admin/handler.hpp"

using namespace dav115::admin;
using dav115::util::HttpRequest;
using dav115::util::HttpResponse;

namespace {

struct StubLogin : LoginProvider {
  int starts = 0;
  std::string polled;
  boost::asio::awaitable<LoginStart> start() override {
    ++starts;
    co_return LoginStart{"s-1", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>", 1796000000};
  }
  boost::asio::awaitable<LoginProgress> poll(std::string session) override {
    polled = session;
    co_return LoginProgress{LoginState::Scanned, "Scanned: confirm in the app."};
  }
};

StatusProvider fixed_status() {
  return []() -> boost::asio::awaitable<Status> {
    Status s;
    s.token.state = "valid";
    co_return s;
  };
}

HttpResponse ask(const Handler& h, std::string method, std::string target,
                 std::vector<std::pair<std::string, std::string>> headers = {}) {
  boost::asio::io_context ioc;
  HttpRequest req;
  req.method = std::move(method);
  req.target = std::move(target);
  req.user = "admin";
  req.headers = std::move(headers);
  auto fut = boost::asio::co_spawn(ioc, h.handle(req), boost::asio::use_future);
  ioc.run();
  return fut.get();
}

// The CSRF token the page carries in data-csrf="...".
std::string token_in(const std::string& html) {
  auto at = html.find("data-csrf=\"");
  REQUIRE(at != std::string::npos);
  at += 11;
  return html.substr(at, html.find('"', at) - at);
}

}  // namespace

TEST_CASE("the admin page comes with a nonce CSP, no caching, no framing and no cookie") {
  Handler h(fixed_status());
  auto r = ask(h, "GET", "/admin/");
  CHECK(r.status == 200);
  CHECK(r.header("Content-Type").value_or("") == "text/html; charset=utf-8");
  const std::string csp(r.header("Content-Security-Policy").value_or(""));
  CHECK(csp.find("default-src 'none'") != std::string::npos);
  CHECK(csp.find("script-src 'nonce-") != std::string::npos);
  CHECK(csp.find("frame-ancestors 'none'") != std::string::npos);
  const auto nonce = csp.substr(csp.find("'nonce-") + 7, 32);
  CHECK(r.body.find("<style nonce=\"" + nonce + "\">") != std::string::npos);
  CHECK(r.header("Cache-Control").value_or("") == "no-store");
  CHECK(r.header("X-Frame-Options").value_or("") == "DENY");
  CHECK_FALSE(r.header("Set-Cookie").has_value());
  // Another load, another nonce.
  auto again = ask(h, "GET", "/admin/");
  CHECK(std::string(again.header("Content-Security-Policy").value_or("")) != csp);

  CHECK(ask(h, "HEAD", "/admin/").head_only);
  auto moved = ask(h, "GET", "/admin");
  CHECK(moved.status == 301);
  CHECK(moved.header("Location").value_or("") == "/admin/");
  CHECK(ask(h, "GET", "/admin/nothing").status == 404);
  CHECK(ask(h, "DELETE", "/admin/").status == 405);
}

TEST_CASE("without a login provider there is no button and the login endpoints answer 404") {
  Handler h(fixed_status());
  auto page = ask(h, "GET", "/admin/");
  CHECK(page.body.find("login-start") == std::string::npos);
  auto token = token_in(page.body);
  CHECK(ask(h, "POST", "/admin/login/start", {{"X-CSRF-Token", token}}).status == 404);
  CHECK(ask(h, "POST", "/admin/login/start").status == 403);  // CSRF is checked first all the same
}

TEST_CASE("login POSTs need the page's CSRF token and a same-origin fetch") {
  auto login = std::make_shared<StubLogin>();
  Handler h(fixed_status(), login);
  auto page = ask(h, "GET", "/admin/");
  CHECK(page.body.find("<button id=\"login-start\"") != std::string::npos);
  const auto token = token_in(page.body);

  CHECK(ask(h, "POST", "/admin/login/start").status == 403);
  CHECK(ask(h, "POST", "/admin/login/start", {{"X-CSRF-Token", token + "0"}}).status == 403);
  CHECK(ask(h, "POST", "/admin/login/start", {{"X-CSRF-Token", token}, {"Sec-Fetch-Site", "cross-site"}}).status == 403);
  CHECK(ask(h, "GET", "/admin/login/start", {{"X-CSRF-Token", token}}).status == 405);
  CHECK(login->starts == 0);

  auto started = ask(h, "POST", "/admin/login/start", {{"X-CSRF-Token", token}, {"Sec-Fetch-Site", "same-origin"}});
  REQUIRE(started.status == 200);
  auto doc = nlohmann::json::parse(started.body);
  CHECK(doc["session"] == "s-1");
  CHECK(doc["expires_at"] == 1796000000);
  CHECK(doc["qr_svg"].get<std::string>().rfind("<svg", 0) == 0);
  CHECK(login->starts == 1);

  auto polled = ask(h, "POST", "/admin/login/poll?session=s-1", {{"X-CSRF-Token", token}});
  REQUIRE(polled.status == 200);
  doc = nlohmann::json::parse(polled.body);
  CHECK(doc["state"] == "scanned");
  CHECK(doc["message"] == "Scanned: confirm in the app.");
  CHECK(login->polled == "s-1");
}
