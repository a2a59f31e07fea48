// render_page: the figures appear under stable ids, outside text is escaped, and the login block and
// script are there only with a login provider.
#include <catch2/catch.hpp>

#include "dav115/admin/page.hpp"

using namespace dav115::admin;

namespace {

Status sample_status() {
  Status s;
  s.version = "0.1";
  s.now = 1796000000;
  s.token = {"valid", 1796003600, 1795999000, "the config's refresh token", 2, ""};
  s.upstream.last_error = "115 said <script>alert(1)</script>";
  s.upstream.calls_today = 42;
  s.upstream.calls_total = 99;
  s.upstream.qps = 1.5;
  s.upstream.burst = 3;
  s.cache.folders_cached = 7;
  s.index.enabled = true;
  s.index.entries = 1234;
  s.delivery.policy = "redirect";
  s.delivery.rules = {{"Microsoft-WebDAV-MiniRedir|DavClnt", "local_proxy"}};
  return s;
}

bool page_has(const std::string& html, const std::string& part) { return html.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("the admin page shows every figure, escaped") {
  const auto html = render_page(sample_status(), PageContext{"ad<min", "tok", "n0nce", false});
  CHECK(page_has(html, "<td id=\"token-state\" class=\"ok\">valid</td>"));
  CHECK(page_has(html, "id=\"token-valid-until\">2026-11-30 01:53:20 UTC (in 1 h 0 min)</td>"));
  CHECK(page_has(html, "id=\"token-last-refresh\">2026-11-30 00:36:40 UTC (16 min ago)</td>"));
  CHECK(page_has(html, "id=\"token-origin\">the config&#39;s refresh token</td>"));
  CHECK(page_has(html, "id=\"upstream-calls-today\">42</td>"));
  CHECK(page_has(html, "id=\"upstream-calls-total\">99</td>"));
  CHECK(page_has(html, "id=\"upstream-last-error\">115 said &lt;script&gt;alert(1)&lt;/script&gt;</td>"));
  CHECK(page_has(html, "id=\"upstream-rate\">1.5 calls/s, burst 3</td>"));
  CHECK(page_has(html, "id=\"cache-folders\">7</td>"));
  CHECK(page_has(html, "id=\"index-entries\">1234</td>"));
  CHECK(page_has(html, "id=\"delivery-policy\">redirect</td>"));
  CHECK(page_has(html, "<code>Microsoft-WebDAV-MiniRedir|DavClnt</code></td><td>local_proxy</td>"));
  CHECK(page_has(html, "<b id=\"admin-user\">ad&lt;min</b>"));
  CHECK(page_has(html, "<style nonce=\"n0nce\">"));
  CHECK_FALSE(page_has(html, "<script"));  // no login provider: no script at all
  CHECK_FALSE(page_has(html, "login-start"));
  CHECK_FALSE(page_has(html, "http://"));
  CHECK_FALSE(page_has(html, "https://"));  // no external asset
}

TEST_CASE("with a login provider the page has the button, the CSRF token and a nonce'd script") {
  auto s = sample_status();
  s.token.state = "reauth_required";
  const auto html = render_page(s, PageContext{"admin", "123.abc.def", "n0nce", true});
  CHECK(page_has(html, "<td id=\"token-state\" class=\"bad\">re-authorization required</td>"));
  CHECK(page_has(html, "id=\"token-valid-until\">no longer accepted by 115</td>"));  // not a stale date
  CHECK(page_has(html, "<button id=\"login-start\""));
  CHECK(page_has(html, "115 no longer accepts the token"));
  CHECK(page_has(html, "data-csrf=\"123.abc.def\""));
  CHECK(page_has(html, "<script nonce=\"n0nce\">"));
}

TEST_CASE("missing figures read as words, not as 1970") {
  auto s = sample_status();
  s.token.access_expires_at = 0;
  s.token.last_refresh_at = 0;
  s.index.error = "database disk image is malformed";
  const auto html = render_page(s, PageContext{"admin", "t", "n", false});
  CHECK(page_has(html, "id=\"token-valid-until\">unknown</td>"));
  CHECK(page_has(html, "id=\"token-last-refresh\">none since start</td>"));
  CHECK(page_has(html, "id=\"index-state\" class=\"bad\">unavailable: database disk image is malformed</td>"));
  CHECK_FALSE(page_has(html, "1970"));
}
