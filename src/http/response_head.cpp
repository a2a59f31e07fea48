#include "response_head.hpp"

#include <boost/beast/http/status.hpp>

#include <charconv>
#include <ctime>

#include "dav115/util/http_dates.hpp"

namespace dav115::http::detail {
namespace {

void append_clean(std::string& out, std::string_view text) {
  const auto start = out.size();
  out.append(text);
  for (auto i = start; i < out.size(); ++i)
    if (out[i] == '\r' || out[i] == '\n') out[i] = ' ';
}

void append_number(std::string& out, std::uint64_t n) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, end);
}

// The Date value, formatted once per second per thread rather than once per response.
void append_date(std::string& out) {
  thread_local std::time_t cached_second = -1;
  thread_local std::string cached;
  const std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    cached.clear();
    util::append_http_date(cached, now);
    cached_second = now;
  }
  out.append(cached);
}

}  // namespace

bool framing_header(std::string_view name) {
  return util::iequals(name, "Content-Length") || util::iequals(name, "Transfer-Encoding") ||
         util::iequals(name, "Connection") || util::iequals(name, "Keep-Alive");
}

std::optional<std::uint64_t> declared_length(const util::HttpResponse& res) {
  auto v = res.header("Content-Length");
  if (!v || v->empty()) return std::nullopt;
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || end != v->data() + v->size()) return std::nullopt;
  return n;
}

void append_response_head(std::string& out, const util::HttpResponse& res, const HeadFraming& framing) {
  out.append("HTTP/1.1 ");
  append_number(out, res.status);
  out.push_back(' ');
  out.append(boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(res.status)));
  out.append("\r\n");
  bool has_date = false, has_server = false;
  for (const auto& [name, value] : res.headers) {
    if (framing_header(name)) continue;
    has_date = has_date || util::iequals(name, "Date");
    has_server = has_server || util::iequals(name, "Server");
    append_clean(out, name);
    out.append(": ");
    append_clean(out, value);
    out.append("\r\n");
  }
  if (!has_date) {
    out.append("Date: ");
    append_date(out);
    out.append("\r\n");
  }
  if (!has_server) out.append("Server: ").append(kServerName).append("\r\n");
  if (framing.content_length) {
    out.append("Content-Length: ");
    append_number(out, *framing.content_length);
    out.append("\r\n");
  }
  if (!framing.keep_alive) out.append("Connection: close\r\n");
  else if (framing.request_version < 11) out.append("Connection: keep-alive\r\n");
  out.append("\r\n");
}

}  // namespace dav115::http::detail
