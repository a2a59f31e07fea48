// What a request gets once it is read: /healthz and /metrics, the admin page (admins only), then
// authentication, then the handler.
#include <boost/asio/this_coro.hpp>
#include <spdlog/spdlog.h>

#include <exception>
#include <optional>

#include "dav115/util/metrics.hpp"
#include "request_checks.hpp"
#include "server_impl.hpp"

namespace dav115::http::detail {
namespace {

util::HttpResponse health_response(Server::Impl& impl, bool head) {
  std::pair<bool, std::string> h{false, "{\"status\":\"unknown\"}"};
  try {
    if (impl.health) h = impl.health();
  } catch (const std::exception& e) {
    spdlog::warn("health provider failed: {}", e.what());
  }
  util::HttpResponse r;
  r.status = h.first ? 200 : 503;
  r.body = std::move(h.second);
  r.set("Content-Type", "application/json");
  r.set("Cache-Control", "no-store");
  r.head_only = head;
  return r;
}

util::HttpResponse metrics_response() {
  util::HttpResponse r;
  r.body = util::Metrics::global().render_prometheus();
  r.set("Content-Type", "text/plain; version=0.0.4");
  r.set("Cache-Control", "no-store");
  return r;
}

}  // namespace

namespace {

// Checks the Basic credentials and sets req.user; the answer to send instead when they do not pass.
boost::asio::awaitable<std::optional<util::HttpResponse>> authenticate(Server::Impl& impl, util::HttpRequest& req) {
  std::optional<std::string> authorization;
  if (auto h = req.header("Authorization")) authorization.emplace(*h);
  auto checking = impl.auth.check(std::move(authorization), req.client_address);
  auto result = co_await std::move(checking);
  if (result.outcome == Authenticator::Outcome::LockedOut) {
    auto r = util::text_response(429, "Too many failed logins; try again later.");
    r.set("Retry-After", std::to_string(result.retry_after.count()));
    co_return r;
  }
  if (result.outcome != Authenticator::Outcome::Ok) {
    auto r = util::text_response(401, "Authentication required.");
    r.set("WWW-Authenticate", impl.auth.challenge());
    co_return r;
  }
  req.user = std::move(result.user);
  co_return std::nullopt;
}

bool is_admin_path(std::string_view path) { return path == "/admin" || path.rfind("/admin/", 0) == 0; }

bool is_admin_user(const config::Config& cfg, std::string_view name) {
  for (const auto& u : cfg.users)
    if (u.name == name) return u.admin;
  return false;
}

boost::asio::awaitable<util::HttpResponse> answer(Server::Impl& impl, util::HttpRequest& req) {
  auto path = target_path(req.target);
  if (path == "/healthz" && (req.method == "GET" || req.method == "HEAD"))
    co_return health_response(impl, req.method == "HEAD");
  if (path == "/metrics" && req.method == "GET") co_return metrics_response();

  // The admin page shows the upstream's state and can replace its token: always a named admin,
  // whatever allow_anonymous says.
  if (impl.admin && is_admin_path(path)) {
    auto checking = authenticate(impl, req);
    auto refusal = co_await std::move(checking);
    if (refusal) co_return std::move(*refusal);
    if (!is_admin_user(impl.cfg, req.user)) co_return util::text_response(403, "The admin page is for admin users only.");
    auto handling = impl.admin(req);
    co_return co_await std::move(handling);
  }

  // Windows' WebClient preflights OPTIONS without credentials and gives up if challenged.
  const bool self_authenticating = impl.is_public && impl.is_public(req.target);
  // With anonymous access on, credentials that are sent are still checked: they are what lets a user
  // write (anonymous users only read).
  const bool sent_credentials = req.header("Authorization").has_value();
  if (req.method != "OPTIONS" && !self_authenticating && (!impl.cfg.allow_anonymous || sent_credentials)) {
    auto checking = authenticate(impl, req);
    auto refusal = co_await std::move(checking);
    if (refusal) co_return std::move(*refusal);
  }
  auto handling = impl.handler(req);
  co_return co_await std::move(handling);
}

}  // namespace

boost::asio::awaitable<util::HttpResponse> route(Server::Impl& impl, util::HttpRequest& req) {
  std::exception_ptr error;
  try {
    auto answering = answer(impl, req);
    co_return co_await std::move(answering);
  } catch (...) {
    error = std::current_exception();
  }
  // Cancelled because the client left: let the session see it (nothing is answered, nothing to log as
  // a failure). A coroutine cannot co_await inside a catch block, hence the exception_ptr.
  auto cancellation = co_await boost::asio::this_coro::cancellation_state;
  if (cancellation.cancelled() != boost::asio::cancellation_type::none) std::rethrow_exception(error);
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    spdlog::error("handler failed for {} {}: {}", req.method, redact_target(req.target), e.what());
  } catch (...) {
    spdlog::error("handler failed for {} {}: unknown exception", req.method, redact_target(req.target));
  }
  co_return util::text_response(500, "Internal server error.");
}

}  // namespace dav115::http::detail
