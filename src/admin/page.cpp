#include "dav115/admin/page.hpp"

#include "dav115/util/text.hpp"

#include <ctime>
#include <sstream>

namespace dav115::admin {

using util::bytes_in_words;
using util::html_escape;

namespace {

std::string span_in_words(std::int64_t seconds) {
  if (seconds < 60) return std::to_string(seconds) + " s";
  if (seconds < 3600) return std::to_string(seconds / 60) + " min";
  if (seconds < 86400) return std::to_string(seconds / 3600) + " h " + std::to_string(seconds % 3600 / 60) + " min";
  return std::to_string(seconds / 86400) + " d " + std::to_string(seconds % 86400 / 3600) + " h";
}

// One table row; `value` is already HTML.
std::string row(std::string_view label, std::string_view id, const std::string& value, std::string_view cls = "") {
  std::string r = "<tr><th>" + std::string(label) + "</th><td id=\"" + std::string(id) + "\"";
  if (!cls.empty()) r += " class=\"" + std::string(cls) + "\"";
  return r + ">" + value + "</td></tr>\n";
}

const char* kStyle =
    "body{font:15px/1.4 system-ui,sans-serif;margin:1.5em auto;max-width:56em;padding:0 1em;color:#222}"
    "h1 small{font-size:55%;color:#666}h2{font-size:110%;margin:1.4em 0 .4em;border-bottom:1px solid #ddd}"
    "table{border-collapse:collapse}th{text-align:left;font-weight:normal;color:#555;padding:.15em 1.5em .15em 0;"
    "vertical-align:top}td{padding:.15em 1.5em .15em 0}.ok{color:#176c2d;font-weight:bold}.bad{color:#b00020;font-weight:bold}"
    ".warn{color:#8a5300;font-weight:bold}code{font-size:90%}#qr img{width:18em;height:18em;image-rendering:pixelated}"
    "button{font:inherit;padding:.4em 1em}";

// Polls with a pause between answers: the provider may long-poll 115 itself, and the page must not
// hammer the gateway if it does not. On "confirmed" the page reloads and shows the new token state.
const char* kScript = R"JS((() => {
  const csrf = document.body.dataset.csrf;
  const button = document.getElementById('login-start');
  const status = document.getElementById('login-status');
  const post = (path) => fetch(path, {method: 'POST', headers: {'X-CSRF-Token': csrf}, cache: 'no-store'})
    .then(r => r.ok ? r.json() : r.text().then(t => { throw new Error(t || ('HTTP ' + r.status)); }));
  const pause = (ms) => new Promise(done => setTimeout(done, ms));
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const login = await post('login/start');
      document.getElementById('qr-image').src = 'data:image/svg+xml;base64,' + btoa(login.qr_svg);
      document.getElementById('qr').hidden = false;
      status.textContent = 'Scan the code with the 115 app and confirm the login there.';
      while (Date.now() / 1000 < login.expires_at) {
        const p = await post('login/poll?session=' + encodeURIComponent(login.session));
        if (p.message) status.textContent = p.message;
        if (p.state === 'confirmed') { location.reload(); return; }
        if (p.state !== 'waiting' && p.state !== 'scanned') throw new Error(p.message || p.state);
        await pause(1000);
      }
      throw new Error('The QR code expired: start again.');
    } catch (e) {
      document.getElementById('qr').hidden = true;
      status.textContent = e.message;
      button.disabled = false;
    }
  });
})();)JS";

std::string token_section(const Status& s, const PageContext& ctx) {
  const auto& t = s.token;
  const char* cls = t.state == "valid" ? "ok" : t.state == "reauth_required" ? "bad" : "warn";
  std::string state_text = t.state == "valid"             ? "valid"
                           : t.state == "reauth_required" ? "re-authorization required"
                           : t.state == "refreshing"      ? "refreshing"
                                                          : "unknown";
  std::string html = "<section id=\"token\"><h2>115 token</h2><table>\n";
  html += row("State", "token-state", html_escape(state_text), cls);
  // A revoked pair's expiry date is no promise: say what the state means instead.
  html += row("Access token valid until", "token-valid-until",
              t.state == "reauth_required" ? std::string("no longer accepted by 115")
                                           : html_escape(describe_time(t.access_expires_at, s.now, "unknown")));
  html += row("Last refresh", "token-last-refresh", html_escape(describe_time(t.last_refresh_at, s.now, "none since start")));
  html += row("Origin", "token-origin", html_escape(t.origin.empty() ? "unknown" : t.origin));
  html += row("Refreshes since start", "token-refreshes", std::to_string(t.refreshes));
  html += row("Saved in state_dir", "token-saved",
              t.persist_error.empty() ? "yes" : "NO, retrying: " + html_escape(t.persist_error),
              t.persist_error.empty() ? "" : "bad");
  html += "</table>\n";
  if (ctx.login_available) {
    html += "<div id=\"login\">";
    if (t.state == "reauth_required")
      html += "<p class=\"bad\">115 no longer accepts the token: log in again to serve the drive.</p>";
    html += "<p>115 keeps two logins per app; a third evicts the oldest (another tool using this app id "
            "may be logged out).</p>"
            "<button id=\"login-start\" type=\"button\">Log in with 115</button>"
            "<div id=\"qr\" hidden><img id=\"qr-image\" alt=\"QR code to scan with the 115 app\"></div>"
            "<p id=\"login-status\" role=\"status\"></p></div>\n";
  }
  return html + "</section>\n";
}

std::string upstream_section(const Status& s) {
  const auto& u = s.upstream;
  std::string html = "<section id=\"upstream\"><h2>115 API</h2><table>\n";
  html += row("Cooldown", "upstream-cooldown",
              u.cooling_down ? html_escape("paused until " + describe_time(u.cooldown_until, s.now, "unknown")) : "none",
              u.cooling_down ? "warn" : "");
  html += row("Last error", "upstream-last-error", u.last_error.empty() ? "none" : html_escape(u.last_error));
  html += row("Calls today (UTC+8)", "upstream-calls-today", std::to_string(u.calls_today));
  html += row("Calls since start", "upstream-calls-total", std::to_string(u.calls_total));
  std::ostringstream rate;
  rate << u.qps << " calls/s, burst " << u.burst;
  html += row("Rate limit", "upstream-rate", html_escape(rate.str()));
  return html + "</table></section>\n";
}

std::string cache_section(const Status& s) {
  const auto& c = s.cache;
  std::string html = "<section id=\"cache\"><h2>Listing cache</h2><table>\n";
  html += row("Folders cached", "cache-folders", std::to_string(c.folders_cached));
  html += row("Hits / misses", "cache-hits", std::to_string(c.hits) + " / " + std::to_string(c.misses));
  html += row("Served stale", "cache-stale", std::to_string(c.stale_served));
  html += row("Revalidations (failed)", "cache-revalidations",
              std::to_string(c.revalidations) + " (" + std::to_string(c.revalidation_failures) + ")");
  return html + "</table></section>\n";
}

std::string index_section(const Status& s) {
  const auto& i = s.index;
  std::string html = "<section id=\"index\"><h2>Metadata index</h2><table>\n";
  if (!i.enabled) {
    html += row("State", "index-state", "off (index.enabled is false)");
  } else if (!i.error.empty()) {
    html += row("State", "index-state", "unavailable: " + html_escape(i.error), "bad");
  } else {
    html += row("Folders", "index-folders", std::to_string(i.folders));
    html += row("Entries", "index-entries", std::to_string(i.entries));
    html += row("Download links", "index-links", std::to_string(i.links));
    html += row("Size on disk", "index-bytes", html_escape(bytes_in_words(i.bytes_on_disk)));
    html += row("Oldest listing", "index-oldest", html_escape(describe_time(i.oldest_listing_at, s.now, "none")));
  }
  return html + "</table></section>\n";
}

std::string delivery_section(const Status& s) {
  const auto& d = s.delivery;
  std::string html = "<section id=\"delivery\"><h2>Delivery (GET)</h2><table>\n";
  html += row("Default policy", "delivery-policy", html_escape(d.policy));
  if (!d.proxy_url.empty()) html += row("Download proxy", "delivery-proxy-url", html_escape(d.proxy_url));
  html += "</table>\n";
  if (d.rules.empty()) {
    html += "<p id=\"delivery-rules\">No per-client rules.</p>";
  } else {
    html += "<table id=\"delivery-rules\"><tr><th>User-Agent matches</th><th>Policy</th></tr>\n";
    for (const auto& [regex, policy] : d.rules)
      html += "<tr><td><code>" + html_escape(regex) + "</code></td><td>" + html_escape(policy) + "</td></tr>\n";
    html += "</table>";
  }
  return html + "</section>\n";
}

}  // namespace

std::string describe_time(std::int64_t t, std::int64_t now, std::string_view zero_text) {
  if (t == 0) return std::string(zero_text);
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  std::string out = buf;
  if (t > now) out += " (in " + span_in_words(t - now) + ")";
  else if (t < now) out += " (" + span_in_words(now - t) + " ago)";
  return out;
}

std::string render_page(const Status& s, const PageContext& ctx) {
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<meta name=\"referrer\" content=\"no-referrer\"><title>dav115 admin</title>"
      "<style nonce=\"" + html_escape(ctx.nonce) + "\">" + kStyle + "</style></head>\n"
      "<body data-csrf=\"" + html_escape(ctx.csrf_token) + "\">\n"
      "<h1>dav115 <small>" + html_escape(s.version) + "</small></h1>\n"
      "<p>Signed in as <b id=\"admin-user\">" + html_escape(ctx.user) + "</b>. Figures as of " +
      html_escape(describe_time(s.now, s.now, "unknown")) + "; reload the page to update them.</p>\n";
  html += token_section(s, ctx);
  html += upstream_section(s);
  html += cache_section(s);
  html += index_section(s);
  html += delivery_section(s);
  if (ctx.login_available) html += "<script nonce=\"" + html_escape(ctx.nonce) + "\">" + kScript + "</script>\n";
  return html + "</body></html>\n";
}

}  // namespace dav115::admin
