// /healthz document and the SIGHUP change report.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "dav115/app/health.hpp"
#include "dav115/app/reload.hpp"

using dav115::cloud115::TokenState;
using dav115::cloud115::UpstreamStatus;

TEST_CASE("health is ok with a valid token and reports the counters") {
  UpstreamStatus up;
  up.token = TokenState::Valid;
  up.access_expires_at = 1700000000;
  up.refreshes = 3;
  dav115::vfs::CacheStats cache;
  cache.hits = 10;
  cache.misses = 2;
  cache.stale_served = 1;
  cache.folders_cached = 5;
  auto [healthy, text] = dav115::app::health_report(up, cache, "9.9.9");
  CHECK(healthy);
  auto j = nlohmann::json::parse(text);
  CHECK(j["status"] == "ok");
  CHECK(j["token"]["state"] == "valid");
  CHECK(j["token"]["access_expires_at"] == 1700000000);
  CHECK(j["token"]["refreshes"] == 3);
  CHECK(j["upstream"]["cooling_down"] == false);
  CHECK(j["cache"]["hits"] == 10);
  CHECK(j["cache"]["misses"] == 2);
  CHECK(j["cache"]["stale_served"] == 1);
  CHECK(j["cache"]["folders_cached"] == 5);
  CHECK(j["version"] == "9.9.9");
}

TEST_CASE("a cooldown is degraded but healthy; a dead token is unhealthy") {
  UpstreamStatus up;
  up.token = TokenState::Valid;
  up.cooling_down = true;
  up.cooldown_until = 42;
  up.last_error = "770004 rate limited";
  auto [healthy, text] = dav115::app::health_report(up, {}, "v");
  CHECK(healthy);
  auto j = nlohmann::json::parse(text);
  CHECK(j["status"] == "degraded");
  CHECK(j["upstream"]["cooldown_until"] == 42);
  CHECK(j["upstream"]["last_error"] == "770004 rate limited");

  up.token = TokenState::ReauthRequired;
  auto [dead, dead_text] = dav115::app::health_report(up, {}, "v");
  CHECK_FALSE(dead);
  CHECK(nlohmann::json::parse(dead_text)["status"] == "reauth_required");
  CHECK(nlohmann::json::parse(dead_text)["token"]["state"] == "reauth_required");
}

TEST_CASE("an unsaved token pair makes health degraded (but healthy) and says why") {
  UpstreamStatus up;
  up.token = TokenState::Valid;
  up.persist_error = "could not save the token state in /state: No space left on device";
  auto [healthy, text] = dav115::app::health_report(up, {}, "v");
  CHECK(healthy);
  auto j = nlohmann::json::parse(text);
  CHECK(j["status"] == "degraded");
  CHECK(j["token"]["persist_error"] == up.persist_error);
}

TEST_CASE("SIGHUP change report names cloud115 settings and flags the rest") {
  dav115::config::Config a;
  a.cloud115.refresh_token = "old";
  auto b = a;
  auto same = dav115::app::compare_configs(a, b);
  CHECK(same.cloud115.empty());
  CHECK_FALSE(same.other);

  b.cloud115.refresh_token = "new";
  b.cloud115.page_size = 10;
  auto changed = dav115::app::compare_configs(a, b);
  CHECK(changed.cloud115 == std::vector<std::string>{"cloud115.refresh_token", "cloud115.page_size"});
  CHECK_FALSE(changed.other);

  b.mount_path = "/dav/";
  CHECK(dav115::app::compare_configs(a, b).other);
}
