#pragma once
// The /healthz document: token and upstream state from the cloud115 client, cache counters from the tree.
#include <string>
#include <utility>

#include "dav115/cloud115/types.hpp"
#include "dav115/vfs/tree.hpp"

namespace dav115::app {

// (healthy, JSON text). Unhealthy (the server answers 503) only when the refresh token is dead:
// then nothing works until an operator re-authorises. A rate-limit cooldown is "degraded" but healthy.
std::pair<bool, std::string> health_report(const cloud115::UpstreamStatus& upstream, const vfs::CacheStats& cache,
                                           const std::string& version);

}  // namespace dav115::app
