#pragma once
// Which layer answers a request: signed download-proxy links go to the proxy endpoint, GET/HEAD under
// the mount go to delivery, OPTIONS (any path), PROPFIND and the write methods go to webdav, anything
// else is 405.
// /healthz and /metrics never get here: the http::Server answers them itself.
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string>
#include <string_view>

#include "dav115/util/http_types.hpp"

namespace dav115::app {

using Endpoint = std::function<boost::asio::awaitable<util::HttpResponse>(util::HttpRequest&)>;

struct Routes {
  std::string mount_path = "/";                             // normalised: begins and ends with '/'
  Endpoint webdav;                                          // webdav::Handler::handle
  std::function<bool(std::string_view method)> webdav_handles;  // webdav::Handler::handles
  Endpoint delivery;                                        // GET/HEAD under the mount; empty = 501
  // The signed download-proxy endpoint (delivery policy proxy_url): these targets carry their own
  // credential, skip Basic auth in the server, and only GET/HEAD are served there.
  std::function<bool(std::string_view target)> is_proxy;
  Endpoint proxy;
};

class Router {
 public:
  explicit Router(Routes routes);
  boost::asio::awaitable<util::HttpResponse> operator()(util::HttpRequest& req) const;

  // True when the raw target's path is the mount or below it ("/dav" counts for mount "/dav/").
  static bool under_mount(std::string_view target, std::string_view mount_path);

 private:
  Routes routes_;
};

}  // namespace dav115::app
