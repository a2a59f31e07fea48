#include "dav115/app/admin_status.hpp"

namespace dav115::app {

namespace {

// (Not named token_state_name: health.cpp has one, and both may share a unity batch.)
const char* admin_token_state(cloud115::TokenState s) {
  switch (s) {
    case cloud115::TokenState::Valid: return "valid";
    case cloud115::TokenState::Refreshing: return "refreshing";
    case cloud115::TokenState::ReauthRequired: return "reauth_required";
    default: return "unknown";
  }
}

}  // namespace

std::string describe_origin(cloud115::TokenOrigin origin) {
  switch (origin) {
    case cloud115::TokenOrigin::Config: return "the config's refresh token (cloud115.refresh_token or DAV115_REFRESH_TOKEN)";
    case cloud115::TokenOrigin::StateDir: return "the pair saved in state_dir by an earlier run";
    case cloud115::TokenOrigin::Reload: return "a new refresh token adopted on reload (SIGHUP)";
    case cloud115::TokenOrigin::Login: return "a QR login (the admin page or `dav115 login`)";
    default: return "unknown";
  }
}

admin::Status admin_status(const AdminInputs& in, const config::Config& cfg) {
  admin::Status s;
  s.version = in.version;
  s.now = in.now;

  const auto& u = in.upstream;
  s.token.state = admin_token_state(u.token);
  s.token.access_expires_at = u.access_expires_at;
  s.token.last_refresh_at = u.last_refresh_at;
  s.token.origin = describe_origin(u.origin);
  s.token.refreshes = u.refreshes;
  s.token.persist_error = u.persist_error;

  s.upstream.cooling_down = u.cooling_down;
  s.upstream.cooldown_until = u.cooldown_until;
  s.upstream.last_error = u.last_error;
  s.upstream.calls_today = u.calls_today;
  s.upstream.calls_total = in.calls_total;
  s.upstream.qps = cfg.cloud115.rate_limit.qps;
  s.upstream.burst = cfg.cloud115.rate_limit.burst;

  const auto& c = in.cache;
  s.cache = {c.hits, c.misses, c.stale_served, c.revalidations, c.revalidation_failures, c.folders_cached};

  s.index.enabled = cfg.index.enabled;
  if (in.index.stats) {
    const auto& i = *in.index.stats;
    s.index.folders = i.folders;
    s.index.entries = i.entries;
    s.index.links = i.links;
    s.index.bytes_on_disk = i.db_bytes + i.wal_bytes;
    s.index.oldest_listing_at = i.oldest_fetched_at_ms ? *i.oldest_fetched_at_ms / 1000 : 0;
  } else if (cfg.index.enabled) {
    s.index.error = in.index.error.empty() ? "not open (see the log)" : in.index.error;
  }

  s.delivery.policy = cfg.delivery.policy;
  for (const auto& r : cfg.delivery.rules) s.delivery.rules.emplace_back(r.user_agent_regex, r.policy);
  s.delivery.proxy_url = cfg.delivery.proxy_url;
  return s;
}

}  // namespace dav115::app
