// ProxyBody against an in-process CDN stub on 127.0.0.1 that cuts connections mid-body and rejects
// expired links: the client must still receive exactly the requested bytes.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <atomic>
#include <vector>

#include "dav115/delivery/proxy_body.hpp"

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;
using namespace dav115;
using namespace dav115::delivery;

namespace {

std::string make_content(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 7919 + i / 251) & 0xFF);
  return s;
}

// Serves `content` at any path with Range support. The first `cuts` responses stop after `cut_after`
// body bytes and drop the connection; URLs containing "expired" get 403.
struct CdnStub {
  asio::io_context& io;
  tcp::acceptor acceptor{io, {asio::ip::make_address("127.0.0.1"), 0}};
  std::string content;
  int cuts = 0;
  std::size_t cut_after = 0;
  std::vector<std::string> ranges_seen;
  std::vector<std::string> agents_seen;
  std::vector<bool> saw_forbidden_headers;

  unsigned short port() const { return acceptor.local_endpoint().port(); }

  asio::awaitable<void> serve(tcp::socket sock) {
    boost::beast::flat_buffer buf;
    try {
      for (int i = 0; i < 50; ++i) {
        http::request<http::string_body> req;
        co_await http::async_read(sock, buf, req, asio::use_awaitable);
        std::string range(req[http::field::range]);
        ranges_seen.push_back(range);
        agents_seen.emplace_back(req[http::field::user_agent]);
        saw_forbidden_headers.push_back(req.count(http::field::authorization) || req.count(http::field::cookie));
        if (req.target().find("expired") != std::string_view::npos) {
          std::string r = "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n";
          co_await asio::async_write(sock, asio::buffer(r), asio::use_awaitable);
          continue;
        }
        std::uint64_t first = 0, last = content.size() - 1;
        if (std::sscanf(range.c_str(), "bytes=%lu-%lu", &first, &last) < 1) first = 0;
        if (last >= content.size()) last = content.size() - 1;
        std::size_t len = last - first + 1;
        std::string head = "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes " + std::to_string(first) + "-" +
                           std::to_string(last) + "/" + std::to_string(content.size()) +
                           "\r\nContent-Length: " + std::to_string(len) + "\r\nSet-Cookie: x=y\r\n\r\n";
        std::string_view body(content.data() + first, len);
        bool cut = cuts > 0 && len > cut_after;
        if (cut) {
          --cuts;
          body = body.substr(0, cut_after);
        }
        co_await asio::async_write(sock, asio::buffer(head), asio::use_awaitable);
        co_await asio::async_write(sock, asio::buffer(body.data(), body.size()), asio::use_awaitable);
        if (cut) co_return;  // socket closes mid-body
      }
    } catch (const std::exception&) {
    }
  }

  asio::awaitable<void> run() {
    try {
      while (true) {
        auto sock = co_await acceptor.async_accept(asio::use_awaitable);
        asio::co_spawn(io, serve(std::move(sock)), asio::detached);
      }
    } catch (const std::exception&) {
    }
  }
};

struct Fixture {
  asio::io_context io;
  CdnStub stub{io};
  std::shared_ptr<CdnClient> cdn = std::make_shared<CdnClient>(CdnOptions{});
  std::shared_ptr<LinkConnectionBudget> budget = std::make_shared<LinkConnectionBudget>();
  int mints = 0, fresh_mints = 0, invalidations = 0;
  std::string path = "/file";

  LinkSource links() {
    LinkSource s;
    s.get = [this](bool fresh) -> asio::awaitable<vfs::DownloadLink> {
      ++mints;
      if (fresh) ++fresh_mints;
      vfs::DownloadLink l;
      l.url = "http://127.0.0.1:" + std::to_string(stub.port()) + (fresh ? std::string("/file") : path) +
              "?t=1&m=" + std::to_string(mints);
      l.user_agent = "gateway-ua";
      l.max_connections = 2;
      co_return l;
    };
    s.invalidate = [this](const vfs::DownloadLink&) { ++invalidations; };
    return s;
  }

  ProxyStreamSettings settings() {
    ProxyStreamSettings st;
    st.cdn_host_allowlist = {"127.0.0.1"};
    st.allow_plain_http = true;
    return st;
  }

  // Runs the whole body through a 64 KiB buffer, like the server does.
  std::string drain(ProxyBody& body, bool& failed) {
    std::string out;
    failed = false;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          try {
            co_await body.start();
            std::vector<char> buf(64 * 1024);
            for (int i = 0; i < 10000; ++i) {
              auto n = co_await body.read(asio::buffer(buf));
              if (n == 0) break;
              out.append(buf.data(), n);
            }
          } catch (const std::exception&) {
            failed = true;
          }
          stub.acceptor.close();
          io.stop();  // idle keep-alive connections would otherwise keep run_for() busy
        },
        asio::detached);
    asio::co_spawn(io, stub.run(), asio::detached);
    io.run_for(std::chrono::seconds(60));
    return out;
  }
};

}  // namespace

TEST_CASE("ProxyBody resumes after mid-body cuts and delivers the exact bytes") {
  Fixture f;
  f.stub.content = make_content(700 * 1024 + 13);
  f.stub.cuts = 3;
  f.stub.cut_after = 100 * 1024 + 1;
  ByteRange range{5, f.stub.content.size() - 1};
  ProxyBody body(f.cdn, f.budget, f.links(), f.settings(), f.stub.content.size(), range);
  bool failed = false;
  auto got = f.drain(body, failed);
  CHECK_FALSE(failed);
  REQUIRE(got.size() == f.stub.content.size() - 5);
  CHECK(got == f.stub.content.substr(5));
  CHECK(body.attempts_used() == 3);
  REQUIRE(f.stub.ranges_seen.size() == 4);
  CHECK(f.stub.ranges_seen[0] == "bytes=5-" + std::to_string(f.stub.content.size() - 1));
  CHECK(f.stub.ranges_seen[1].rfind("bytes=" + std::to_string(5 + 100 * 1024 + 1) + "-", 0) == 0);
  for (const auto& ua : f.stub.agents_seen) CHECK(ua == "gateway-ua");
  for (bool forbidden : f.stub.saw_forbidden_headers) CHECK_FALSE(forbidden);
  // Each fully read body returned its connection to the pool; cut ones were not.
  CHECK(f.budget->open_count("x") == 0);
}

TEST_CASE("ProxyBody serves a middle range exactly") {
  Fixture f;
  f.stub.content = make_content(300 * 1024);
  ByteRange range{1000, 250 * 1024};
  ProxyBody body(f.cdn, f.budget, f.links(), f.settings(), f.stub.content.size(), range);
  bool failed = false;
  auto got = f.drain(body, failed);
  CHECK_FALSE(failed);
  CHECK(got == f.stub.content.substr(1000, range.length()));
  CHECK(body.attempts_used() == 0);
  CHECK(f.cdn->idle_connections() == 1);  // keep-alive: the connection went back to the pool
}

TEST_CASE("ProxyBody re-mints the link when the CDN rejects it") {
  Fixture f;
  f.stub.content = make_content(10000);
  f.path = "/expired";  // cached links are rejected; fresh ones work
  ProxyBody body(f.cdn, f.budget, f.links(), f.settings(), f.stub.content.size(), {0, 9999});
  bool failed = false;
  auto got = f.drain(body, failed);
  CHECK_FALSE(failed);
  CHECK(got == f.stub.content);
  CHECK(f.invalidations == 1);
  CHECK(f.fresh_mints == 1);
}

TEST_CASE("ProxyBody refuses links outside the allow-list before connecting") {
  Fixture f;
  f.stub.content = make_content(100);
  auto st = f.settings();
  st.cdn_host_allowlist = {"*.115cdn.net"};
  ProxyBody body(f.cdn, f.budget, f.links(), st, 100, {0, 99});
  bool failed = false;
  f.drain(body, failed);
  CHECK(failed);
  CHECK(f.stub.ranges_seen.empty());
}

TEST_CASE("ProxyBody gives up after a bounded number of failures") {
  Fixture f;
  f.stub.content = make_content(50000);
  f.stub.cuts = 100;
  f.stub.cut_after = 10;
  auto st = f.settings();
  st.max_attempts = 3;
  ProxyBody body(f.cdn, f.budget, f.links(), st, f.stub.content.size(), {0, 49999});
  bool failed = false;
  f.drain(body, failed);
  CHECK(failed);
  CHECK(f.stub.ranges_seen.size() == 3);
}

TEST_CASE("ProxyBody bounds failures without progress, not resumptions that move the stream forward") {
  Fixture f;
  f.stub.content = make_content(800 * 1024);
  f.stub.cuts = 6;  // twice max_attempts, each after well over kResumeProgressBytes
  f.stub.cut_after = 100 * 1024 + 7;
  auto st = f.settings();
  st.max_attempts = 3;
  ProxyBody body(f.cdn, f.budget, f.links(), st, f.stub.content.size(), {0, f.stub.content.size() - 1});
  bool failed = false;
  auto got = f.drain(body, failed);
  CHECK_FALSE(failed);
  CHECK(got == f.stub.content);
  CHECK(body.attempts_used() == 6);
  CHECK(f.stub.ranges_seen.size() == 7);
}
