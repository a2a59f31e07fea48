#include "dav115/delivery/handler.hpp"

#include <boost/url/parse.hpp>
#include <spdlog/spdlog.h>

#include <chrono>

#include "dav115/delivery/cdn_connection.hpp"
#include "dav115/serve/conditional.hpp"
#include "dav115/delivery/host_allowlist.hpp"
#include "dav115/delivery/html_index.hpp"
#include "dav115/serve/path_codec.hpp"
#include "dav115/delivery/link_cache.hpp"
#include "dav115/delivery/policy.hpp"
#include "dav115/delivery/proxy_body.hpp"
#include "dav115/delivery/range_header.hpp"
#include "dav115/serve/request_conditions.hpp"
#include "dav115/delivery/signed_url.hpp"
#include "dav115/util/labelled_counter.hpp"
#include "dav115/util/metrics.hpp"
#include "dav115/util/unicode.hpp"
#include "dav115/serve/content_types.hpp"
#include "dav115/serve/entity_tags.hpp"
#include "dav115/util/http_dates.hpp"
#include "dav115/serve/request_path.hpp"
#include "dav115/serve/upstream_error.hpp"

namespace dav115::delivery {

namespace asio = boost::asio;
using util::HttpRequest;
using util::HttpResponse;

namespace {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void count(std::string_view policy, std::string_view outcome) {
  static util::LabelledCounter responses("dav115_delivery_responses_total", "outcome", "policy");
  responses.add(outcome, policy);
}

std::string join_path(const std::vector<std::string>& segments) {
  std::string p;
  for (const auto& s : segments) p += "/" + s;
  return p.empty() ? "/" : p;
}

// The path of delivery.proxy_url ("https://h/dl/" -> "/dl"), or the default prefix.
std::string proxy_prefix_of(const std::string& proxy_url) {
  if (!proxy_url.empty()) {
    auto r = boost::urls::parse_uri(proxy_url);
    if (r) {
      std::string path(r->encoded_path());
      while (!path.empty() && path.back() == '/') path.pop_back();
      if (!path.empty()) return path;
    }
  }
  return std::string(kDefaultProxyPrefix);
}

}  // namespace

struct Handler::Impl {
  asio::any_io_executor ex;
  vfs::Tree& tree;
  const config::Config& cfg;
  PolicySelector selector;
  std::string proxy_prefix;
  LinkCache links;
  std::shared_ptr<LinkConnectionBudget> budget = std::make_shared<LinkConnectionBudget>();
  std::shared_ptr<CdnClient> cdn;

  Impl(asio::any_io_executor e, vfs::Tree& t, const config::Config& c, std::shared_ptr<store::MetadataIndexAsync> index)
      : ex(e),
        tree(t),
        cfg(c),
        selector(c.delivery),
        proxy_prefix(proxy_prefix_of(c.delivery.proxy_url)),
        links(c.delivery.link_expiry_margin, {}, std::move(index)) {
    CdnOptions o;
    o.verify_tls = c.cloud115.verify_tls;
    o.ca_file = c.cloud115.ca_file;
    cdn = std::make_shared<CdnClient>(o);
  }

  vfs::Deadline deadline() const { return std::chrono::steady_clock::now() + cfg.limits.client_deadline; }

  LinkCache::Mint minter(const vfs::Node& node, const std::string& ua) {
    return [this, node, ua]() -> asio::awaitable<vfs::DownloadLink> {
      auto minting = tree.download_link(node, ua, deadline());
      co_return co_await std::move(minting);
    };
  }

  void add_validators(HttpResponse& r, const vfs::Node& node) {
    r.set("ETag", serve::strong_etag(node));
    r.set("Last-Modified", util::format_http_date(node.mtime));
  }

  asio::awaitable<HttpResponse> collection(const HttpRequest& req, const vfs::Node& dir,
                                           const serve::RequestPath& path) {
    std::shared_ptr<const vfs::Listing> listing;
    try {
      listing = co_await tree.list(dir, deadline());
    } catch (const vfs::BackendError& e) {
      co_return serve::upstream_error_response(e);
    } catch (const vfs::NotFoundError&) {
      co_return util::text_response(404, "Not found");
    }
    std::string title = "/";
    for (const auto& s : path.segments) title += s + "/";
    std::string prefix = "./", parent = path.segments.empty() ? "" : "../";
    if (!path.trailing_slash && !path.segments.empty()) {  // relative links must stay inside this folder
      prefix = "./" + serve::encode_segment(path.segments.back()) + "/";
      parent = "./";
    }
    HttpResponse r;
    r.body = render_html_index(title, listing->entries, prefix, parent);
    r.set("Content-Type", "text/html; charset=utf-8");
    r.set("Cache-Control", "no-cache");
    r.set("X-Content-Type-Options", "nosniff");
    r.set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
    r.head_only = req.method == "HEAD";
    co_return r;
  }

  // Everything a file response needs before a policy is chosen: HEAD, preconditions, empty files.
  // Returns nullopt when the policy has to produce the response.
  std::optional<HttpResponse> answer_from_metadata(const HttpRequest& req, const vfs::Node& node) {
    serve::Validators v{serve::strong_etag(node), node.mtime};
    auto pre = serve::evaluate_preconditions(serve::conditions_from(req), v, true);
    HttpResponse r;
    add_validators(r, node);
    if (pre == serve::Precondition::NotModified) {
      r.status = 304;
      return r;
    }
    if (pre == serve::Precondition::Failed) {
      r.status = 412;
      return r;
    }
    r.set("Accept-Ranges", "bytes");
    r.set("Content-Type", std::string(serve::content_type_for(node.name)));
    if (req.method == "HEAD" || node.size == 0) {
      r.set("Content-Length", std::to_string(node.size));
      r.head_only = req.method == "HEAD";
      return r;
    }
    return std::nullopt;
  }

  asio::awaitable<HttpResponse> redirect(const HttpRequest& req, const vfs::Node& node) {
    std::string ua(req.header("User-Agent").value_or(""));
    vfs::DownloadLink link;
    std::optional<HttpResponse> failure;
    try {
      auto mint = minter(node, ua);  // named: GCC 12 mis-destroys temporaries passed to coroutines
      link = co_await links.get(node.id, ua, std::move(mint), deadline());
    } catch (const vfs::BackendError& e) {
      failure = serve::upstream_error_response(e);
    } catch (const vfs::NotFoundError&) {
      failure = util::text_response(404, "Not found");
    }
    if (failure) co_return std::move(*failure);
    if (!cdn_url_allowed(link.url, cfg.delivery.cdn_host_allowlist, cfg.delivery.allow_plain_http_cdn)) {
      spdlog::error("delivery: refusing to redirect to a link outside delivery.cdn_host_allowlist");
      co_return util::text_response(502, "The download link points outside the allowed CDN hosts");
    }
    HttpResponse r;
    r.status = 302;
    r.set("Location", link.url);
    r.set("Cache-Control", "no-store");
    r.set("Referrer-Policy", "no-referrer");
    r.set("Content-Length", "0");
    add_validators(r, node);
    co_return r;
  }

  HttpResponse redirect_to_proxy(const vfs::Node& node, const std::vector<std::string>& segments) {
    auto ttl = cfg.delivery.proxy_link_ttl.count();
    std::int64_t expiry = ttl > 0 ? unix_now() + ttl : 0;
    HttpResponse r;
    r.status = 302;
    r.set("Location", signed_proxy_url(cfg.delivery.proxy_url, join_path(segments), cfg.delivery.proxy_sign_key, expiry));
    r.set("Cache-Control", "no-store");
    r.set("Referrer-Policy", "no-referrer");
    r.set("Content-Length", "0");
    add_validators(r, node);
    return r;
  }

  asio::awaitable<HttpResponse> proxy_locally(const HttpRequest& req, const vfs::Node& node) {
    serve::Validators v{serve::strong_etag(node), node.mtime};
    ByteRange range{0, node.size - 1};
    bool partial = false;
    auto range_header = req.header("Range");
    if (range_header && serve::if_range_allows_partial(serve::conditions_from(req), v)) {
      auto parsed = parse_range(*range_header, node.size);
      if (parsed.kind == RangeRequest::Kind::Unsatisfiable) {
        HttpResponse r = util::text_response(416, "Range not satisfiable");
        r.set("Content-Range", unsatisfied_content_range(node.size));
        add_validators(r, node);
        co_return r;
      }
      // Multiple ranges get the whole body (200): simpler than multipart, and players never ask.
      if (parsed.kind == RangeRequest::Kind::Single) {
        range = parsed.range;
        partial = true;
      }
    }
    // The link is minted for the UA the gateway itself fetches with, and cached under that UA.
    const std::string& ua = cfg.cloud115.user_agent;
    LinkSource source;
    source.get = [this, node, ua](bool fresh) -> asio::awaitable<vfs::DownloadLink> {
      auto mint = minter(node, ua);  // named: GCC 12 mis-destroys temporaries passed to coroutines
      vfs::DownloadLink link;
      if (fresh) link = co_await links.refresh(node.id, ua, std::move(mint));
      else link = co_await links.get(node.id, ua, std::move(mint), deadline());
      co_return link;
    };
    source.invalidate = [this, id = node.id, ua](const vfs::DownloadLink& l) { links.invalidate(id, ua, l.url); };
    ProxyStreamSettings settings;
    settings.cdn_host_allowlist = cfg.delivery.cdn_host_allowlist;
    settings.allow_plain_http = cfg.delivery.allow_plain_http_cdn;
    settings.fallback_user_agent = ua;
    auto body = std::make_shared<ProxyBody>(cdn, budget, std::move(source), settings, node.size, range);
    std::optional<HttpResponse> failure;
    try {
      co_await body->start();
    } catch (const vfs::BackendError& e) {
      failure = serve::upstream_error_response(e);
    } catch (const vfs::NotFoundError&) {
      failure = util::text_response(404, "Not found");
    } catch (const DeliveryError& e) {
      spdlog::warn("delivery: cannot stream {}: {}", node.id, e.what());
      failure = util::text_response(e.status, e.status == 503 ? "The CDN is busy, try again" : "The CDN failed");
    }
    if (failure) co_return std::move(*failure);
    HttpResponse r;
    r.status = partial ? 206 : 200;
    r.set("Content-Type", std::string(serve::content_type_for(node.name)));
    r.set("Accept-Ranges", "bytes");
    r.set("Content-Length", std::to_string(range.length()));
    if (partial) r.set("Content-Range", content_range(range, node.size));
    add_validators(r, node);
    r.stream = std::move(body);
    co_return r;
  }

  asio::awaitable<HttpResponse> serve_file(const HttpRequest& req, const vfs::Node& node, Policy policy,
                                           const std::vector<std::string>& segments) {
    if (auto local = answer_from_metadata(req, node)) {
      count(policy_name(policy), "metadata");
      co_return std::move(*local);
    }
    if (policy == Policy::ProxyUrl && (cfg.delivery.proxy_url.empty() || cfg.delivery.proxy_sign_key.empty()))
      policy = Policy::LocalProxy;  // nothing to redirect to, or nothing to sign with
    count(policy_name(policy), "served");
    switch (policy) {
      case Policy::Redirect: co_return co_await redirect(req, node);
      case Policy::ProxyUrl: co_return redirect_to_proxy(node, segments);
      case Policy::LocalProxy: break;
    }
    co_return co_await proxy_locally(req, node);
  }

  asio::awaitable<std::optional<vfs::Node>> stat(const std::vector<std::string>& segments, HttpResponse& error) {
    try {
      auto node = co_await tree.stat(segments, deadline());
      if (!node) error = util::text_response(404, "Not found");
      co_return node;
    } catch (const vfs::BackendError& e) {
      error = serve::upstream_error_response(e);
    } catch (const vfs::NotFoundError&) {
      error = util::text_response(404, "Not found");
    }
    co_return std::nullopt;
  }
};

Handler::Handler(asio::any_io_executor ex, vfs::Tree& tree, const config::Config& cfg,
                 std::shared_ptr<store::MetadataIndexAsync> index)
    : impl_(std::make_shared<Impl>(std::move(ex), tree, cfg, std::move(index))) {}
Handler::~Handler() = default;

const std::string& Handler::proxy_prefix() const { return impl_->proxy_prefix; }

asio::awaitable<HttpResponse> Handler::handle(const HttpRequest& req) {
  if (req.method != "GET" && req.method != "HEAD") {
    auto r = util::text_response(405, "Method not allowed");
    r.set("Allow", "GET, HEAD");
    co_return r;
  }
  auto decoded = serve::decode_request_path(req.target, impl_->cfg.mount_path);
  if (!decoded.ok()) co_return util::text_response(decoded.status, decoded.reason);
  HttpResponse error;
  auto node = co_await impl_->stat(decoded.path.lookup_segments, error);
  if (!node) co_return error;
  if (node->is_dir) co_return co_await impl_->collection(req, *node, decoded.path);
  Policy policy = impl_->selector.select(req.header("User-Agent").value_or(""));
  co_return co_await impl_->serve_file(req, *node, policy, decoded.path.lookup_segments);
}

bool Handler::is_proxy_request(std::string_view target) const {
  const auto& p = impl_->proxy_prefix;
  return target.size() > p.size() && target.substr(0, p.size()) == p && target[p.size()] == '/';
}

asio::awaitable<HttpResponse> Handler::handle_proxy(const HttpRequest& req) {
  if (req.method != "GET" && req.method != "HEAD") {
    auto r = util::text_response(405, "Method not allowed");
    r.set("Allow", "GET, HEAD");
    co_return r;
  }
  if (!is_proxy_request(req.target) || impl_->cfg.delivery.proxy_sign_key.empty())
    co_return util::text_response(404, "Not found");
  auto parsed = boost::urls::parse_origin_form(std::string_view(req.target).substr(impl_->proxy_prefix.size()));
  if (!parsed) co_return util::text_response(400, "Malformed request target");
  std::vector<std::string> segments;
  for (auto seg : parsed->encoded_segments()) {
    std::string s = seg.decode();
    if (s.empty() || s == "." || s == ".." || s.find('/') != std::string::npos || s.find('\0') != std::string::npos ||
        !util::is_valid_utf8(s))
      co_return util::text_response(400, "Malformed path");
    segments.push_back(std::move(s));
  }
  std::string sign;
  auto it = parsed->params().find("sign");
  if (it != parsed->params().end()) sign = (*it).value;
  auto check = verify_path_signature(impl_->cfg.delivery.proxy_sign_key, join_path(segments), sign, unix_now());
  if (check != SignCheck::Valid) {
    count("proxy_url", "forbidden");
    co_return util::text_response(403, check == SignCheck::Expired ? "This link has expired" : "Invalid signature");
  }
  HttpResponse error;
  auto node = co_await impl_->stat(segments, error);
  if (!node) co_return error;
  if (node->is_dir) co_return util::text_response(404, "Not a file");
  co_return co_await impl_->serve_file(req, *node, Policy::LocalProxy, segments);
}

}  // namespace dav115::delivery
