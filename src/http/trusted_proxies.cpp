#include "dav115/http/trusted_proxies.hpp"

#include <stdexcept>

namespace dav115::http {

namespace ip = boost::asio::ip;

namespace {

ip::address unmapped(ip::address a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, a.to_v6());
  return a;
}

std::optional<ip::address> parse_address(std::string_view text) {
  boost::system::error_code ec;
  auto a = ip::make_address(text, ec);
  if (ec) return std::nullopt;
  return unmapped(a);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<ip::address> parse_forwarded_address(std::string_view text) {
  text = trim(text);
  if (!text.empty() && text.front() == '[') {  // "[v6]" or "[v6]:port"
    auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    return parse_address(text.substr(1, close - 1));
  }
  if (auto a = parse_address(text)) return a;
  auto colon = text.rfind(':');  // "v4:port"; a bare IPv6 address was taken above
  if (colon != std::string_view::npos && text.find(':') == colon) return parse_address(text.substr(0, colon));
  return std::nullopt;
}

TrustedProxies::TrustedProxies(const std::vector<std::string>& entries) {
  for (const auto& e : entries) {
    boost::system::error_code ec;
    if (e.find('/') == std::string::npos) {
      auto a = parse_address(e);
      if (!a) throw std::invalid_argument("not an IP address or CIDR range: " + e);
      if (a->is_v4()) v4_.emplace_back(a->to_v4(), 32);
      else v6_.emplace_back(a->to_v6(), 128);
      continue;
    }
    auto n4 = ip::make_network_v4(e, ec);
    if (!ec) {
      v4_.push_back(n4.canonical());
      continue;
    }
    auto n6 = ip::make_network_v6(e, ec);
    if (ec) throw std::invalid_argument("not an IP address or CIDR range: " + e);
    v6_.push_back(n6.canonical());
  }
}

bool TrustedProxies::contains(const ip::address& a) const {
  if (a.is_v4()) {
    for (const auto& n : v4_)
      if (ip::network_v4(a.to_v4(), n.prefix_length()).canonical() == n) return true;
    return false;
  }
  for (const auto& n : v6_)
    if (ip::network_v6(a.to_v6(), n.prefix_length()).canonical() == n) return true;
  return false;
}

bool TrustedProxies::contains(std::string_view address) const {
  auto a = parse_address(address);
  return a && contains(*a);
}

std::string TrustedProxies::client_address(const std::string& peer,
                                           const std::vector<std::string_view>& forwarded_for) const {
  if (empty() || !contains(peer)) return peer;
  std::vector<std::string_view> hops;  // left to right, across repeated fields
  for (auto field : forwarded_for) {
    while (!field.empty()) {
      auto comma = field.find(',');
      hops.push_back(trim(field.substr(0, comma)));
      field = comma == std::string_view::npos ? std::string_view() : field.substr(comma + 1);
    }
  }
  std::string client = peer;
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    auto a = parse_forwarded_address(*it);
    if (!a) break;  // garbage: whoever sent it is the last hop we know
    client = a->to_string();
    if (!contains(*a)) break;
  }
  return client;
}

}  // namespace dav115::http
