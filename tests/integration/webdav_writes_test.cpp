// Writes end to end: the real gateway against fake115 (folder/add, move, copy, update, delete, the
// upload flow with instant upload, the sign check and OSS). Every check that a write "worked" looks at
// the emulator's own tree, never only at the gateway's answer.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include <sys/socket.h>
#include <unistd.h>

#include "support/digest.hpp"
#include "support/fake115.hpp"
#include "support/gateway.hpp"
#include "support/multistatus.hpp"

using namespace dav115::test;
using nlohmann::json;

namespace {

std::string random_bytes(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

// The /__tree entry at `path`, read now.
std::optional<json> live(Fake115& emu, const std::string& path) {
  const json tree = emu.tree();
  for (const auto& e : tree["entries"])
    if (e["path"] == path) return e;
  return std::nullopt;
}

int count_named(Fake115& emu, const std::string& path) {
  const json tree = emu.tree();
  int n = 0;
  for (const auto& e : tree["entries"])
    if (e["path"] == path) ++n;
  return n;
}

std::uint64_t oss_bytes(Fake115& emu) { return emu.stats()["oss_bytes"].get<std::uint64_t>(); }

std::size_t spool_files(Gateway& gw) {
  std::size_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(gw.state_dir() + "/spool", ec);
       !ec && it != std::filesystem::directory_iterator(); ++it)
    ++n;
  return n;
}

json writable_overrides() {
  // Small parts so that a few MiB already go up as a multipart upload.
  return {{"upload", {{"multipart_threshold_bytes", 1 << 20}, {"part_bytes", 256 * 1024}}}};
}

const HttpOptions kSlow{std::chrono::seconds(120)};

}  // namespace

TEST_CASE("OPTIONS advertises class 2 and the write methods; read_only keeps class 1") {
  Fake115 emu;
  {
    Gateway gw(emu);
    auto r = dav(gw, "OPTIONS", "");
    CHECK(r.header("DAV") == "1, 2");
    CHECK(r.header("Allow").find("PUT") != std::string::npos);
    CHECK(r.header("Allow").find("LOCK") != std::string::npos);
  }
  {
    Gateway gw(emu, {{"read_only", true}});
    auto r = dav(gw, "OPTIONS", "");
    CHECK(r.header("DAV") == "1");
    CHECK(dav(gw, "PUT", "new.txt", {}, "x").status == 405);
    CHECK(dav(gw, "MKCOL", "newdir").status == 405);
    CHECK_FALSE(live(emu, "new.txt"));
  }
}

TEST_CASE("MKCOL, PUT, COPY, MOVE and DELETE change 115's tree, and listings show it at once") {
  Fake115 emu;
  Gateway gw(emu, writable_overrides());

  // MKCOL: 201, then 405 for the same name, 409 without a parent, 415 with a body.
  CHECK(dav(gw, "MKCOL", "w").status == 201);
  auto made = live(emu, "w");
  REQUIRE(made);
  CHECK((*made)["is_dir"] == true);
  CHECK(dav(gw, "MKCOL", "w").status == 405);
  CHECK(dav(gw, "MKCOL", "missing/child").status == 409);
  CHECK(dav(gw, "MKCOL", "w/with-body", {}, "<x/>").status == 415);
  CHECK_FALSE(live(emu, "w/with-body"));

  // PUT: 201 new, with the exact bytes in 115; the listing shows it before 115's would need to.
  const std::string small = random_bytes(5000, 1);
  auto put = dav(gw, "PUT", "w/a%20b%20%26%20c.txt", {}, small);
  CHECK(put.status == 201);
  auto stored = live(emu, "w/a b & c.txt");
  REQUIRE(stored);
  CHECK((*stored)["size"] == small.size());
  CHECK(lower((*stored)["sha1"]) == sha1_hex(small));
  auto listing = parse_multistatus(dav(gw, "PROPFIND", "w/", {{"Depth", "1"}}).body);
  CHECK(listing.size() == 2);
  CHECK(dav(gw, "GET", "w/a%20b%20%26%20c.txt").status == 302);

  // PUT over it: 204, exactly one file of that name remains, with the new bytes.
  const std::string newer = random_bytes(7000, 2);
  CHECK(dav(gw, "PUT", "w/a%20b%20%26%20c.txt", {}, newer).status == 204);
  CHECK(count_named(emu, "w/a b & c.txt") == 1);
  CHECK(lower((*live(emu, "w/a b & c.txt"))["sha1"]) == sha1_hex(newer));

  // Conditional PUTs (RFC 9110 §13.1): a stale or absent match refuses, the current ETag proceeds.
  const std::string current = dav(gw, "HEAD", "w/a%20b%20%26%20c.txt").header("ETag");
  REQUIRE_FALSE(current.empty());
  CHECK(dav(gw, "PUT", "w/a%20b%20%26%20c.txt", {{"If-None-Match", "*"}}, "x").status == 412);
  CHECK(dav(gw, "PUT", "w/a%20b%20%26%20c.txt", {{"If-Match", "\"0000\""}}, "x").status == 412);
  CHECK(dav(gw, "PUT", "w/absent.txt", {{"If-Match", "*"}}, "x").status == 412);
  CHECK_FALSE(live(emu, "w/absent.txt"));
  CHECK(lower((*live(emu, "w/a b & c.txt"))["sha1"]) == sha1_hex(newer));
  CHECK(dav(gw, "PUT", "w/a%20b%20%26%20c.txt", {{"If-Match", current}}, newer).status == 204);

  // PUT into a folder that does not exist: 409; onto a folder: 405.
  CHECK(dav(gw, "PUT", "nope/x.txt", {}, "x").status == 409);
  CHECK(dav(gw, "PUT", "w", {}, "x").status == 405);

  // 0-byte files (Windows creates every file empty first).
  CHECK(dav(gw, "PUT", "w/empty.bin", {}, "").status == 201);
  REQUIRE(live(emu, "w/empty.bin"));
  CHECK((*live(emu, "w/empty.bin"))["size"] == 0);

  // COPY: a new object with the same bytes; Overwrite: F onto an existing name is 412.
  CHECK(dav(gw, "COPY", "w/a%20b%20%26%20c.txt", {{"Destination", gw.dav_url() + "w/copy.txt"}}).status == 201);
  REQUIRE(live(emu, "w/copy.txt"));
  CHECK((*live(emu, "w/copy.txt"))["sha1"] == (*live(emu, "w/a b & c.txt"))["sha1"]);
  CHECK(dav(gw, "COPY", "w/copy.txt", {{"Destination", gw.dav_url() + "w/empty.bin"}, {"Overwrite", "F"}}).status ==
        412);

  // MOVE within a folder is a rename; to another folder a move (and a rename when the name changes).
  CHECK(dav(gw, "MOVE", "w/copy.txt", {{"Destination", gw.dav_url() + "w/renamed.txt"}}).status == 201);
  CHECK_FALSE(live(emu, "w/copy.txt"));
  REQUIRE(live(emu, "w/renamed.txt"));
  CHECK(dav(gw, "MKCOL", "w/sub").status == 201);
  CHECK(dav(gw, "MOVE", "w/renamed.txt", {{"Destination", "/w/sub/moved.txt"}}).status == 201);
  CHECK_FALSE(live(emu, "w/renamed.txt"));
  REQUIRE(live(emu, "w/sub/moved.txt"));
  CHECK(dav(gw, "PROPFIND", "w/sub/moved.txt", {{"Depth", "0"}}).status == 207);
  CHECK(dav(gw, "PROPFIND", "w/renamed.txt", {{"Depth", "0"}}).status == 404);

  // MOVE onto an existing file with Overwrite: T: 204 and one file remains there.
  CHECK(dav(gw, "MOVE", "w/sub/moved.txt", {{"Destination", gw.dav_url() + "w/empty.bin"}}).status == 204);
  CHECK(count_named(emu, "w/empty.bin") == 1);
  CHECK((*live(emu, "w/empty.bin"))["size"] == newer.size());

  // Destination outside this server: 502; missing: 400.
  CHECK(dav(gw, "COPY", "w/empty.bin", {{"Destination", "http://elsewhere.example/w/x"}}).status == 502);
  CHECK(dav(gw, "COPY", "w/empty.bin").status == 400);

  // DELETE of a folder takes everything in it; then 404.
  CHECK(dav(gw, "DELETE", "w/sub").status == 204);
  CHECK_FALSE(live(emu, "w/sub"));
  CHECK_FALSE(live(emu, "w/sub/moved.txt"));
  CHECK(dav(gw, "DELETE", "w/sub").status == 404);
  CHECK(dav(gw, "PROPFIND", "w/sub", {{"Depth", "0"}}).status == 404);
  CHECK(spool_files(gw) == 0);
}

TEST_CASE("uploads: instant when 115 has the bytes, OSS PutObject and multipart otherwise") {
  Fake115 emu;
  Gateway gw(emu, writable_overrides());
  CHECK(dav(gw, "MKCOL", "up").status == 201);

  SECTION("bytes 115 already has go up without sending any, below and above the sign-check size") {
    for (std::size_t size : {std::size_t(300 * 1024), std::size_t((2 << 20) + 7)}) {
      INFO(size);
      const std::string data = random_bytes(size, 40 + size);
      REQUIRE(dav(gw, "PUT", "up/first-" + std::to_string(size), {}, data, kSlow).status == 201);
      const std::uint64_t before = oss_bytes(emu);
      REQUIRE(dav(gw, "PUT", "up/again-" + std::to_string(size), {}, data, kSlow).status == 201);
      CHECK(oss_bytes(emu) == before);
      auto again = live(emu, "up/again-" + std::to_string(size));
      REQUIRE(again);
      CHECK(lower((*again)["sha1"]) == sha1_hex(data));
    }
  }

  SECTION("a new multi-MiB file arrives as a multipart upload with the right SHA-1") {
    const std::string data = random_bytes((3 << 20) + 7, 77);
    const auto parts_before = emu.stats()["calls"].value("oss:part", 0);
    REQUIRE(dav(gw, "PUT", "up/big.bin", {}, data, kSlow).status == 201);
    CHECK(emu.stats()["calls"].value("oss:part", 0) - parts_before >= 12);
    auto big = live(emu, "up/big.bin");
    REQUIRE(big);
    CHECK((*big)["size"] == data.size());
    CHECK(lower((*big)["sha1"]) == sha1_hex(data));
  }

  SECTION("a failure at any upload step: 5xx, nothing visible, spool empty") {
    for (std::string step : {"/open/upload/init", "/open/upload/get_token", "oss:put", "oss:callback"}) {
      INFO(step);
      emu.control({{"fail", {{"path", step}, {"mode", step == "oss:callback" ? "waf" : "garbage"}, {"count", 100}}}});
      const std::string data = random_bytes(200 * 1024, std::hash<std::string>{}(step));
      auto r = dav(gw, "PUT", "up/failed.bin", {}, data, kSlow);
      CHECK(r.status >= 500);
      CHECK(r.status < 600);
      CHECK_FALSE(live(emu, "up/failed.bin"));
      CHECK(dav(gw, "PROPFIND", "up/failed.bin", {{"Depth", "0"}}).status == 404);
      CHECK(spool_files(gw) == 0);
      emu.control({{"clear_faults", true}});
    }
  }
}

TEST_CASE("who may write: anonymous never, read-only users never, others yes") {
  Fake115 emu;
  Gateway gw(emu, {{"allow_anonymous", true},
                   {"users", {{{"name", Gateway::kUser}, {"password_hash", Gateway::password_hash(Gateway::kPassword)}},
                              {{"name", "viewer"}, {"password_hash", Gateway::password_hash("view-only")}, {"read_only", true}}}}});
  CHECK(http("PUT", gw.dav_url() + "anon.txt", {}, "x").status == 401);
  CHECK(http("PUT", gw.dav_url() + "anon.txt", {}, "x").header("WWW-Authenticate").find("Basic") == 0);
  CHECK(http("PROPFIND", gw.dav_url(), {{"Depth", "0"}}).status == 207);  // reading stays anonymous
  HttpHeaders viewer = {{"Authorization", "Basic dmlld2VyOnZpZXctb25seQ=="}};  // viewer:view-only
  CHECK(http("PUT", gw.dav_url() + "viewer.txt", viewer, "x").status == 403);
  CHECK(http("MKCOL", gw.dav_url() + "viewer-dir", viewer).status == 403);
  CHECK(dav(gw, "PUT", "writer.txt", {}, "x").status == 201);
  CHECK_FALSE(live(emu, "anon.txt"));
  CHECK_FALSE(live(emu, "viewer.txt"));
  CHECK(live(emu, "writer.txt"));
}

TEST_CASE("the Windows save sequence: PUT 0 bytes, LOCK, PUT with the token, PROPPATCH, UNLOCK") {
  Fake115 emu;
  Gateway gw(emu, writable_overrides());
  REQUIRE(dav(gw, "PUT", "report.docx", {}, "").status == 201);
  const std::string lockinfo =
      R"(<?xml version="1.0" encoding="utf-8"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope>)"
      R"(<D:locktype><D:write/></D:locktype><D:owner><D:href>WIN\tester</D:href></D:owner></D:lockinfo>)";
  auto locked = dav(gw, "LOCK", "report.docx", {{"Timeout", "Second-3600"}, {"Depth", "0"}}, lockinfo);
  REQUIRE(locked.status == 200);
  const std::string token = locked.header("Lock-Token");
  REQUIRE(token.size() > 2);
  CHECK(locked.body.find("WIN\\tester") != std::string::npos);

  const std::string content = random_bytes(150 * 1024, 9);
  CHECK(dav(gw, "PUT", "report.docx", {}, content).status == 423);  // no token: refused, nothing sent
  CHECK((*live(emu, "report.docx"))["size"] == 0);
  CHECK(dav(gw, "PUT", "report.docx", {{"If", "(" + token + ")"}}, content).status == 204);
  CHECK(lower((*live(emu, "report.docx"))["sha1"]) == sha1_hex(content));
  CHECK(count_named(emu, "report.docx") == 1);

  const std::string patch =
      R"(<?xml version="1.0" encoding="utf-8"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:schemas-microsoft-com:">)"
      R"(<D:set><D:prop><Z:Win32LastModifiedTime>Tue, 03 Nov 2026 10:00:00 GMT</Z:Win32LastModifiedTime>)"
      R"(<Z:Win32FileAttributes>00000020</Z:Win32FileAttributes></D:prop></D:set></D:propertyupdate>)";
  auto patched = dav(gw, "PROPPATCH", "report.docx", {{"If", "(" + token + ")"}}, patch);
  CHECK(patched.status == 207);
  CHECK(patched.body.find("200 OK") != std::string::npos);
  CHECK(dav(gw, "PROPPATCH", "report.docx", {}, patch).status == 423);

  CHECK(dav(gw, "UNLOCK", "report.docx", {{"Lock-Token", token}}).status == 204);
  CHECK(dav(gw, "DELETE", "report.docx").status == 204);
  CHECK_FALSE(live(emu, "report.docx"));
}

TEST_CASE("client-set times: X-OC-Mtime on PUT and PROPPATCH of Win32LastModifiedTime show in PROPFIND") {
  Fake115 emu;
  Gateway gw(emu, writable_overrides());
  auto put = dav(gw, "PUT", "timed.txt", {{"X-OC-Mtime", "1600000000"}}, "some bytes");
  REQUIRE(put.status == 201);
  CHECK(put.header("X-OC-MTime") == "accepted");
  auto props = parse_multistatus(dav(gw, "PROPFIND", "timed.txt", {{"Depth", "0"}}).body);
  REQUIRE(props.size() == 1);
  CHECK(props[0].props["{DAV:}getlastmodified"] == "Sun, 13 Sep 2020 12:26:40 GMT");

  REQUIRE(dav(gw, "PUT", "win.txt", {}, "other bytes").status == 201);
  const std::string patch =
      R"(<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:schemas-microsoft-com:"><D:set><D:prop>)"
      R"(<Z:Win32LastModifiedTime>Tue, 03 Nov 2026 10:00:00 GMT</Z:Win32LastModifiedTime></D:prop></D:set>)"
      R"(</D:propertyupdate>)";
  REQUIRE(dav(gw, "PROPPATCH", "win.txt", {}, patch).status == 207);
  auto listing = parse_multistatus(dav(gw, "PROPFIND", "", {{"Depth", "1"}}).body);
  bool seen = false;
  for (const auto& r : listing)
    if (r.href == "/win.txt") {
      seen = true;
      CHECK(r.props.at("{DAV:}getlastmodified") == "Tue, 03 Nov 2026 10:00:00 GMT");
    }
  CHECK(seen);
  // The dead property is kept too, and shown when asked by name.
  const std::string ask =
      R"(<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:Z="urn:schemas-microsoft-com:"><D:prop>)"
      R"(<Z:Win32LastModifiedTime/></D:prop></D:propfind>)";
  auto named = dav(gw, "PROPFIND", "win.txt", {{"Depth", "0"}}, ask);
  CHECK(named.body.find("Tue, 03 Nov 2026 10:00:00 GMT") != std::string::npos);
  CHECK(named.body.find("404") == std::string::npos);
}

TEST_CASE("a failure at a multipart step (part, complete): 5xx, the upload aborted, nothing visible") {
  Fake115 emu;
  Gateway gw(emu, writable_overrides());
  for (std::string step : {"oss:initiate", "oss:part", "oss:complete"}) {
    INFO(step);
    const auto aborts_before = emu.stats()["calls"].value("oss:abort", 0);
    emu.control({{"fail", {{"path", step}, {"mode", "garbage"}, {"count", 100}}}});
    const std::string data = random_bytes((2 << 20) + 5, std::hash<std::string>{}(step));
    auto r = dav(gw, "PUT", "multi-failed.bin", {}, data, kSlow);
    CHECK(r.status >= 500);
    CHECK(r.status < 600);
    if (step != "oss:initiate") CHECK(emu.stats()["calls"].value("oss:abort", 0) > aborts_before);
    CHECK_FALSE(live(emu, "multi-failed.bin"));
    CHECK(spool_files(gw) == 0);
    emu.control({{"clear_faults", true}});
  }
}

TEST_CASE("50 parallel small uploads against an account limited to 5 calls/s: no rate-limit penalty") {
  Fake115 emu;
  // The gateway is told the account's rate, as a user would configure it.
  Gateway gw(emu, {{"cloud115", {{"rate_limit", {{"qps", 4}, {"burst", 4}}}}}, {"upload", {{"oss_path_style", true}}}});
  REQUIRE(dav(gw, "MKCOL", "par").status == 201);
  emu.control({{"rate_limit", {{"qps", 5}, {"burst", 5}}}});
  const auto results_before = emu.stats()["results"];
  constexpr int kUploads = 50;
  std::vector<HttpResult> answers(kUploads);
  std::vector<std::string> bodies(kUploads);
  std::vector<std::thread> clients;
  for (int i = 0; i < kUploads; ++i) {
    bodies[i] = random_bytes(4096 + i, 1000 + i);
    clients.emplace_back([&, i] {
      try {
        answers[i] = dav(gw, "PUT", "par/f" + std::to_string(i) + ".bin", {}, bodies[i], kSlow);
      } catch (const std::exception&) {
        answers[i].status = 0;
      }
    });
  }
  for (auto& t : clients) t.join();
  int created = 0;
  for (int i = 0; i < kUploads; ++i) {
    INFO(i << " -> " << answers[i].status);
    const bool ok = answers[i].status == 201;
    const bool refused = answers[i].status == 503 && !answers[i].header("Retry-After").empty();
    CHECK((ok || refused));
    if (!ok) continue;
    ++created;
    auto e = live(emu, "par/f" + std::to_string(i) + ".bin");
    REQUIRE(e);
    CHECK(lower((*e)["sha1"]) == sha1_hex(bodies[i]));
  }
  CHECK(created > 0);
  // 115 never had to say "too fast".
  CHECK(emu.stats()["results"].value("770004", 0) == results_before.value("770004", 0));
}

TEST_CASE("a 1 GiB PUT: multipart with the right SHA-1, and the gateway stays within +96 MiB") {
  if (std::getenv("DAV115_SANITIZED")) {
    SUCCEED("skipped under sanitizers: 1 GiB through ASan takes too long and its shadow memory hides RSS");
    return;
  }
  Fake115 emu;
  Gateway gw(emu);  // the production part size (20 MiB)
  REQUIRE(dav(gw, "MKCOL", "gib-up").status == 201);
  const pid_t pid = gw.process().pid();
  const std::uint64_t idle = proc_status_kib(pid, "VmRSS");
  const std::string data = random_bytes(std::size_t(1) << 30, 1234);
  const auto parts_before = emu.stats()["calls"].value("oss:part", 0);
  auto r = dav(gw, "PUT", "gib-up/one-gib.bin", {}, data, HttpOptions{std::chrono::minutes(10)});
  REQUIRE(r.status == 201);
  const std::uint64_t peak = proc_status_kib(pid, "VmHWM");
  INFO("VmRSS idle " << idle / 1024 << " MiB, VmHWM after " << peak / 1024 << " MiB");
  CHECK(peak < idle + 96 * 1024);
  CHECK(emu.stats()["calls"].value("oss:part", 0) - parts_before >= 50);
  auto e = live(emu, "gib-up/one-gib.bin");
  REQUIRE(e);
  CHECK((*e)["size"] == data.size());
  CHECK(lower((*e)["sha1"]) == sha1_hex(data));
  CHECK(spool_files(gw) == 0);
}

namespace {
// Sends the head of a PUT with Expect: 100-continue and returns the first status line the gateway sends
// before any body byte: a refusal must come first, "100 Continue" only when the upload can go ahead.
std::string first_answer_to_expect(Gateway& gw, const std::string& path, const std::string& auth_b64,
                                   std::uint64_t length) {
  const int port = std::stoi(gw.base_url().substr(gw.base_url().rfind(':') + 1));
  const int fd = connect_loopback(port);
  const std::string head = "PUT " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic " + auth_b64 +
                           "\r\nContent-Length: " + std::to_string(length) + "\r\nExpect: 100-continue\r\n\r\n";
  REQUIRE(::send(fd, head.data(), head.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(head.size()));
  std::string got;
  char buf[512];
  // Bounded: the gateway answers either way; the read ends at the first line.
  while (got.find("\r\n") == std::string::npos) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return got.substr(0, got.find("\r\n"));
}
}  // namespace

TEST_CASE("Expect: 100-continue comes only after the checks: 403 and 413 are answered before the body") {
  Fake115 emu;
  Gateway gw(emu, {{"upload", {{"max_file_bytes", 100000}}},
                   {"users", {{{"name", Gateway::kUser}, {"password_hash", Gateway::password_hash(Gateway::kPassword)}},
                              {{"name", "viewer"}, {"password_hash", Gateway::password_hash("view-only")}, {"read_only", true}}}}});
  const std::string tester = "dGVzdGVyOnMzY3JldC1wYXNz";  // tester:s3cret-pass
  const std::string viewer = "dmlld2VyOnZpZXctb25seQ==";  // viewer:view-only
  CHECK(first_answer_to_expect(gw, "/ok.bin", tester, 5000) == "HTTP/1.1 100 Continue");
  CHECK(first_answer_to_expect(gw, "/ro.bin", viewer, 5000).find(" 403 ") != std::string::npos);
  CHECK(first_answer_to_expect(gw, "/big.bin", tester, 200000).find(" 413 ") != std::string::npos);
  CHECK(first_answer_to_expect(gw, "/nope/x.bin", tester, 5000).find(" 409 ") != std::string::npos);
  CHECK(first_answer_to_expect(gw, "/x.bin", "bm86bm8=", 5000).find(" 401 ") != std::string::npos);
  CHECK_FALSE(live(emu, "ro.bin"));
  CHECK_FALSE(live(emu, "big.bin"));
}
