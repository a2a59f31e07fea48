#include "dav115/app/health.hpp"

#include <nlohmann/json.hpp>

namespace dav115::app {

static const char* token_state_name(cloud115::TokenState s) {
  switch (s) {
    case cloud115::TokenState::Valid: return "valid";
    case cloud115::TokenState::Refreshing: return "refreshing";
    case cloud115::TokenState::ReauthRequired: return "reauth_required";
    default: return "unknown";
  }
}

std::pair<bool, std::string> health_report(const cloud115::UpstreamStatus& upstream, const vfs::CacheStats& cache,
                                           const std::string& version) {
  std::string status = "ok";
  if (upstream.token == cloud115::TokenState::ReauthRequired) status = "reauth_required";
  else if (upstream.cooling_down || upstream.token == cloud115::TokenState::Unknown || !upstream.persist_error.empty())
    status = "degraded";  // an unsaved token pair is lost on restart: the operator must know

  // ordered_json keeps the documented key order, which is easier to read in a terminal.
  nlohmann::ordered_json doc = {
      {"status", status},
      {"token",
       {{"state", token_state_name(upstream.token)},
        {"access_expires_at", upstream.access_expires_at},
        {"refreshes", upstream.refreshes},
        {"persist_error", upstream.persist_error}}},
      {"upstream",
       {{"cooling_down", upstream.cooling_down},
        {"cooldown_until", upstream.cooldown_until},
        {"last_error", upstream.last_error}}},
      {"cache",
       {{"hits", cache.hits},
        {"misses", cache.misses},
        {"stale_served", cache.stale_served},
        {"folders_cached", cache.folders_cached}}},
      {"version", version},
  };
  // Replace invalid UTF-8 in upstream error text rather than throwing from a health probe.
  return {status != "reauth_required", doc.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace)};
}

}  // namespace dav115::app
