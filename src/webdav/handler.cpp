#include "dav115/webdav/handler.hpp"

#include <array>
#include <optional>
#include <spdlog/spdlog.h>

#include "dav115/webdav/depth_header.hpp"
#include "dav115/serve/path_codec.hpp"
#include "dav115/webdav/multistatus.hpp"
#include "dav115/webdav/propfind_body.hpp"
#include "dav115/webdav/propfind_request.hpp"
#include "dav115/serve/request_path.hpp"
#include "dav115/serve/upstream_error.hpp"

namespace dav115::webdav {
namespace {

// How long an allprop on the root waits for space figures it has never had (a first start).
constexpr auto kAllpropQuotaPatience = std::chrono::milliseconds(500);

constexpr std::array<std::string_view, 9> kWriteMethods{"PUT",  "DELETE",    "MKCOL", "COPY", "MOVE",
                                                        "POST", "PROPPATCH", "LOCK",  "UNLOCK"};

std::string normalise_mount_path(std::string_view p) {
  std::string out;
  if (p.empty() || p.front() != '/') out += '/';
  out += p;
  if (out.back() != '/') out += '/';
  return out;
}

std::string encode_mount_path(std::string_view mount_path) {
  std::string out = "/";
  std::size_t i = 1;
  while (i < mount_path.size()) {
    std::size_t j = mount_path.find('/', i);
    if (j == std::string_view::npos) j = mount_path.size();
    if (j > i) {
      serve::append_encoded_segment(out, mount_path.substr(i, j - i));
      out += '/';
    }
    i = j + 1;
  }
  return out;
}

util::HttpResponse infinite_depth_refused() {
  util::HttpResponse r;
  r.status = 403;
  r.body = R"(<?xml version="1.0" encoding="utf-8"?><D:error xmlns:D="DAV:"><D:propfind-finite-depth/></D:error>)";
  r.set("Content-Type", "application/xml; charset=utf-8");
  return r;
}

util::HttpResponse not_found() { return util::text_response(404, "Not Found"); }

bool may_show_dead_properties(const PropfindRequest& request) {
  if (request.mode != PropfindRequest::Mode::Prop) return true;
  for (const auto& p : request.props)
    if (!find_live_property(p)) return true;
  return false;
}

// RFC 4918 §11.2: the body is well-formed and understood, but this server will not carry it out.
util::HttpResponse too_many_properties(std::size_t asked, std::size_t limit) {
  return util::text_response(422, "this PROPFIND names " + std::to_string(asked) +
                                      " properties; dav115 answers at most " + std::to_string(limit) +
                                      " per request (limits.max_propfind_properties)");
}

}  // namespace

util::HttpResponse options_response(bool writable) {
  util::HttpResponse r;
  r.status = 200;
  r.set("DAV", writable ? "1, 2" : "1");
  r.set("MS-Author-Via", "DAV");
  r.set("Allow", std::string(writable ? kAllowedMethodsWritable : kAllowedMethods));
  return r;
}

util::HttpResponse method_not_allowed_response() {
  util::HttpResponse r = util::text_response(405, "dav115 is read-only: this method is not allowed");
  r.set("Allow", std::string(kAllowedMethods));
  return r;
}

Handler::Handler(vfs::Tree& tree, Options opts) : tree_(tree), opts_(std::move(opts)), locks_(opts_.locks) {
  if (opts_.properties) client_state_exists_ = opts_.properties->sync().has_any();
  opts_.mount_path = normalise_mount_path(opts_.mount_path);
  mount_href_ = encode_mount_path(opts_.mount_path);
  if (opts_.rendered_listing_bytes > 0) rendered_ = std::make_unique<RenderedListings>(opts_.rendered_listing_bytes);
}

bool Handler::handles(std::string_view method) {
  if (method == "OPTIONS" || method == "PROPFIND") return true;
  for (std::string_view m : kWriteMethods)
    if (method == m) return true;
  return false;
}

boost::asio::awaitable<util::HttpResponse> Handler::handle(const util::HttpRequest& req) {
  if (req.method == "OPTIONS") co_return options_response(!opts_.read_only);
  if (req.method == "PROPFIND") co_return co_await propfind(req);
  if (opts_.read_only) co_return method_not_allowed_response();
  if (auto refusal = refuse_write(req)) co_return std::move(*refusal);
  if (req.method == "PUT") co_return co_await put(req);
  if (req.method == "MKCOL") co_return co_await mkcol(req);
  if (req.method == "DELETE") co_return co_await remove(req);
  if (req.method == "COPY") co_return co_await copy_or_move(req, false);
  if (req.method == "MOVE") co_return co_await copy_or_move(req, true);
  if (req.method == "LOCK") co_return co_await lock(req);
  if (req.method == "UNLOCK") co_return co_await unlock(req);
  if (req.method == "PROPPATCH") co_return co_await proppatch(req);
  auto r = util::text_response(405, "method not allowed here");
  r.set("Allow", std::string(kAllowedMethodsWritable));
  co_return r;
}

std::optional<util::HttpResponse> Handler::refuse_write(const util::HttpRequest& req) const {
  if (req.user.empty()) {
    auto r = util::text_response(401, "writing needs a user name and password");
    r.set("WWW-Authenticate", "Basic realm=\"" + opts_.realm + "\", charset=\"UTF-8\"");
    return r;
  }
  if (opts_.may_write && !opts_.may_write(req.user))
    return util::text_response(403, "user " + req.user + " may read but not write (read_only)");
  return std::nullopt;
}

boost::asio::awaitable<util::HttpResponse> Handler::propfind(const util::HttpRequest& req) {
  serve::PathDecodeResult target = serve::decode_request_path(req.target, opts_.mount_path);
  if (!target.ok()) co_return util::text_response(target.status, target.reason);
  const serve::RequestPath& path = target.path;

  std::optional<Depth> depth = parse_depth(req.header("Depth"));
  if (!depth) co_return util::text_response(400, "Depth must be 0, 1 or infinity");

  std::shared_ptr<const PropfindRequest> parsed;
  try {
    parsed = propfind_memo_.parse(req.body);
  } catch (const PropfindParseError& e) {
    co_return util::text_response(400, std::string("bad PROPFIND body: ") + e.what());
  }
  const PropfindRequest& request = *parsed;
  if (request.props.size() > opts_.max_propfind_properties)
    co_return too_many_properties(request.props.size(), opts_.max_propfind_properties);

  const auto deadline = std::chrono::steady_clock::now() + opts_.client_deadline;
  const bool is_root = path.segments.empty();
  std::optional<vfs::Node> node;
  std::optional<vfs::Quota> quota;
  std::shared_ptr<const vfs::Listing> listing;
  // Upstream failures become 503 (never 404 or an empty 207); the response is built outside the
  // catch blocks because a coroutine cannot co_await inside one.
  std::optional<vfs::BackendError> upstream_failure;
  bool vanished = false;
  try {
    node = co_await tree_.stat(path.lookup_segments, deadline);
    if (node && node->is_dir && *depth == Depth::One) listing = co_await tree_.list(*node, deadline);
    if (node && is_root && asks_for_quota(request)) quota = co_await tree_.quota(deadline);
  } catch (const vfs::BackendError& e) {
    upstream_failure = e;
  } catch (const vfs::NotFoundError&) {
    vanished = true;
  }
  if (upstream_failure) co_return serve::upstream_error_response(*upstream_failure);
  // A trailing slash names a collection; on a file it names nothing.
  if (vanished || !node || (!node->is_dir && path.trailing_slash && !is_root)) co_return not_found();
  // Depth infinity on a file is the same as depth 0; on a folder it would walk the whole drive.
  if (*depth == Depth::Infinity && node->is_dir) co_return infinite_depth_refused();
  // Quota is a bonus in allprop (RFC 4331 does not even ask for it there): the figures known, or those a
  // quick 115 gives within a moment, never seconds of waiting on a slow one, so a root listing answered
  // from the cache or the index stays quick.
  if (is_root && request.mode == PropfindRequest::Mode::AllProp && !quota) {
    auto asking = tree_.quota_if_quick(kAllpropQuotaPatience);
    quota = co_await std::move(asking);
  }

  // The request's own href echoes the segments as the client sent them; children use 115's names.
  PropfindBody::Parts parts;
  parts.parent_href = mount_href_;
  if (!is_root) {
    for (std::size_t i = 0; i + 1 < path.segments.size(); ++i) {
      serve::append_encoded_segment(parts.parent_href, path.segments[i]);
      parts.parent_href += '/';
    }
    parts.self_segment = path.segments.back();
  }
  parts.self = std::move(*node);
  parts.self_is_root = is_root;
  parts.quota = quota;
  parts.listing = std::move(listing);

  // Dead properties cost a trip to the store: only when the request may show some (allprop, propname,
  // or a property this server does not compute), which the common clients' named-live requests never do.
  // Client state (dead properties, client-set times) costs one trip to the store, and none at all while
  // nobody ever set any. Dead properties only when the request may show some (allprop, propname, or a
  // property this server does not compute): the common clients' named-live requests never do.
  if (opts_.properties && client_state_exists_.load()) {
    const bool want_dead = may_show_dead_properties(request);
    std::vector<std::string> ids{parts.self.id};
    if (parts.listing)
      for (const auto& n : parts.listing->entries) ids.push_back(n.id);
    using DeadMap = std::unordered_map<std::string, std::vector<store::DeadProperty>>;
    using TimesMap = std::unordered_map<std::string, store::ClientTimes>;
    try {
      auto& sync = opts_.properties->sync();
      auto fetching = opts_.properties->run([&sync, ids = std::move(ids), want_dead] {
        std::pair<DeadMap, TimesMap> out;
        if (want_dead) out.first = sync.get_properties(ids);
        out.second = sync.get_times(ids);
        return out;
      });
      auto found = co_await std::move(fetching);
      if (want_dead) parts.dead = std::make_shared<const DeadMap>(std::move(found.first));
      if (!found.second.empty()) parts.times = std::make_shared<const TimesMap>(std::move(found.second));
    } catch (const std::exception& e) {
      spdlog::warn("PROPFIND: client-set properties unavailable: {}", e.what());
    }
  }

  if (parts.listing && rendered_) parts.rendered = rendered_->get(request, PropfindBody::children_href_of(parts), parts.listing);
  auto body = std::make_shared<PropfindBody>(request, std::move(parts));
  body->render(kBufferedBytes);
  util::HttpResponse r;
  r.status = 207;
  if (body->complete())
    r.body = body->take_all();
  else
    r.stream = std::move(body);  // chunked: the size is known only at the end
  r.set("Content-Type", "application/xml; charset=utf-8");
  co_return r;
}

}  // namespace dav115::webdav
