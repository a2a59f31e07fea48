#include "dav115/app/router.hpp"

#include "dav115/serve/request_path.hpp"

namespace dav115::app {

// Kept equal to webdav::kAllowedMethods; not included from there so the router stays testable alone.
static constexpr const char* kAllow = "OPTIONS, GET, HEAD, PROPFIND";

Router::Router(Routes routes) : routes_(std::move(routes)) {}

bool Router::under_mount(std::string_view target, std::string_view mount_path) {
  // The same decoder the handlers use, so an encoded or absolute-form target that a handler would
  // serve is routed to it; a malformed one goes on too and gets the handler's 400.
  return serve::decode_request_path(target, mount_path).status != 404;
}

boost::asio::awaitable<util::HttpResponse> Router::operator()(util::HttpRequest& req) const {
  const bool get_or_head = req.method == "GET" || req.method == "HEAD";
  // Checked first: the proxy prefix may lie under the mount, and its requests are unauthenticated.
  if (routes_.is_proxy && routes_.proxy && routes_.is_proxy(req.target) && req.method != "OPTIONS") {
    if (!get_or_head) {
      auto r = util::text_response(405, "Method Not Allowed");
      r.set("Allow", "GET, HEAD");
      co_return r;
    }
    auto r = co_await routes_.proxy(req);
    if (req.method == "HEAD") r.head_only = true;
    co_return r;
  }
  if (get_or_head) {
    util::HttpResponse r;
    if (!under_mount(req.target, routes_.mount_path)) r = util::text_response(404, "Not Found");
    else if (routes_.delivery) r = co_await routes_.delivery(req);
    else r = util::text_response(501, "GET/HEAD delivery is not built yet");
    if (req.method == "HEAD") r.head_only = true;
    co_return r;
  }
  // OPTIONS is answered on every path (Windows probes "/" whatever the mount), so webdav gets it too.
  if (req.method == "OPTIONS" || (routes_.webdav_handles && routes_.webdav_handles(req.method))) {
    if (routes_.webdav) co_return co_await routes_.webdav(req);
  }
  auto r = util::text_response(405, "Method Not Allowed");
  r.set("Allow", kAllow);
  co_return r;
}

}  // namespace dav115::app
