#include "server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>
#include <type_traits>

#include "cdn.hpp"
#include "control.hpp"
#include "endpoints.hpp"
#include "oss_session.hpp"

namespace dav115::fake115 {
namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;
using Request = http::request<http::string_body>;

namespace {

constexpr std::size_t kChunk = 64 * 1024;

struct Target {
  std::string path;
  std::map<std::string, std::string> query;
  bool ok = true;
};

// Decodes "name=value&..." ('+' is a space, as in HTML forms); the first value of a name wins.
bool decode_params(const std::string& query, std::map<std::string, std::string>& out) {
  const std::string target = "/?" + query;  // the view below points into it
  auto u = boost::urls::parse_origin_form(target);
  if (!u) return false;
  boost::urls::encoding_opts opt;
  opt.space_as_plus = true;
  for (auto p : u->params(opt)) out.emplace(p.key, p.value);
  return true;
}

Target split_target(const std::string& target) {
  Target t;
  auto u = boost::urls::parse_origin_form(target);
  if (!u) {
    t.ok = false;
    return t;
  }
  t.path = u->path();
  decode_params(std::string(u->encoded_query()), t.query);
  return t;
}

// multipart/form-data: enough of it for simple text fields (R115 sends its forms this way).
void decode_multipart(const std::string& body, const std::string& content_type, std::map<std::string, std::string>& out) {
  auto b = content_type.find("boundary=");
  if (b == std::string::npos) return;
  std::string boundary = content_type.substr(b + 9);
  if (auto semi = boundary.find(';'); semi != std::string::npos) boundary.resize(semi);
  if (boundary.size() >= 2 && boundary.front() == '"') boundary = boundary.substr(1, boundary.size() - 2);
  const std::string delim = "--" + boundary;
  std::size_t pos = body.find(delim);
  while (pos != std::string::npos) {
    pos += delim.size();
    if (body.compare(pos, 2, "--") == 0) break;
    auto head_end = body.find("\r\n\r\n", pos);
    auto next = body.find(delim, pos);
    if (head_end == std::string::npos || next == std::string::npos) break;
    const std::string head = body.substr(pos, head_end - pos);
    auto n = head.find("name=\"");
    if (n != std::string::npos) {
      auto n_end = head.find('"', n + 6);
      std::string value = body.substr(head_end + 4, next - (head_end + 4));
      if (value.size() >= 2 && value.compare(value.size() - 2, 2, "\r\n") == 0) value.resize(value.size() - 2);
      out.emplace(head.substr(n + 6, n_end - n - 6), value);
    }
    pos = next;
  }
}

std::string http_date(std::int64_t unix_seconds) {
  std::time_t t = unix_seconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

ApiReply fault_reply(FaultMode mode, bool passport) {
  switch (mode) {
    case FaultMode::RateLimited:
      return passport ? passport_error(770004, "访问频率过高") : proapi_error(770004, "访问频率过高");
    case FaultMode::Quota: {
      const char* msg = "已达到当前访问上限，购买更高等级 VIP 可获更多额度";
      return passport ? passport_error(406, msg) : proapi_error(406, msg);
    }
    case FaultMode::Waf:
      return {405, "text/html",
              "<html>\r\n<head><title>405 Not Allowed</title></head>\r\n<body>\r\n<center><h1>405 Not Allowed</h1>"
              "</center>\r\n<hr><center>tengine</center>\r\n</body>\r\n</html>\r\n",
              "waf"};
    case FaultMode::Empty:
      return {200, "application/json; charset=utf-8", "", "empty"};
    case FaultMode::Garbage:
      return {200, "text/html; charset=utf-8", "<!DOCTYPE html><html><body>服务器开小差了 {\"state\":", "garbage"};
    case FaultMode::Reset: {
      ApiReply r;
      r.reset = true;
      r.result = "reset";
      return r;
    }
  }
  return {};
}

// Tokens are redacted, but keep their last 6 characters: enough for a test to tell which token a
// refresh presented (the crash test follows the rotation chain), useless to anyone reading the log.
std::string redacted(const std::string& token) {
  return "<redacted " + std::to_string(token.size()) + " chars, ends " +
         token.substr(token.size() > 6 ? token.size() - 6 : 0) + ">";
}

nlohmann::json record_fields(const ApiRequest& r) {
  nlohmann::json f = nlohmann::json::object();
  for (const auto* m : {&r.query, &r.form})
    for (const auto& [k, v] : *m) f[k] = (k == "refresh_token" || k == "access_token") ? redacted(v) : v;
  return f;
}

double unix_seconds_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A connection is plain TCP or TLS (--tls-cert); lowest_layer() is the TCP socket in both cases.
template <class Stream>
void reset_connection(Stream& sock) {
  boost::system::error_code ec;
  sock.lowest_layer().set_option(asio::socket_base::linger(true, 0), ec);  // close → RST, no FIN
  sock.lowest_layer().close(ec);
}

// A whole small answer; HEAD gets the headers only.
template <class Stream>
asio::awaitable<bool> write_simple(Stream& sock, const Request& req, unsigned status, const std::string& type,
                                   const std::string& body, const std::vector<std::pair<std::string, std::string>>& extra = {}) {
  http::response<http::string_body> res{static_cast<http::status>(status), req.version()};
  res.set(http::field::server, "fake115");
  if (!type.empty()) res.set(http::field::content_type, type);
  for (const auto& [k, v] : extra) res.set(k, v);
  res.keep_alive(req.keep_alive());
  if (req.method() != http::verb::head) res.body() = body;
  res.content_length(body.size());
  boost::system::error_code ec;
  co_await http::async_write(sock, res, asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec && req.keep_alive();
}

template <class Stream>
class Session {
 public:
  Session(Emulator& emu, Stream sock) : emu_(emu), sock_(std::move(sock)) { emu_.stats.connection_opened(); }
  ~Session() { emu_.stats.connection_closed(); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  asio::awaitable<void> run() {
    if constexpr (!std::is_same_v<Stream, tcp::socket>) {
      boost::system::error_code ec;
      co_await sock_.async_handshake(asio::ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        spdlog::debug("TLS handshake failed: {}", ec.message());
        reset_connection(sock_);
        co_return;
      }
    }
    boost::beast::flat_buffer buf;
    for (;;) {
      // The head first: OSS uploads (oss_session.hpp) stream their bodies to disk, the rest is small.
      http::request_parser<http::empty_body> head;
      head.header_limit(16 * 1024);
      head.body_limit(boost::none);  // checked against Content-Length with the head: the real limits come below
      boost::system::error_code ec;
      co_await http::async_read_header(sock_, buf, head, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      if (std::string_view(head.get().target()).rfind(kOssPrefix, 0) == 0) {
        bool keep = false;
        try {
          keep = co_await serve_oss(emu_, sock_, buf, head);
        } catch (const std::exception& e) {
          spdlog::error("OSS request failed: {}", e.what());
        }
        if (!keep || !sock_.lowest_layer().is_open()) break;  // lowest_layer: TLS sessions too
        continue;
      }
      constexpr std::uint64_t kApiBodyLimit = 1024 * 1024;
      if (head.content_length().value_or(0) > kApiBodyLimit) break;  // API forms are small: drop the connection
      http::request_parser<http::string_body> parser(std::move(head));
      parser.body_limit(kApiBodyLimit);
      co_await http::async_read(sock_, buf, parser, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      Request req = parser.release();
      bool keep = false;
      try {
        keep = co_await dispatch(req);
      } catch (const std::exception& e) {
        spdlog::error("request {} failed: {}", std::string(req.target()), e.what());
      }
      if (!keep || !sock_.lowest_layer().is_open()) break;
    }
    boost::system::error_code ec;
    sock_.lowest_layer().shutdown(tcp::socket::shutdown_both, ec);
    sock_.lowest_layer().close(ec);
  }

 private:
  asio::awaitable<bool> dispatch(const Request& req) {
    const std::string target(req.target());
    Target t = split_target(target);
    if (!t.ok) co_return co_await write_simple(sock_, req, 400, "text/plain", "bad request target\n");
    if (t.path.rfind("/cdn/", 0) == 0) co_return co_await serve_cdn(req, target, t.path);
    if (t.path.rfind("/__", 0) == 0) {
      auto reply = handle_control(emu_, std::string(req.method_string()), t.path, t.query, req.body());
      if (!reply) co_return co_await write_simple(sock_, req, 404, "text/plain", "no such control endpoint\n");
      co_return co_await write_simple(sock_, req, reply->status, reply->content_type, reply->body);
    }
    if (t.path.rfind("/open/", 0) == 0 || t.path == "/get/status/") co_return co_await serve_api(req, std::move(t));
    co_return co_await write_simple(sock_, req, 404, "text/plain", "not found\n");
  }

  asio::awaitable<bool> serve_api(const Request& req, Target t) {
    const double arrived = unix_seconds_now();
    ApiRequest ar;
    ar.method = std::string(req.method_string());
    ar.path = t.path;
    ar.query = std::move(t.query);
    ar.user_agent = std::string(req[http::field::user_agent]);
    if (auto it = req.find(http::field::authorization); it != req.end()) ar.authorization = std::string(it->value());
    const std::string ctype(req[http::field::content_type]);
    if (ctype.rfind("multipart/form-data", 0) == 0)
      decode_multipart(req.body(), ctype, ar.form);
    else if (!req.body().empty())
      decode_params(req.body(), ar.form);

    const auto passport = passport_handlers().find(ar.path);
    const bool is_passport = passport != passport_handlers().end();
    if (!is_passport) {
      if (int ms = emu_.faults.latency_ms(); ms > 0) {
        asio::steady_timer timer(sock_.get_executor(), std::chrono::milliseconds(ms));
        co_await timer.async_wait(asio::use_awaitable);
      }
    }
    ApiReply reply;
    if (auto fault = emu_.faults.take(ar.path)) {
      reply = fault_reply(*fault, is_passport);
    } else if (is_passport) {
      reply = passport->second(emu_, ar);
      if (int ms = emu_.faults.passport_latency_ms(); ms > 0) {  // the pair has rotated already
        asio::steady_timer timer(sock_.get_executor(), std::chrono::milliseconds(ms));
        co_await timer.async_wait(asio::use_awaitable);
      }
    } else if (auto h = proapi_handlers().find(ar.path); h == proapi_handlers().end()) {
      reply = {404, "text/plain", "not found\n", "http_404"};
    } else if (Throttle th = emu_.limiter.admit(); th == Throttle::TooFast) {
      reply = proapi_error(770004, "访问频率过高");
    } else if (th == Throttle::QuotaExhausted) {
      reply = proapi_error(406, "已达到当前访问上限，购买更高等级 VIP 可获更多额度");
    } else if (AccessCheck ac = emu_.auth.check_access(ar.authorization ? &*ar.authorization : nullptr); ac.code) {
      reply = proapi_error(ac.code, ac.message);
    } else if (ar.path == "/open/ufile/files") {
      reply = list_with_faults(ar, h->second);
    } else {
      reply = h->second(emu_, ar);
    }
    emu_.stats.record({ar.method, ar.path, record_fields(ar), ar.user_agent, std::string(req[http::field::range]),
                       reply.status, reply.result, arrived});
    spdlog::debug("{} {} -> {} {}", ar.method, ar.path, reply.status, reply.result);
    if (reply.reset) {
      reset_connection(sock_);
      co_return false;
    }
    co_return co_await write_simple(sock_, req, reply.status, reply.content_type, reply.body);
  }

  // The listing faults (see Faults): applied to the handler's answer, so the listing itself stays in
  // endpoints_files.cpp.
  ApiReply list_with_faults(const ApiRequest& ar, const ApiHandler& handler) {
    const std::string requested_offset = ar.param("offset").empty() ? "0" : ar.param("offset");
    const bool shift = requested_offset != "0" && emu_.faults.take_list_shift();
    ApiRequest shifted = ar;
    if (shift) {  // an entry before the offset is gone: everything after it moved up by one
      const auto next = std::to_string(std::stoll(requested_offset) + 1);
      shifted.query["offset"] = next;
      if (shifted.form.count("offset")) shifted.form["offset"] = next;
    }
    ApiReply reply = handler(emu_, shifted);
    const auto short_max = emu_.faults.take_list_short_page();
    if (!shift && !short_max) return reply;
    auto j = nlohmann::json::parse(reply.body, nullptr, false);
    if (!j.is_object() || !j.contains("data") || !j["data"].is_array()) return reply;
    if (shift) {
      j["offset"] = std::stoll(requested_offset);
      if (j.contains("count") && j["count"].get<long long>() > 0) j["count"] = j["count"].get<long long>() - 1;
    }
    if (short_max && j["data"].size() > static_cast<std::size_t>(*short_max))
      j["data"].erase(j["data"].begin() + *short_max, j["data"].end());
    reply.body = j.dump();
    return reply;
  }

  asio::awaitable<bool> serve_cdn(const Request& req, const std::string& target, const std::string& path) {
    const bool is_get = req.method() == http::verb::get;
    const std::string ua(req[http::field::user_agent]), range(req[http::field::range]);
    CdnAnswer a;
    if (!is_get && req.method() != http::verb::head) {
      a.status = 405;
      a.error_body = "405 Method Not Allowed\n";
    } else {
      a = answer_cdn(emu_, target, is_get, ua, range);
    }
    emu_.stats.record({std::string(req.method_string()), "/cdn", {{"file_id", path.substr(5, path.find('/', 5) - 5)}}, ua,
                       range, a.status, "http_" + std::to_string(a.status)});
    if (a.status != 200 && a.status != 206) {
      std::vector<std::pair<std::string, std::string>> extra;
      if (!a.content_range.empty()) extra.emplace_back("Content-Range", a.content_range);
      co_return co_await write_simple(sock_, req, a.status, "text/plain", a.error_body, extra);
    }
    http::response<http::empty_body> res{static_cast<http::status>(a.status), req.version()};
    res.set(http::field::server, "fake115-cdn");
    res.set(http::field::content_type, "application/octet-stream");
    res.set(http::field::accept_ranges, "bytes");
    res.set(http::field::etag, "\"" + a.sha1 + "\"");
    res.set(http::field::last_modified, http_date(a.mtime));
    if (a.status == 206) res.set(http::field::content_range, a.content_range);
    res.content_length(a.length);
    res.keep_alive(req.keep_alive());
    http::response_serializer<http::empty_body> sr{res};
    boost::system::error_code ec;
    co_await http::async_write_header(sock_, sr, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return false;
    if (!is_get) co_return req.keep_alive();

    const auto cut = emu_.faults.take_cdn_cut();
    ContentReader reader(a.source);
    std::vector<char> chunk(kChunk);
    std::uint64_t sent = 0;
    while (sent < a.length) {
      std::uint64_t n = std::min<std::uint64_t>(kChunk, a.length - sent);
      if (cut) n = std::min<std::uint64_t>(n, *cut > sent ? *cut - sent : 0);
      if (n == 0) break;
      reader.read(a.start + sent, chunk.data(), static_cast<std::size_t>(n));
      // One chunk in flight at a time: a slow reader slows us down instead of filling memory.
      co_await asio::async_write(sock_, asio::buffer(chunk.data(), static_cast<std::size_t>(n)),
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return false;
      sent += n;
      emu_.stats.cdn_bytes(n);
    }
    if (sent < a.length) {  // the injected cut: the client sees a short body and a closed connection
      reset_connection(sock_);
      co_return false;
    }
    co_return req.keep_alive();
  }

  Emulator& emu_;
  Stream sock_;
};

std::pair<std::string, std::string> split_host_port(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) throw std::invalid_argument("--listen wants HOST:PORT");
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  return {host, listen.substr(colon + 1)};
}

}  // namespace

Server::Server(Emulator& emu, asio::io_context& ioc, const std::string& listen, const TlsFiles& tls)
    : emu_(emu), ioc_(ioc), acceptor_(ioc) {
  if (!tls.cert_file.empty()) {
    tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    tls_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3);
    tls_->use_certificate_chain_file(tls.cert_file);
    tls_->use_private_key_file(tls.key_file, asio::ssl::context::pem);
  }
  auto [host, port] = split_host_port(listen);
  tcp::endpoint ep(asio::ip::make_address(host), static_cast<unsigned short>(std::stoi(port)));
  acceptor_.open(ep.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(ep);
  acceptor_.listen();
}

Server::~Server() = default;

std::uint16_t Server::port() const { return acceptor_.local_endpoint().port(); }

std::string Server::host() const {
  auto addr = acceptor_.local_endpoint().address();
  return addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string();
}

void Server::start() {
  asio::co_spawn(
      ioc_,
      [this]() -> asio::awaitable<void> {
        for (;;) {
          boost::system::error_code ec;
          tcp::socket sock = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
          if (ec) {
            if (ec == asio::error::operation_aborted) co_return;
            continue;
          }
          if (tls_) {
            auto session = std::make_shared<Session<asio::ssl::stream<tcp::socket>>>(
                emu_, asio::ssl::stream<tcp::socket>(std::move(sock), *tls_));
            asio::co_spawn(ioc_, [session]() { return session->run(); }, asio::detached);
          } else {
            auto session = std::make_shared<Session<tcp::socket>>(emu_, std::move(sock));
            asio::co_spawn(ioc_, [session]() { return session->run(); }, asio::detached);
          }
        }
      },
      asio::detached);
}

}  // namespace dav115::fake115
