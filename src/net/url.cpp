// URL splitting and form encoding, delegated to Boost.URL.
#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <boost/url/url.hpp>
#include <stdexcept>

#include "dav115/net/http_client.hpp"
#include "dav115/util/http_types.hpp"

namespace dav115::net {

std::string host_header(const ParsedUrl& u) {
  bool v6 = u.host.find(':') != std::string::npos;
  std::string h = v6 ? "[" + u.host + "]" : u.host;
  bool default_port = (u.tls && u.port == "443") || (!u.tls && u.port == "80");
  return default_port ? h : h + ":" + u.port;
}

ParsedUrl parse_url(const std::string& url) {
  auto r = boost::urls::parse_absolute_uri(url);
  if (!r) throw std::invalid_argument("bad URL: " + r.error().message());
  const auto& u = *r;
  ParsedUrl out;
  if (u.scheme_id() == boost::urls::scheme::https) out.tls = true;
  else if (u.scheme_id() != boost::urls::scheme::http) throw std::invalid_argument("URL scheme is not http(s)");
  out.host = u.encoded_host_address().decode();
  if (out.host.empty()) throw std::invalid_argument("URL has no host");
  // IPv6 literals come without brackets from host_address; the resolver wants them bare too.
  out.port = u.has_port() ? std::string(u.port()) : (out.tls ? "443" : "80");
  if (out.port.empty()) out.port = out.tls ? "443" : "80";
  out.target = std::string(u.encoded_path());
  if (out.target.empty()) out.target = "/";
  if (u.has_query()) out.target += "?" + std::string(u.encoded_query());
  return out;
}

std::string form_encode(const Headers& fields) {
  // x-www-form-urlencoded: everything but unreserved characters is percent-encoded.
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += boost::urls::encode(k, boost::urls::unreserved_chars);
    out += '=';
    out += boost::urls::encode(v, boost::urls::unreserved_chars);
  }
  return out;
}

std::string Response::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (util::iequals(k, name)) return v;
  return {};
}

}  // namespace dav115::net
