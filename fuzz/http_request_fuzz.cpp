// A whole HTTP request as a client sends it: the bytes go through a Beast request_parser set up as
// src/http/session.cpp sets it up (header limit, no body limit until the method is known, then the
// per-method limit), through the pre-body checks, and then every header and body parser a handler
// applies (target, Depth, Range, conditionals, Authorization, PROPFIND body).
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dav115/config/config.hpp"
#include "dav115/delivery/range_header.hpp"
#include "dav115/serve/request_conditions.hpp"
#include "dav115/http/authenticator.hpp"
#include "dav115/util/http_types.hpp"
#include "dav115/webdav/depth_header.hpp"
#include "dav115/webdav/propfind_request.hpp"
#include "dav115/serve/request_path.hpp"
#include "fuzz_check.hpp"
#include "http/request_checks.hpp"

namespace {

namespace bhttp = boost::beast::http;
using namespace dav115;

// Feeds `in` to the parser until it stops consuming; returns false on a parse error.
bool feed(bhttp::request_parser<bhttp::string_body>& parser, std::string_view& in) {
  boost::system::error_code ec;
  while (!in.empty() && !parser.is_done()) {
    auto n = parser.put(boost::asio::buffer(in.data(), in.size()), ec);
    if (ec == bhttp::error::need_more) return true;
    if (ec) return false;
    in.remove_prefix(n);
    if (n == 0) break;
    if (parser.is_header_done() && !parser.eager()) break;
  }
  return true;
}

void handle(const util::HttpRequest& req) {
  (void)http::detail::redact_target(req.target);
  (void)http::detail::sanitize_for_log(req.target);
  (void)http::detail::target_path(req.target);
  (void)serve::decode_request_path(req.target, "/dav/");
  (void)webdav::parse_depth(req.header("Depth"));
  (void)serve::conditions_from(req);
  if (auto range = req.header("Range")) (void)delivery::parse_range(*range, 123456);
  if (auto auth = req.header("Authorization")) {
    std::string user, password;
    (void)http::Authenticator::parse_basic(*auth, user, password);
  }
  if (req.method == "PROPFIND") {
    try {
      (void)webdav::parse_propfind(req.body);
    } catch (const webdav::PropfindParseError&) {
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const config::Config cfg;  // the defaults a gateway runs with
  static const config::Limits& limits = cfg.limits;
  std::string_view in(reinterpret_cast<const char*>(data), size);

  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  parser.body_limit(boost::none);
  parser.eager(false);
  if (!feed(parser, in) || !parser.is_header_done()) return 0;

  auto& head = parser.get();
  if (head.target().size() > limits.max_request_line_bytes) return 0;  // 414
  http::detail::RequestHead checks{head.method_string(), head[bhttp::field::transfer_encoding],
                                   head[bhttp::field::content_encoding], std::nullopt};
  if (auto len = parser.content_length()) checks.content_length = *len;
  if (auto status = http::detail::reject_before_body(checks, cfg)) {
    FUZZ_CHECK(*status == 413 || *status == 415 || *status == 501);
    return 0;
  }
  auto body_limit = http::detail::body_limit_for(head.method_string(), cfg);
  parser.body_limit(body_limit);
  parser.eager(true);
  if (!parser.is_done()) {
    if (!feed(parser, in)) return 0;
    if (!parser.is_done() && parser.need_eof()) {
      boost::system::error_code ec;
      parser.put_eof(ec);
      if (ec) return 0;
    }
    if (!parser.is_done()) return 0;  // the client would still be sending: nothing to handle
  }

  auto msg = parser.release();
  FUZZ_CHECK(msg.body().size() <= body_limit);
  util::HttpRequest req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  for (const auto& f : msg) req.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  req.body = std::move(msg.body());
  req.client_address = "127.0.0.1";
  handle(req);
  return 0;
}
