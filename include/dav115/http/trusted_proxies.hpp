#pragma once
// Which address a request comes from. Behind a reverse proxy every connection's peer is the proxy, so
// lockout and the access log would lump all users together; X-Forwarded-For names the real client,
// but anybody can send that header, so it is believed only when the peer is a configured trusted proxy.
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dav115::http {

class TrustedProxies {
 public:
  // Each entry is an IP address or a CIDR range ("10.0.0.0/8", "::1", "fd00::/8"). Throws
  // std::invalid_argument naming a bad entry (config validation has already refused those).
  explicit TrustedProxies(const std::vector<std::string>& entries);

  bool empty() const { return v4_.empty() && v6_.empty(); }
  bool contains(std::string_view address) const;

  // The client a request is for. `peer` is the connection's address; `forwarded_for` the values of
  // every X-Forwarded-For field in order. Unless the peer is trusted, the peer. Otherwise the
  // right-most address of the chain that is not a trusted proxy (the proxies append what they see, so
  // anything to its left is the client's own claim); if every hop is trusted, the left-most one; a
  // malformed entry ends the walk at the hop that reported it.
  std::string client_address(const std::string& peer, const std::vector<std::string_view>& forwarded_for) const;

 private:
  bool contains(const boost::asio::ip::address& a) const;
  std::vector<boost::asio::ip::network_v4> v4_;
  std::vector<boost::asio::ip::network_v6> v6_;
};

// "1.2.3.4", "1.2.3.4:5678", "[::1]:80", "::1" -> the address (IPv4-mapped IPv6 as IPv4), else nullopt.
std::optional<boost::asio::ip::address> parse_forwarded_address(std::string_view text);

}  // namespace dav115::http
