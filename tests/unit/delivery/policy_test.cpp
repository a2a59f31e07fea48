#include <catch2/catch.hpp>

#include "dav115/delivery/host_allowlist.hpp"
#include "dav115/delivery/policy.hpp"

using namespace dav115;
using namespace dav115::delivery;

TEST_CASE("Policy: default rules") {
  config::Delivery d;
  d.rules = config::default_delivery_rules();
  PolicySelector sel(d);
  CHECK(sel.select("rclone/v1.60.1") == Policy::Redirect);
  CHECK(sel.select("Microsoft-WebDAV-MiniRedir/10.0.19045") == Policy::LocalProxy);
  CHECK(sel.select("DavClnt") == Policy::LocalProxy);
  CHECK(sel.select("") == Policy::Redirect);
}

TEST_CASE("Policy: configured rules, first match wins, case-insensitive") {
  config::Delivery d;
  d.policy = "local_proxy";
  d.rules = {{"^vlc/", "redirect"}, {"lavf|vlc", "proxy_url"}, {"miniredir", "redirect"}};
  PolicySelector sel(d);
  CHECK(sel.select("VLC/3.0.18 LibVLC/3.0.18") == Policy::Redirect);
  CHECK(sel.select("Lavf/59.27.100") == Policy::ProxyUrl);
  CHECK(sel.select("Microsoft-WebDAV-MiniRedir/10.0") == Policy::Redirect);
  CHECK(sel.select("curl/8") == Policy::LocalProxy);
  config::Delivery none;  // an explicit empty rule list: everyone gets the default policy
  CHECK(PolicySelector(none).select("Microsoft-WebDAV-MiniRedir/10.0") == Policy::Redirect);
}

TEST_CASE("Policy: bad configuration is reported with the setting") {
  config::Delivery d;
  d.policy = "teleport";
  CHECK_THROWS_AS(PolicySelector(d), config::ConfigError);
  config::Delivery r;
  r.rules = {{"(unclosed", "redirect"}};
  try {
    PolicySelector s(r);
    FAIL("expected ConfigError");
  } catch (const config::ConfigError& e) {
    CHECK(e.setting == "delivery.rules[0].user_agent_regex");
  }
}

TEST_CASE("CDN host allow-list") {
  std::vector<std::string> allow{"*.115cdn.net", "127.0.0.1"};
  CHECK(host_allowed("cdnfhnfile.115cdn.net", allow));
  CHECK(host_allowed("A.B.115CDN.NET", allow));
  CHECK_FALSE(host_allowed("115cdn.net", allow));
  CHECK_FALSE(host_allowed("evil115cdn.net", allow));
  CHECK_FALSE(host_allowed("115cdn.net.evil.com", allow));
  CHECK(host_allowed("127.0.0.1", allow));
  CHECK_FALSE(host_allowed("127.0.0.2", allow));

  CHECK(cdn_url_allowed("https://x.115cdn.net/f?t=1", allow, false));
  CHECK_FALSE(cdn_url_allowed("http://x.115cdn.net/f", allow, false));
  CHECK(cdn_url_allowed("http://127.0.0.1:8080/f", allow, true));
  CHECK_FALSE(cdn_url_allowed("https://x.115cdn.net@evil.com/f", allow, false));
  CHECK_FALSE(cdn_url_allowed("ftp://x.115cdn.net/f", allow, true));
  CHECK_FALSE(cdn_url_allowed("not a url", allow, true));
}
