// admin_status(): the 115 client's, the tree's and the index's figures as the admin page's plain
// struct; never a secret from the config.
#include <catch2/catch.hpp>

#include "dav115/app/admin_status.hpp"

using namespace dav115;

TEST_CASE("admin_status carries the token, upstream, cache, index and delivery figures") {
  app::AdminInputs in;
  in.upstream.token = cloud115::TokenState::Valid;
  in.upstream.access_expires_at = 2000;
  in.upstream.last_refresh_at = 1500;
  in.upstream.origin = cloud115::TokenOrigin::StateDir;
  in.upstream.cooling_down = true;
  in.upstream.cooldown_until = 1900;
  in.upstream.last_error = "770004";
  in.upstream.calls_today = 12;
  in.calls_total = 30;
  in.cache.hits = 5;
  in.cache.folders_cached = 3;
  store::IndexStats stats;
  stats.entries = 10;
  stats.db_bytes = 4096;
  stats.wal_bytes = 1024;
  stats.oldest_fetched_at_ms = 1234567;
  in.index.stats = stats;
  in.now = 1800;
  in.version = "0.1";
  config::Config cfg;
  cfg.delivery.policy = "proxy_url";
  cfg.delivery.proxy_url = "https://dl.example/_proxy";
  cfg.delivery.proxy_sign_key = "SECRET";
  cfg.delivery.rules = {{"VLC", "local_proxy"}};

  auto s = app::admin_status(in, cfg);
  CHECK(s.token.state == "valid");
  CHECK(s.token.access_expires_at == 2000);
  CHECK(s.token.last_refresh_at == 1500);
  CHECK(s.token.origin == "the pair saved in state_dir by an earlier run");
  CHECK(s.upstream.cooling_down);
  CHECK(s.upstream.cooldown_until == 1900);
  CHECK(s.upstream.calls_today == 12);
  CHECK(s.upstream.calls_total == 30);
  CHECK(s.upstream.qps == cfg.cloud115.rate_limit.qps);
  CHECK(s.cache.hits == 5);
  CHECK(s.cache.folders_cached == 3);
  CHECK(s.index.entries == 10);
  CHECK(s.index.bytes_on_disk == 5120);
  CHECK(s.index.oldest_listing_at == 1234);
  CHECK(s.index.error.empty());
  CHECK(s.delivery.policy == "proxy_url");
  CHECK(s.delivery.proxy_url == "https://dl.example/_proxy");
  REQUIRE(s.delivery.rules.size() == 1);
  CHECK(s.delivery.rules[0] == std::pair<std::string, std::string>{"VLC", "local_proxy"});
}

TEST_CASE("admin_status says why index figures are missing") {
  app::AdminInputs in;
  in.index.error = "unable to open database file";
  config::Config cfg;
  CHECK(app::admin_status(in, cfg).index.error == "unable to open database file");
  in.index.error.clear();
  CHECK_FALSE(app::admin_status(in, cfg).index.error.empty());
  cfg.index.enabled = false;
  CHECK(app::admin_status(in, cfg).index.error.empty());
  CHECK(app::describe_origin(cloud115::TokenOrigin::Reload).find("SIGHUP") != std::string::npos);
}
