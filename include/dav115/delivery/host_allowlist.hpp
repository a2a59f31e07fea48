#pragma once
// Which CDN URLs the gateway will redirect a client to or fetch itself: only hosts on
// delivery.cdn_host_allowlist, only https unless plain http is explicitly allowed (emulator).
#include <string>
#include <string_view>
#include <vector>

namespace dav115::delivery {

// "*.example.com" matches any subdomain of example.com (not example.com itself); any other entry
// matches the host exactly. Case-insensitive.
bool host_allowed(std::string_view host, const std::vector<std::string>& allowlist);

// Parses `url` and applies the scheme rule and host_allowed. Never throws.
bool cdn_url_allowed(const std::string& url, const std::vector<std::string>& allowlist, bool allow_plain_http);

}  // namespace dav115::delivery
