#pragma once
// GET/HEAD under the mount, and the signed download-proxy endpoint, under the three delivery policies:
//   redirect    — 302 to a CDN link minted for the client's own User-Agent;
//   local_proxy — the gateway fetches from the CDN and serves the bytes itself (Range, resume);
//   proxy_url   — 302 to <delivery.proxy_url><path>?sign=… (AList format), served by handle_proxy.
// HEAD, conditionals, 416 and 0-byte files are always answered from metadata, without a 115 call.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "dav115/config/config.hpp"
#include "dav115/util/http_types.hpp"
#include "dav115/vfs/tree.hpp"

namespace dav115::delivery {

// The proxy endpoint's path when delivery.proxy_url has none of its own.
inline constexpr std::string_view kDefaultProxyPrefix = "/_proxy";

class Handler {
 public:
  // `tree` and `cfg` must outlive the handler.
  // `index` (optional) keeps download links across restarts.
  Handler(boost::asio::any_io_executor ex, vfs::Tree& tree, const config::Config& cfg,
          std::shared_ptr<store::MetadataIndexAsync> index = nullptr);
  ~Handler();
  Handler(const Handler&) = delete;
  Handler& operator=(const Handler&) = delete;

  // GET/HEAD of a path under the mount (files and collections).
  boost::asio::awaitable<util::HttpResponse> handle(const util::HttpRequest& req);

  // True if `target` is under the proxy prefix (the path of delivery.proxy_url, else "/_proxy"):
  // the router sends those to handle_proxy without Basic auth, since the signature is the credential.
  bool is_proxy_request(std::string_view target) const;
  boost::asio::awaitable<util::HttpResponse> handle_proxy(const util::HttpRequest& req);

  const std::string& proxy_prefix() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace dav115::delivery
