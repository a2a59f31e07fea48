#pragma once
// The admin page /admin/ and its login endpoints. http::Server has already authenticated the
// request as a user with `admin: true` (anonymous 401, other users 403) before it gets here.
//   GET|HEAD /admin/            the page (figures from the StatusProvider)
//   GET|HEAD /admin             301 to /admin/
//   POST /admin/login/start     LoginProvider::start, as JSON {session, qr_svg, expires_at}
//   POST /admin/login/poll?session=ID   LoginProvider::poll, as JSON {state, message}
// Every POST needs the page's CSRF token in X-CSRF-Token (403 otherwise) and carries no body.
// No cookies are set; every answer forbids caching and framing.
#include <boost/asio/awaitable.hpp>

#include <memory>
#include <string_view>

#include "dav115/admin/csrf.hpp"
#include "dav115/admin/login.hpp"
#include "dav115/admin/status.hpp"
#include "dav115/util/http_types.hpp"

namespace dav115::admin {

class Handler {
 public:
  // `login` may be null: no login button, and the login endpoints answer 404.
  Handler(StatusProvider status, std::shared_ptr<LoginProvider> login = nullptr, CsrfTokens csrf = CsrfTokens());

  boost::asio::awaitable<util::HttpResponse> handle(const util::HttpRequest& req) const;

 private:
  boost::asio::awaitable<util::HttpResponse> page(const util::HttpRequest& req) const;
  boost::asio::awaitable<util::HttpResponse> login(const util::HttpRequest& req, std::string_view action) const;

  StatusProvider status_;
  std::shared_ptr<LoginProvider> login_;
  CsrfTokens csrf_;
};

}  // namespace dav115::admin
