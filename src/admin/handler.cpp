#include "dav115/admin/handler.hpp"

#include <openssl/rand.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <exception>
#include <stdexcept>

#include "dav115/admin/page.hpp"
#include "dav115/util/text.hpp"

namespace dav115::admin {

namespace {

// Scripts and styles only from this response (nonce), pictures only inline (the QR code), fetches
// only to this origin, no forms, no framing, no <base> games.
std::string content_security_policy(const std::string& nonce) {
  return "default-src 'none'; script-src 'nonce-" + nonce + "'; style-src 'nonce-" + nonce +
         "'; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
}

void harden(util::HttpResponse& r) {
  r.set("Cache-Control", "no-store");
  r.set("X-Content-Type-Options", "nosniff");
  r.set("X-Frame-Options", "DENY");
  r.set("Referrer-Policy", "no-referrer");
}

util::HttpResponse plain(unsigned status, std::string text) {
  auto r = util::text_response(status, std::move(text));
  harden(r);
  r.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  return r;
}

util::HttpResponse json_response(const nlohmann::json& doc) {
  util::HttpResponse r;
  r.body = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.set("Content-Type", "application/json");
  harden(r);
  r.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  return r;
}

std::string nonce() {
  unsigned char raw[16];
  if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("no random bytes for the CSP nonce");
  return util::hex_encode(raw, sizeof raw, false);
}

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

// The value of `name` in the query, or "". Session ids are URL-safe, so no decoding is needed; a
// value with '%' is passed on as is and simply matches no session.
std::string query_value(std::string_view target, std::string_view name) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return "";
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto pair = rest.substr(0, amp);
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name && pair[name.size()] == '=')
      return std::string(pair.substr(name.size() + 1));
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  return "";
}

}  // namespace

const char* to_string(LoginState s) {
  switch (s) {
    case LoginState::Waiting: return "waiting";
    case LoginState::Scanned: return "scanned";
    case LoginState::Confirmed: return "confirmed";
    case LoginState::Expired: return "expired";
    case LoginState::Cancelled: return "cancelled";
    case LoginState::Failed: return "failed";
  }
  return "failed";
}

Handler::Handler(StatusProvider status, std::shared_ptr<LoginProvider> login, CsrfTokens csrf)
    : status_(std::move(status)), login_(std::move(login)), csrf_(std::move(csrf)) {}

boost::asio::awaitable<util::HttpResponse> Handler::handle(const util::HttpRequest& req) const {
  const auto path = path_of(req.target);
  const bool read = req.method == "GET" || req.method == "HEAD";
  if (path == "/admin") {
    if (!read) co_return plain(405, "Method Not Allowed");
    auto r = plain(301, "Moved to /admin/");
    r.set("Location", "/admin/");
    co_return r;
  }
  if (path == "/admin/") {
    if (!read) {
      auto r = plain(405, "Method Not Allowed");
      r.set("Allow", "GET, HEAD");
      co_return r;
    }
    auto answering = page(req);
    auto r = co_await std::move(answering);
    r.head_only = req.method == "HEAD";
    co_return r;
  }
  const std::string_view action = path == "/admin/login/start" ? "start" : path == "/admin/login/poll" ? "poll" : "";
  if (!action.empty()) {
    if (req.method != "POST") {
      auto r = plain(405, "Method Not Allowed");
      r.set("Allow", "POST");
      co_return r;
    }
    auto answering = login(req, action);
    co_return co_await std::move(answering);
  }
  co_return plain(404, "Not Found");
}

boost::asio::awaitable<util::HttpResponse> Handler::page(const util::HttpRequest& req) const {
  auto gathering = status_();
  Status s = co_await std::move(gathering);
  PageContext ctx{req.user, csrf_.issue(req.user), nonce(), login_ != nullptr};
  util::HttpResponse r;
  r.body = render_page(s, ctx);
  r.set("Content-Type", "text/html; charset=utf-8");
  harden(r);
  r.set("Content-Security-Policy", content_security_policy(ctx.nonce));
  co_return r;
}

boost::asio::awaitable<util::HttpResponse> Handler::login(const util::HttpRequest& req, std::string_view action) const {
  // A browser says where a request comes from; anything but this origin is a forgery whatever it carries.
  if (auto site = req.header("Sec-Fetch-Site"); site && *site != "same-origin")
    co_return plain(403, "Cross-site request refused.");
  auto token = req.header("X-CSRF-Token");
  if (!token || !csrf_.check(req.user, *token))
    co_return plain(403, "Missing or stale CSRF token: reload the admin page.");
  if (!login_) co_return plain(404, "Logging in from this page is not available in this build.");

  std::string failure;
  try {
    if (action == "start") {
      auto starting = login_->start();
      LoginStart s = co_await std::move(starting);
      co_return json_response({{"session", s.session}, {"qr_svg", s.qr_svg}, {"expires_at", s.expires_at}});
    }
    auto polling = login_->poll(query_value(req.target, "session"));
    LoginProgress p = co_await std::move(polling);
    co_return json_response({{"state", to_string(p.state)}, {"message", p.message}});
  } catch (const std::exception& e) {
    failure = e.what();
  }
  spdlog::warn("admin: login {} failed: {}", action, failure);
  co_return plain(502, failure);
}

}  // namespace dav115::admin
