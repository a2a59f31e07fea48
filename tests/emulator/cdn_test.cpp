// The CDN: signed links bound to the UA, expiry, the per-link concurrency cap, ranges, HEAD, keep-alive.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/url/parse.hpp>

#include "helpers.hpp"

using namespace emu_test;

namespace {

HttpResult fetch(const std::string& url, const std::string& range = "", const std::string& ua = kUa) {
  HttpHeaders h = {{"User-Agent", ua}};
  if (!range.empty()) h.emplace_back("Range", range);
  return http("GET", url, h);
}

// A download that has started (headers read) and then stalls: it keeps its slot of the link's cap.
struct StalledDownload {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket sock{ioc};
  StalledDownload(const std::string& url, const std::string& ua) {
    auto u = boost::urls::parse_uri(url).value();
    boost::asio::ip::tcp::resolver resolver(ioc);
    boost::asio::connect(sock, resolver.resolve(std::string(u.host()), std::string(u.port())));
    std::string target = std::string(u.encoded_path()) + "?" + std::string(u.encoded_query());
    std::string req = "GET " + target + " HTTP/1.1\r\nHost: x\r\nUser-Agent: " + ua + "\r\n\r\n";
    boost::asio::write(sock, boost::asio::buffer(req));
    char buf[12];
    boost::asio::read(sock, boost::asio::buffer(buf));
    status_line = std::string(buf, sizeof buf);
  }
  std::string status_line;
};

}  // namespace

TEST_CASE("cdn: the link works only with the UA it was minted for, and unaltered") {
  Fake115 f;
  const std::string url = download_url(f, "sizes/128k.bin", "Player/1.0");
  CHECK(fetch(url, "", "Player/1.0").status == 200);
  CHECK(fetch(url, "", "Other/2.0").status == 403);
  CHECK(fetch(url, "", "").status == 403);
  std::string tampered = url;
  tampered.back() = tampered.back() == 'a' ? 'b' : 'a';
  CHECK(fetch(tampered, "", "Player/1.0").status == 403);
  // stretching the expiry breaks the signature too
  auto t = url.find("t=");
  std::string later = url.substr(0, t + 2) + "9" + url.substr(t + 2);
  CHECK(fetch(later, "", "Player/1.0").status == 403);
}

TEST_CASE("cdn: links expire after --link-ttl") {
  Fake115 f({"--link-ttl", "1"});
  const std::string url = download_url(f, "hello.txt");
  CHECK(fetch(url).status == 200);
  bool expired = wait_until([&] { return fetch(url).status == 403; }, std::chrono::seconds(5), std::chrono::milliseconds(100));
  CHECK(expired);
}

TEST_CASE("cdn: ranges") {
  Fake115 f;
  json e = f.entry("sizes/1m7.bin");
  const std::string url = download_url(f, "sizes/1m7.bin");
  const std::uint64_t size = 1048583;
  auto full = fetch(url);
  REQUIRE(full.status == 200);
  CHECK(full.body.size() == size);
  CHECK(full.header("Content-Length") == std::to_string(size));
  CHECK(full.header("Accept-Ranges") == "bytes");
  CHECK(sha1_hex_upper(full.body) == e["sha1"]);

  auto first = fetch(url, "bytes=0-0");
  CHECK(first.status == 206);
  CHECK(first.body == full.body.substr(0, 1));
  CHECK(first.header("Content-Range") == "bytes 0-0/1048583");

  auto mid = fetch(url, "bytes=1000-1999");
  CHECK(mid.status == 206);
  CHECK(mid.body == full.body.substr(1000, 1000));
  CHECK(mid.header("Content-Length") == "1000");

  auto open = fetch(url, "bytes=1048000-");
  CHECK(open.status == 206);
  CHECK(open.body == full.body.substr(1048000));

  auto suffix = fetch(url, "bytes=-7");
  CHECK(suffix.status == 206);
  CHECK(suffix.body == full.body.substr(size - 7));
  CHECK(suffix.header("Content-Range") == "bytes 1048576-1048582/1048583");

  auto past = fetch(url, "bytes=1048583-");
  CHECK(past.status == 416);
  CHECK(past.header("Content-Range") == "bytes */1048583");

  auto multi = fetch(url, "bytes=0-1,5-6");
  CHECK(multi.status == 200);
  CHECK(multi.body.size() == size);
}

TEST_CASE("cdn: zero-byte and one-byte files, HEAD, keep-alive") {
  Fake115 f;
  auto empty = fetch(download_url(f, "sizes/empty.bin"));
  CHECK(empty.status == 200);
  CHECK(empty.body.empty());
  CHECK(empty.header("Content-Length") == "0");
  CHECK(fetch(download_url(f, "sizes/empty.bin"), "bytes=0-").status == 416);
  auto one = fetch(download_url(f, "sizes/one.bin"), "bytes=-5");
  CHECK(one.status == 206);
  CHECK(one.body.size() == 1);

  const std::string url = download_url(f, "sizes/128k.bin");
  auto u = boost::urls::parse_uri(url).value();
  HttpConnection conn(std::string(u.scheme()) + "://" + std::string(u.encoded_authority()));
  const std::string target = std::string(u.encoded_path()) + "?" + std::string(u.encoded_query());
  auto head = conn.request("HEAD", target, {{"User-Agent", kUa}});
  CHECK(head.status == 200);
  CHECK(head.header("Content-Length") == "131072");
  CHECK(head.body.empty());
  auto get1 = conn.request("GET", target, {{"User-Agent", kUa}, {"Range", "bytes=0-9"}});
  auto get2 = conn.request("GET", target, {{"User-Agent", kUa}});
  CHECK(get1.status == 206);
  CHECK(get2.body.size() == 131072);
  CHECK(conn.connections_opened() == 1);
}

TEST_CASE("cdn: at most c simultaneous downloads per link") {
  Fake115 f;  // --cdn-max-conns defaults to 2
  // 64 MiB: far more than the socket buffers hold, so a stalled reader keeps its download open.
  const std::string url = download_url(f, "big/64m.bin");
  auto a = std::make_unique<StalledDownload>(url, kUa);
  StalledDownload b(url, kUa);
  CHECK(a->status_line == "HTTP/1.1 200");
  CHECK(b.status_line == "HTTP/1.1 200");
  auto third = fetch(url, "bytes=0-9");
  CHECK(third.status == 403);
  CHECK(third.body.find("too many concurrent connections") != std::string::npos);
  CHECK(f.stats()["max_concurrent_per_link"] == 2);
  // A fresh link for the same file has its own budget.
  CHECK(fetch(download_url(f, "big/64m.bin"), "bytes=0-9").status == 206);
  // Closing one stalled download frees its slot.
  a.reset();
  bool freed = wait_until([&] { return fetch(url, "bytes=0-9").status == 206; }, std::chrono::seconds(10),
                          std::chrono::milliseconds(50));
  CHECK(freed);
}

TEST_CASE("cdn: --cdn-max-conns 0 means unlimited") {
  Fake115 f({"--cdn-max-conns", "0"});
  const std::string url = download_url(f, "big/64m.bin");
  CHECK(url.find("c=0") != std::string::npos);
  StalledDownload a(url, kUa), b(url, kUa), c(url, kUa);
  CHECK(fetch(url, "bytes=0-9").status == 206);
}

TEST_CASE("cdn: --public-base goes into the links") {
  Fake115 f({"--public-base", "http://cdn.example.test:8080"});
  CHECK(download_url(f, "hello.txt").rfind("http://cdn.example.test:8080/cdn/", 0) == 0);
}

TEST_CASE("cdn: the 1 GiB file is streamed by position; its SHA-1 is cached in the state dir") {
  Fake115 f({"--max-file-size", "2000000000"});
  json e = f.entry("big/1g.bin");  // waits for its SHA-1 (about 2 s, once)
  CHECK(e["size"] == 1073741824ull);
  CHECK(e["sha1"].get<std::string>().size() == 40);
  const std::string url = download_url(f, "big/1g.bin");
  auto tail = fetch(url, "bytes=-16");
  auto same = fetch(url, "bytes=1073741808-1073741823");
  CHECK(tail.status == 206);
  CHECK(tail.body.size() == 16);
  CHECK(tail.body == same.body);
  CHECK(read_text_file(f.state_dir() + "/sha1-cache.txt").find(e["sha1"].get<std::string>()) != std::string::npos);
}
