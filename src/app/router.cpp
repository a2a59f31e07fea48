#include "dav115/app/router.hpp"

namespace dav115::app {

// Kept equal to webdav::kAllowedMethods; not included from there so the router stays testable alone.
static constexpr const char* kAllow = "OPTIONS, GET, HEAD, PROPFIND";

Router::Router(Routes routes) : routes_(std::move(routes)) {}

bool Router::under_mount(std::string_view target, std::string_view mount_path) {
  std::string_view path = target.substr(0, target.find('?'));
  if (path.substr(0, mount_path.size()) == mount_path) return true;
  // The mount without its trailing slash ("/dav" for "/dav/") is the mount's root collection.
  return !mount_path.empty() && path == mount_path.substr(0, mount_path.size() - 1);
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
