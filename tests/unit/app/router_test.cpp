// Router dispatch with stand-in endpoints: which layer gets which method and path.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>

#include "dav115/app/router.hpp"

using dav115::app::Router;
using dav115::app::Routes;
using dav115::util::HttpRequest;
using dav115::util::HttpResponse;

namespace {

// Endpoints that answer with a marker so the test sees who handled the request.
Routes fake_routes(std::string mount, bool with_delivery) {
  Routes r;
  r.mount_path = std::move(mount);
  r.webdav = [](HttpRequest&) -> boost::asio::awaitable<HttpResponse> {
    co_return dav115::util::text_response(207, "webdav");
  };
  r.webdav_handles = [](std::string_view m) {
    return m == "OPTIONS" || m == "PROPFIND" || m == "PUT" || m == "DELETE" || m == "MKCOL";
  };
  if (with_delivery)
    r.delivery = [](HttpRequest&) -> boost::asio::awaitable<HttpResponse> {
      co_return dav115::util::text_response(200, "delivery");
    };
  return r;
}

HttpResponse dispatch(const Router& router, std::string method, std::string target) {
  boost::asio::io_context ioc;
  HttpRequest req;
  req.method = std::move(method);
  req.target = std::move(target);
  auto fut = boost::asio::co_spawn(ioc, router(req), boost::asio::use_future);
  ioc.run();
  return fut.get();
}

}  // namespace

TEST_CASE("OPTIONS goes to webdav on any path, inside or outside the mount") {
  Router router(fake_routes("/dav/", false));
  CHECK(dispatch(router, "OPTIONS", "/").body == "webdav\n");
  CHECK(dispatch(router, "OPTIONS", "/elsewhere/x").body == "webdav\n");
  CHECK(dispatch(router, "OPTIONS", "/dav/a").body == "webdav\n");
}

TEST_CASE("methods webdav handles go to webdav") {
  Router router(fake_routes("/", false));
  CHECK(dispatch(router, "PROPFIND", "/a/b").status == 207);
  CHECK(dispatch(router, "PUT", "/a").status == 207);  // webdav answers 405 for writes itself
}

TEST_CASE("unknown methods get 405 with Allow") {
  Router router(fake_routes("/", false));
  for (const char* m : {"PATCH", "TRACE", "BREW", "CONNECT"}) {
    auto r = dispatch(router, m, "/a");
    CHECK(r.status == 405);
    REQUIRE(r.header("Allow"));
    CHECK(std::string(*r.header("Allow")).find("PROPFIND") != std::string::npos);
  }
}

TEST_CASE("GET/HEAD under the mount answer 501 until delivery exists") {
  Router router(fake_routes("/dav/", false));
  auto get = dispatch(router, "GET", "/dav/file.txt");
  CHECK(get.status == 501);
  CHECK(get.body.find("not built yet") != std::string::npos);
  auto head = dispatch(router, "HEAD", "/dav/file.txt?x=1");
  CHECK(head.status == 501);
  CHECK(head.head_only);
  CHECK(dispatch(router, "GET", "/dav").status == 501);  // the mount without its slash
  CHECK(dispatch(router, "GET", "/other/file").status == 404);
  CHECK(dispatch(router, "GET", "/davx").status == 404);
}

TEST_CASE("GET/HEAD under the mount go to delivery once plugged in") {
  Router router(fake_routes("/", true));
  auto r = dispatch(router, "GET", "/a/b.mkv");
  CHECK(r.status == 200);
  CHECK(r.body == "delivery\n");
  CHECK(dispatch(router, "HEAD", "/a").head_only);
}

TEST_CASE("under_mount compares the path, not the query") {
  CHECK(Router::under_mount("/dav/x", "/dav/"));
  CHECK(Router::under_mount("/dav", "/dav/"));
  CHECK(Router::under_mount("/dav?a=/dav/", "/dav/"));
  CHECK_FALSE(Router::under_mount("/x?p=/dav/", "/dav/"));
  CHECK(Router::under_mount("/anything", "/"));
}

TEST_CASE("signed proxy links go to the proxy endpoint, even under the mount; only GET/HEAD") {
  Routes routes = fake_routes("/", true);
  routes.is_proxy = [](std::string_view t) { return t.rfind("/_proxy/", 0) == 0; };
  routes.proxy = [](HttpRequest&) -> boost::asio::awaitable<HttpResponse> {
    co_return dav115::util::text_response(200, "proxy");
  };
  Router router(routes);
  CHECK(dispatch(router, "GET", "/_proxy/a.mkv?sign=x:0").body == "proxy\n");
  auto head = dispatch(router, "HEAD", "/_proxy/a.mkv?sign=x:0");
  CHECK(head.body == "proxy\n");
  CHECK(head.head_only);
  auto put = dispatch(router, "PUT", "/_proxy/a.mkv");
  CHECK(put.status == 405);
  CHECK(put.header("Allow") == "GET, HEAD");
  CHECK(dispatch(router, "GET", "/other.mkv").body == "delivery\n");
}

TEST_CASE("under_mount decodes the target like the handlers do") {
  // PROPFIND hrefs under a non-ASCII, spaced mount come back percent-encoded.
  CHECK(Router::under_mount("/115%E7%BD%91%E7%9B%98%20x/a.mkv", "/115网盘 x/"));
  CHECK(Router::under_mount("/115%E7%BD%91%E7%9B%98%20x", "/115网盘 x/"));
  CHECK_FALSE(Router::under_mount("/115%E7%BD%91%E7%9B%98/a.mkv", "/115网盘 x/"));
  // Absolute-form request lines (RFC 9112 §3.2.2) name the same resources.
  CHECK(Router::under_mount("http://example.test/a.mkv", "/"));
  CHECK(Router::under_mount("http://example.test:8080/dav/a.mkv", "/dav/"));
  CHECK_FALSE(Router::under_mount("http://example.test/x/a.mkv", "/dav/"));
  // A malformed target is the handler's to refuse with 400, not the router's to call missing.
  CHECK(Router::under_mount("/dav/%zz", "/dav/"));
}
