// Real WebDAV clients writing through the gateway into fake115: litmus (the RFC 4918 conformance
// suites) and rclone (copy a local tree up, then check it back byte for byte).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "support/digest.hpp"
#include "support/fake115.hpp"
#include "support/gateway.hpp"

using namespace dav115::test;
using nlohmann::json;

namespace {

// litmus GETs what it PUT and wants the bytes, not a redirect to a CDN.
json litmus_overrides() {
  return {{"delivery", {{"rules", {{{"user_agent", "litmus"}, {"policy", "local_proxy"}}}}}}};
}

void write_random_file(const std::string& path, std::size_t size, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string data(size, '\0');
  for (auto& c : data) c = static_cast<char>(rng() & 0xff);
  std::ofstream(path, std::ios::binary) << data;
}

}  // namespace

TEST_CASE("litmus: basic, copymove, props, locks and http all pass") {
  Fake115 emu;
  Gateway gw(emu, litmus_overrides());
  REQUIRE(dav(gw, "MKCOL", "litmus-root").status == 201);
  auto run = run_command({"litmus", gw.dav_url() + "litmus-root/", Gateway::kUser, Gateway::kPassword},
                         std::chrono::minutes(8));
  INFO(run.out.substr(run.out.size() > 6000 ? run.out.size() - 6000 : 0));
  CHECK(run.exit_code == 0);
  for (std::string suite : {"basic", "copymove", "props", "locks", "http"}) {
    INFO(suite);
    auto at = run.out.find("<- summary for `" + suite + "'");
    REQUIRE(at != std::string::npos);
    auto line = run.out.substr(at, run.out.find('\n', at) - at);
    INFO(line);
    CHECK(line.find(" 0 failed") != std::string::npos);
  }
}

TEST_CASE("rclone copy of a local tree (0 B to 64 MiB, nested, odd names) to the gateway, then check --download") {
  Fake115 emu;
  Gateway gw(emu, {{"upload", {{"multipart_threshold_bytes", 1 << 20}, {"part_bytes", 512 * 1024}}}});
  const std::string local = temp_dir("rclone-up");
  const std::string names[] = {"plain.txt", "with space.txt", "amp & hash # pct % q ? plus + ' ( ) ; =.bin",
                               "中文 文件.txt", "emoji 🎬.bin"};
  std::filesystem::create_directories(local + "/nested/deeper");
  write_random_file(local + "/" + names[0], 0, 1);
  write_random_file(local + "/" + names[1], 1, 2);
  write_random_file(local + "/" + names[2], 128 * 1024, 3);
  write_random_file(local + "/nested/" + names[3], (1 << 20) + 7, 4);
  write_random_file(local + "/nested/deeper/" + names[4], (3 << 20) + 11, 5);
  write_random_file(local + "/nested/big 64m.bin", 64 << 20, 6);

  auto obscured = run_command({"rclone", "obscure", Gateway::kPassword});
  REQUIRE(obscured.exit_code == 0);
  const std::string pass = obscured.out.substr(0, obscured.out.find('\n'));
  auto rclone = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {"rclone", "--config", "/dev/null", "--webdav-url", gw.dav_url(),
                                     "--webdav-vendor", "other", "--webdav-user", Gateway::kUser,
                                     "--webdav-pass", pass};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, std::chrono::minutes(4));
  };
  auto copy = rclone({"copy", local, ":webdav:up"});
  INFO(copy.err.substr(0, 4000));
  REQUIRE(copy.exit_code == 0);
  auto check = rclone({"check", "--download", local, ":webdav:up"});
  INFO(check.err.substr(0, 4000));
  CHECK(check.exit_code == 0);

  // 115's own tree holds every file with the right size and SHA-1.
  const json tree = emu.tree();
  for (const auto& rel : std::vector<std::string>{names[0], names[1], names[2], "nested/" + names[3],
                                                  "nested/deeper/" + names[4], "nested/big 64m.bin"}) {
    INFO(rel);
    std::ifstream in(local + "/" + rel, std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    bool found = false;
    for (const auto& e : tree["entries"])
      if (e["path"] == "up/" + rel) {
        found = true;
        CHECK(e["size"] == data.size());
        CHECK(lower(e["sha1"]) == sha1_hex(data));
      }
    CHECK(found);
  }
}

TEST_CASE("cadaver: mkcol, put, copy, move, get and delete") {
  Fake115 emu;
  // The default delivery rules serve cadaver the bytes itself: neon's get follows no redirect.
  Gateway gw(emu);
  const std::string dir = temp_dir("cadaver");
  write_random_file(dir + "/local.bin", 70000, 11);
  // cadaver reads credentials from ~/.netrc; a private HOME keeps the test's own.
  write_text_file(dir + "/.netrc", std::string("machine 127.0.0.1 login ") + Gateway::kUser + " password " +
                                       Gateway::kPassword + "\n");
  std::filesystem::permissions(dir + "/.netrc", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::replace);
  const std::string script = "mkcol cad\ncd cad\nput " + dir + "/local.bin remote.bin\ncopy remote.bin copy.bin\n"
                             "move copy.bin moved.bin\nget moved.bin " + dir + "/back.bin\ndelete remote.bin\nquit\n";
  write_text_file(dir + "/script", script);
  auto run = run_command({"sh", "-c", "HOME=" + dir + " cadaver " + gw.dav_url() + " < " + dir + "/script"},
                         std::chrono::minutes(2));
  INFO(run.out << run.err);
  CHECK(run.exit_code == 0);
  CHECK(read_text_file(dir + "/back.bin") == read_text_file(dir + "/local.bin"));
  const json tree = emu.tree();
  std::set<std::string> paths;
  for (const auto& e : tree["entries"]) paths.insert(e["path"].get<std::string>());
  CHECK(paths.count("cad/moved.bin"));
  CHECK_FALSE(paths.count("cad/remote.bin"));
  CHECK_FALSE(paths.count("cad/copy.bin"));
}

TEST_CASE("the Finder copy sequence: ._ AppleDouble files, .DS_Store, then the file; all land") {
  Fake115 emu;
  Gateway gw(emu);
  const std::string data(200000, 'f');
  const std::string apple_double(4096, '\x01');
  // Finder: PUT 0 bytes, LOCK, PUT the ._ companion, PUT the data, PROPPATCH, UNLOCK.
  REQUIRE(dav(gw, "PUT", "movie.mov", {}, "").status == 201);
  const std::string lockinfo =
      R"(<?xml version="1.0" encoding="utf-8"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope>)"
      R"(<D:locktype><D:write/></D:locktype><D:owner><D:href>http://www.apple.com/webdav_fs/</D:href></D:owner>)"
      R"(</D:lockinfo>)";
  auto locked = dav(gw, "LOCK", "movie.mov", {{"Timeout", "Second-600"}, {"Depth", "0"}}, lockinfo);
  REQUIRE(locked.status == 200);
  const std::string token = locked.header("Lock-Token");
  CHECK(dav(gw, "PUT", "._movie.mov", {}, apple_double).status == 201);
  CHECK(dav(gw, "PUT", "movie.mov", {{"If", "(" + token + ")"}}, data).status == 204);
  CHECK(dav(gw, "PUT", ".DS_Store", {}, std::string(6148, '\0')).status == 201);
  CHECK(dav(gw, "UNLOCK", "movie.mov", {{"Lock-Token", token}}).status == 204);
  CHECK(emu.entry("movie.mov")["size"] == data.size());
  const json tree = emu.tree();
  int apple = 0;
  for (const auto& e : tree["entries"])
    if (e["path"] == "._movie.mov" || e["path"] == ".DS_Store") ++apple;
  CHECK(apple == 2);
}
