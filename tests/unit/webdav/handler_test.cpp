// The PROPFIND/OPTIONS handler end to end over a real vfs::Tree and an in-memory 115 Api.
#include <catch2/catch.hpp>

#include <pugixml.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <map>
#include <mutex>
#include <optional>

#include "dav115/cloud115/api.hpp"
#include "dav115/webdav/handler.hpp"

namespace asio = boost::asio;
using namespace dav115;
using namespace std::chrono_literals;

namespace {

class MemoryApi : public cloud115::Api {
 public:
  std::map<std::string, std::vector<cloud115::Entry>> folders;
  std::optional<cloud115::ApiError> failure;  // thrown by every call when set
  cloud115::Quota quota_value{1000, 300, 700};
  int quota_calls = 0;

  asio::awaitable<std::vector<cloud115::Entry>> list_folder(std::string cid, cloud115::CallOptions) override {
    if (failure) throw *failure;
    auto it = folders.find(cid);
    if (it == folders.end()) throw cloud115::ApiError(cloud115::ErrorKind::NotFound, 50003, "no such folder");
    co_return it->second;
  }
  bool quota_fails = false;  // only the quota call fails
  asio::awaitable<cloud115::Quota> quota(cloud115::CallOptions) override {
    if (failure) throw *failure;
    if (quota_fails) throw cloud115::ApiError(cloud115::ErrorKind::RateLimited, 770004, "slow down", 7s);
    ++quota_calls;
    co_return quota_value;
  }
  asio::awaitable<std::optional<cloud115::Entry>> get_info(std::string id, cloud115::CallOptions) override {
    for (auto& [cid, entries] : folders)
      for (auto& e : entries)
        if (e.id == id) co_return e;
    co_return std::nullopt;
  }
  asio::awaitable<cloud115::DownloadLink> download_link(std::string, std::string, std::string,
                                                        cloud115::CallOptions) override {
    throw cloud115::ApiError(cloud115::ErrorKind::Other, 1, "not in this test");
  }
  // Writes are tested with vfs_test::FakeApi; here they are never reached.
  static cloud115::ApiError no_writes() { return cloud115::ApiError(cloud115::ErrorKind::Other, 1, "not in this test"); }
  asio::awaitable<cloud115::Entry> make_folder(std::string, std::string, cloud115::CallOptions) override { throw no_writes(); co_return cloud115::Entry{}; }
  asio::awaitable<void> move(std::vector<std::string>, std::string, cloud115::CallOptions) override { throw no_writes(); co_return; }
  asio::awaitable<void> copy(std::vector<std::string>, std::string, cloud115::CallOptions) override { throw no_writes(); co_return; }
  asio::awaitable<void> rename(std::string, std::string, cloud115::CallOptions) override { throw no_writes(); co_return; }
  asio::awaitable<void> remove(std::vector<std::string>, std::string, cloud115::CallOptions) override { throw no_writes(); co_return; }
  asio::awaitable<cloud115::UploadResult> upload(cloud115::UploadSource, std::string, std::string,
                                                 cloud115::CallOptions) override { throw no_writes(); co_return cloud115::UploadResult{}; }
  cloud115::UpstreamStatus status() const override { return {}; }
};

cloud115::Entry entry(std::string id, std::string parent, std::string name, bool dir, std::uint64_t size = 0) {
  cloud115::Entry e;
  e.id = std::move(id);
  e.parent_id = std::move(parent);
  e.name = std::move(name);
  e.is_dir = dir;
  e.size = size;
  e.mtime = 1795632403;
  e.ctime = 1795632400;
  if (!dir) {
    e.sha1 = "AAAABBBBCCCCDDDDEEEEFFFF0000111122223333";
    e.pick_code = "pc" + e.id;
  }
  return e;
}

struct Fixture {
  asio::io_context io;
  MemoryApi api;
  config::Config cfg;
  std::unique_ptr<vfs::Tree> tree;
  std::unique_ptr<webdav::Handler> handler;

  explicit Fixture(std::string mount = "/dav/") {
    api.folders["0"] = {entry("10", "0", "Movies", true), entry("11", "0", "readme.txt", false, 42),
                        entry("12", "0", "ü ber & co", true)};
    api.folders["10"] = {entry("20", "10", "a b.mkv", false, 1000), entry("21", "10", "中文 #1.mp4", false, 2000),
                         entry("22", "10", "Season 1", true)};
    api.folders["12"] = {};
    api.folders["22"] = {};
    cfg.mount_path = mount;
    tree = std::make_unique<vfs::Tree>(io.get_executor(), api, cfg);
    handler = std::make_unique<webdav::Handler>(*tree, webdav::Options{mount, 5s});
  }

  util::HttpResponse send(std::string method, std::string target, std::optional<std::string> depth = "1",
                          std::string body = {}) {
    util::HttpRequest req;
    req.method = std::move(method);
    req.target = std::move(target);
    if (depth) req.headers.emplace_back("Depth", *depth);
    req.body = std::move(body);
    std::optional<util::HttpResponse> out;
    std::exception_ptr error;
    asio::co_spawn(io, handler->handle(req), [&](std::exception_ptr e, util::HttpResponse r) {
      error = e;
      out = std::move(r);
    });
    io.restart();
    io.run_for(10s);
    if (error) std::rethrow_exception(error);
    REQUIRE(out);
    return *out;
  }
};

std::vector<std::string> hrefs_of(const util::HttpResponse& r) {
  pugi::xml_document doc;
  REQUIRE(doc.load_string(r.body.c_str()));
  std::vector<std::string> out;
  for (auto resp : doc.child("D:multistatus").children("D:response")) out.push_back(resp.child_value("D:href"));
  return out;
}

}  // namespace

TEST_CASE("OPTIONS answers on every path, inside the mount or not") {
  Fixture f;
  for (const char* target : {"/", "/dav/", "/elsewhere/x", "*"}) {
    INFO(target);
    auto r = f.send("OPTIONS", target, std::nullopt);
    CHECK(r.status == 200);
    CHECK(r.header("DAV") == "1");
    CHECK(r.header("MS-Author-Via") == "DAV");
    CHECK(r.header("Allow") == "OPTIONS, GET, HEAD, PROPFIND");
  }
}

TEST_CASE("write methods are 405 with Allow") {
  Fixture f;
  for (const char* m : {"PUT", "DELETE", "MKCOL", "COPY", "MOVE", "PROPPATCH", "LOCK", "UNLOCK", "POST"}) {
    INFO(m);
    CHECK(webdav::Handler::handles(m));
    auto r = f.send(m, "/dav/readme.txt");
    CHECK(r.status == 405);
    CHECK(r.header("Allow") == "OPTIONS, GET, HEAD, PROPFIND");
  }
  CHECK_FALSE(webdav::Handler::handles("GET"));
  CHECK_FALSE(webdav::Handler::handles("HEAD"));
}

TEST_CASE("PROPFIND depth 1 lists the folder with encoded hrefs") {
  Fixture f;
  auto r = f.send("PROPFIND", "/dav/Movies/");
  REQUIRE(r.status == 207);
  CHECK(r.header("Content-Type") == "application/xml; charset=utf-8");
  auto hrefs = hrefs_of(r);
  REQUIRE(hrefs.size() == 4);
  CHECK(hrefs[0] == "/dav/Movies/");
  CHECK(hrefs[1] == "/dav/Movies/a%20b.mkv");
  CHECK(hrefs[2] == "/dav/Movies/%E4%B8%AD%E6%96%87%20%231.mp4");
  CHECK(hrefs[3] == "/dav/Movies/Season%201/");
}

TEST_CASE("PROPFIND depth 0, the root, and a collection without its trailing slash") {
  Fixture f;
  auto r = f.send("PROPFIND", "/dav/Movies", "0");
  REQUIRE(r.status == 207);  // no redirect
  CHECK(hrefs_of(r) == std::vector<std::string>{"/dav/Movies/"});

  r = f.send("PROPFIND", "/dav", "1");
  REQUIRE(r.status == 207);
  auto hrefs = hrefs_of(r);
  REQUIRE(hrefs.size() == 4);
  CHECK(hrefs[0] == "/dav/");
  CHECK(hrefs[3] == "/dav/%C3%BC%20ber%20%26%20co/");

  r = f.send("PROPFIND", "/dav/readme.txt", "0");
  REQUIRE(r.status == 207);
  CHECK(hrefs_of(r) == std::vector<std::string>{"/dav/readme.txt"});
  CHECK(r.body.find("<D:getcontentlength>42</D:getcontentlength>") != std::string::npos);
}

TEST_CASE("an NFD request finds the NFC name and echoes the client's href") {
  Fixture f;
  auto r = f.send("PROPFIND", "/dav/u%CC%88%20ber%20&%20co/", "0");
  REQUIRE(r.status == 207);
  CHECK(hrefs_of(r) == std::vector<std::string>{"/dav/u%CC%88%20ber%20%26%20co/"});
}

TEST_CASE("missing resources are a plain 404, bad paths 400") {
  Fixture f;
  CHECK(f.send("PROPFIND", "/dav/nope", "0").status == 404);
  CHECK(f.send("PROPFIND", "/dav/Movies/nope/deeper", "0").status == 404);
  CHECK(f.send("PROPFIND", "/dav/readme.txt/", "0").status == 404);  // a file is not a collection
  CHECK(f.send("PROPFIND", "/other/", "0").status == 404);
  CHECK(f.send("PROPFIND", "/dav/%2e%2e/etc", "0").status == 400);
  CHECK(f.send("PROPFIND", "/dav/a%2fb", "0").status == 400);
}

TEST_CASE("Depth infinity (or none) on a collection is 403 propfind-finite-depth; bad Depth is 400") {
  Fixture f;
  for (std::optional<std::string> depth : {std::optional<std::string>("infinity"), std::optional<std::string>()}) {
    auto r = f.send("PROPFIND", "/dav/Movies/", depth);
    CHECK(r.status == 403);
    pugi::xml_document doc;
    REQUIRE(doc.load_string(r.body.c_str()));
    CHECK(doc.child("D:error").child("D:propfind-finite-depth"));
  }
  auto file = f.send("PROPFIND", "/dav/readme.txt", "infinity");
  CHECK(file.status == 207);  // infinity on a file is depth 0
  CHECK(f.send("PROPFIND", "/dav/", "2").status == 400);
  CHECK(f.send("PROPFIND", "/dav/", "one").status == 400);
}

TEST_CASE("malformed PROPFIND bodies are 400") {
  Fixture f;
  CHECK(f.send("PROPFIND", "/dav/", "0", "<D:propfind xmlns:D=\"DAV:\"><D:prop>").status == 400);
  CHECK(f.send("PROPFIND", "/dav/", "0",
               R"(<D:propfind xmlns:D="DAV:"><D:prop><bar:foo xmlns:bar=""/></D:prop></D:propfind>)")
            .status == 400);
}

TEST_CASE("quota properties on the root come from the upstream, only when asked") {
  Fixture f;
  const std::string body =
      R"(<?xml version="1.0"?><propfind xmlns="DAV:"><prop><quota-available-bytes/><quota-used-bytes/></prop></propfind>)";
  auto r = f.send("PROPFIND", "/dav/", "0", body);
  REQUIRE(r.status == 207);
  CHECK(r.body.find("<D:quota-available-bytes>700</D:quota-available-bytes>") != std::string::npos);
  CHECK(r.body.find("<D:quota-used-bytes>300</D:quota-used-bytes>") != std::string::npos);
  CHECK(f.api.quota_calls == 1);

  auto sub = f.send("PROPFIND", "/dav/Movies/", "0", body);
  REQUIRE(sub.status == 207);
  CHECK(sub.body.find("HTTP/1.1 404 Not Found") != std::string::npos);
  CHECK(sub.body.find(">300<") == std::string::npos);

}

TEST_CASE("allprop shows quota on the mount root only, from the cached figures") {
  Fixture f;
  auto root = f.send("PROPFIND", "/dav/", "0");
  REQUIRE(root.status == 207);
  CHECK(root.body.find("<D:quota-available-bytes>700</D:quota-available-bytes>") != std::string::npos);
  CHECK(root.body.find("<D:quota-used-bytes>300</D:quota-used-bytes>") != std::string::npos);
  CHECK(f.api.quota_calls == 1);

  auto listing = f.send("PROPFIND", "/dav/", "1");  // the root and its children
  REQUIRE(listing.status == 207);
  CHECK(hrefs_of(listing).size() == 4);
  const auto first = listing.body.find("quota-used-bytes");
  REQUIRE(first != std::string::npos);
  CHECK(first < listing.body.find("</D:response>"));  // in the root's own response...
  CHECK(listing.body.find("quota-used-bytes", listing.body.find("</D:response>")) ==
        std::string::npos);  // ...and nowhere else
  CHECK(f.api.quota_calls == 1);  // cached (cache.quota_ttl)

  auto sub = f.send("PROPFIND", "/dav/Movies/", "1");
  REQUIRE(sub.status == 207);
  CHECK(sub.body.find("quota") == std::string::npos);
  CHECK(f.api.quota_calls == 1);
}

TEST_CASE("allprop on the root still answers when the quota cannot be fetched") {
  Fixture f;
  f.api.quota_fails = true;
  auto root = f.send("PROPFIND", "/dav/", "1");
  REQUIRE(root.status == 207);
  CHECK(hrefs_of(root).size() == 4);
  CHECK(root.body.find("quota") == std::string::npos);
}

TEST_CASE("a PROPFIND naming more properties than the limit is 422, at the limit 207") {
  Fixture f;
  auto body = [](int n) {
    std::string b = R"(<propfind xmlns="DAV:" xmlns:z="urn:z"><prop>)";
    for (int i = 0; i < n; ++i) b += "<z:p" + std::to_string(i) + "/>";
    return b + "</prop></propfind>";
  };
  auto over = f.send("PROPFIND", "/dav/readme.txt", "0", body(201));
  CHECK(over.status == 422);
  CHECK(over.body.find("201") != std::string::npos);
  CHECK(over.body.find("max_propfind_properties") != std::string::npos);
  auto at = f.send("PROPFIND", "/dav/readme.txt", "0", body(200));
  CHECK(at.status == 207);
}

TEST_CASE("an upstream failure is 503 with Retry-After, never 404 or an empty 207") {
  Fixture f;
  f.api.failure = cloud115::ApiError(cloud115::ErrorKind::RateLimited, 770004, "slow down", 7s);
  auto r = f.send("PROPFIND", "/dav/Movies/", "1");
  CHECK(r.status == 503);
  auto retry = r.header("Retry-After");
  REQUIRE(retry);
  CHECK(std::stoi(std::string(*retry)) >= 1);

  Fixture g;
  g.api.failure = cloud115::ApiError(cloud115::ErrorKind::ReauthRequired, 40140116, "token dead");
  auto reauth = g.send("PROPFIND", "/dav/", "1");
  CHECK(reauth.status == 503);
  CHECK(reauth.body.find("re-authorize") != std::string::npos);
}

TEST_CASE("a mount at / serves the whole drive") {
  Fixture f("/");
  auto r = f.send("PROPFIND", "/", "1");
  REQUIRE(r.status == 207);
  auto hrefs = hrefs_of(r);
  REQUIRE(hrefs.size() == 4);
  CHECK(hrefs[0] == "/");
  CHECK(hrefs[1] == "/Movies/");
  CHECK(hrefs[2] == "/readme.txt");
}
