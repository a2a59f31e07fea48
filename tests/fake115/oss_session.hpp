#pragma once
// Moves the bytes of one OSS request (oss.hpp decides what happens): the body streams in 64 KiB pieces
// to a file, so a 1 GiB upload costs no memory; `Expect: 100-continue` is honoured, and a request refused
// from its head alone is answered without reading its body when the client waits for the go-ahead.
// A template over the stream so that plain TCP and TLS sessions can share it.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http.hpp>

#include "oss.hpp"

namespace dav115::fake115 {

template <class Stream>
boost::asio::awaitable<bool> serve_oss(Emulator& emu, Stream& stream, boost::beast::flat_buffer& buf,
                                       boost::beast::http::request_parser<boost::beast::http::empty_body>& head_parser) {
  namespace asio = boost::asio;
  namespace http = boost::beast::http;
  constexpr std::size_t kChunk = 64 * 1024;
  constexpr std::size_t kMaxXmlBody = 4 * 1024 * 1024;  // 10 000 parts listed fit easily

  const auto& head = head_parser.get();
  const unsigned version = head.version();
  const bool keep_alive = head.keep_alive();
  const bool expect_continue = boost::beast::iequals(head[http::field::expect], "100-continue");
  const bool has_body = !head_parser.is_done();
  OssExchange ex(emu, std::string(head.method_string()), std::string(head.target()), head);

  auto reset = [&] {
    boost::system::error_code ec;
    auto& sock = boost::beast::get_lowest_layer(stream);
    sock.set_option(asio::socket_base::linger(true, 0), ec);
    sock.close(ec);
  };
  if (ex.early() && ex.early()->reset) {
    ex.record(0, ex.early()->result);
    reset();
    co_return false;
  }
  // Refused before the body: a client waiting for 100 Continue gets the refusal instead (and the
  // connection closes, as its body will not come); any other client's body is read and dropped.
  const bool read_body = has_body && !(ex.early() && expect_continue);
  if (read_body && expect_continue) {
    static const std::string go = "HTTP/1.1 100 Continue\r\n\r\n";
    boost::system::error_code ec;
    co_await asio::async_write(stream, asio::buffer(go), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return false;
  }
  std::string small;
  bool too_big = false;
  if (read_body) {
    http::request_parser<http::buffer_body> p(std::move(head_parser));
    p.body_limit(boost::none);
    std::vector<char> chunk(kChunk);
    while (!p.is_done()) {
      p.get().body().data = chunk.data();
      p.get().body().size = chunk.size();
      boost::system::error_code ec;
      co_await http::async_read(stream, buf, p, asio::redirect_error(asio::use_awaitable, ec));
      if (ec == http::error::need_buffer) ec = {};
      if (ec) {
        ex.record(0, "client_gone");
        co_return false;
      }
      const std::size_t n = chunk.size() - p.get().body().size;
      emu.stats.oss_bytes(n);
      if (ex.early()) continue;  // refused: drained only
      if (ex.wants_body_in_memory()) {
        too_big = too_big || small.size() + n > kMaxXmlBody;
        if (!too_big) small.append(chunk.data(), n);
      } else {
        ex.sink().write(chunk.data(), n);
      }
    }
  }
  OssReply reply;
  if (ex.early()) {
    reply = *ex.early();
  } else if (too_big) {
    reply = oss_error(400, "MalformedXML", "The XML you provided is too large.");
  } else {
    auto work = [&ex, &small]() -> asio::awaitable<OssReply> { co_return ex.finish(small); };
    auto done = asio::co_spawn(oss_blocking_pool().get_executor(), work, asio::use_awaitable);
    reply = co_await std::move(done);
  }
  ex.record(reply.status, reply.result);
  if (reply.reset) {
    reset();
    co_return false;
  }
  http::response<http::string_body> res{static_cast<http::status>(reply.status), version};
  res.set(http::field::server, "AliyunOSS");
  if (!reply.content_type.empty()) res.set(http::field::content_type, reply.content_type);
  for (const auto& [k, v] : reply.headers) res.set(k, v);
  const bool keep = keep_alive && read_body == has_body;
  res.keep_alive(keep);
  res.body() = std::move(reply.body);
  res.prepare_payload();
  boost::system::error_code ec;
  co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec && keep;
}

}  // namespace dav115::fake115
