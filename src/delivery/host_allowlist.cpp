#include "dav115/delivery/host_allowlist.hpp"

#include <boost/url/parse.hpp>

namespace dav115::delivery {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace

bool host_allowed(std::string_view host_in, const std::vector<std::string>& allowlist) {
  std::string host = lower(host_in);
  while (!host.empty() && host.back() == '.') host.pop_back();  // "cdn.115.com." is the same host
  if (host.empty()) return false;
  for (const auto& entry_raw : allowlist) {
    std::string entry = lower(entry_raw);
    if (entry.rfind("*.", 0) == 0) {
      std::string_view suffix = std::string_view(entry).substr(1);  // ".example.com"
      if (host.size() > suffix.size() && host.compare(host.size() - suffix.size(), suffix.size(), suffix) == 0)
        return true;
    } else if (!entry.empty() && host == entry) {
      return true;
    }
  }
  return false;
}

namespace {

bool check_cdn_url(const std::string& url, const std::vector<std::string>& allowlist, bool allow_plain_http) {
  auto r = boost::urls::parse_absolute_uri(url);
  if (!r) return false;
  bool https = r->scheme_id() == boost::urls::scheme::https;
  bool http = r->scheme_id() == boost::urls::scheme::http;
  if (!https && !(http && allow_plain_http)) return false;
  if (r->has_userinfo()) return false;  // "https://allowed.com@evil/" tricks have no place in a CDN URL
  return host_allowed(r->encoded_host_address().decode(), allowlist);
}

}  // namespace

bool cdn_url_allowed(const std::string& url, const std::vector<std::string>& allowlist, bool allow_plain_http) {
  // A cached link is redirected to over and over: its last verdict is kept per thread, so the 302 path
  // parses the URL once per link rather than once per request.
  struct Verdict {
    std::string url;
    std::vector<std::string> allowlist;
    bool allow_plain_http = false;
    bool allowed = false;
  };
  thread_local Verdict last;
  if (url == last.url && allow_plain_http == last.allow_plain_http && allowlist == last.allowlist) return last.allowed;
  const bool allowed = check_cdn_url(url, allowlist, allow_plain_http);
  last = Verdict{url, allowlist, allow_plain_http, allowed};
  return allowed;
}

}  // namespace dav115::delivery
