// Listen URLs ("http://127.0.0.1:8080", "https://[::]:8443") parsed with Boost.URL.
#include <boost/url/parse.hpp>
#include <charconv>

#include "dav115/config/config.hpp"

namespace dav115::config {

ListenAddress parse_listen_url(const std::string& url, const std::string& setting) {
  const std::string example = " (expected e.g. \"http://127.0.0.1:8080\" or \"https://[::]:8443\")";
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) throw ConfigError(setting, "\"" + url + "\" is not a URL" + example);
  const auto& u = *parsed;
  ListenAddress addr;
  if (u.scheme() == "https") addr.tls = true;
  else if (u.scheme() != "http")
    throw ConfigError(setting, "scheme must be http or https, got \"" + std::string(u.scheme()) + "\"" + example);
  if (u.has_userinfo() || u.has_query() || u.has_fragment() || !(u.path().empty() || u.path() == "/"))
    throw ConfigError(setting, "\"" + url + "\" must be only scheme, host and port" + example);
  // host_address() gives IPv6 literals without their brackets, which is what a resolver wants.
  addr.host = std::string(u.host_address());
  if (addr.host.empty()) throw ConfigError(setting, "\"" + url + "\" has no host" + example);
  if (!u.has_port() || u.port().empty()) {
    addr.port = addr.tls ? 443 : 80;
  } else {
    unsigned value = 0;
    auto port = u.port();
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value > 65535)
      throw ConfigError(setting, "port must be 0..65535 in \"" + url + "\"");
    addr.port = static_cast<std::uint16_t>(value);
  }
  return addr;
}

std::string to_string(const ListenAddress& addr) {
  const bool v6 = addr.host.find(':') != std::string::npos;
  return std::string(addr.tls ? "https://" : "http://") + (v6 ? "[" + addr.host + "]" : addr.host) + ":" +
         std::to_string(addr.port);
}

}  // namespace dav115::config
