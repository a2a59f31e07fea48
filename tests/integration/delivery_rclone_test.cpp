// rclone copies every fixture size up to 64 MiB out of the mount and checks it byte for byte
// (`rclone check --download`), under each delivery policy; rclone follows the 302s with its own User-Agent.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

#include "support/digest.hpp"
#include "support/fake115.hpp"
#include "support/gateway.hpp"

using namespace dav115::test;
using nlohmann::json;

namespace {

std::vector<std::string> rclone_args(Gateway& gw, std::vector<std::string> args) {
  auto obscured = run_command({"rclone", "obscure", Gateway::kPassword});
  REQUIRE(obscured.exit_code == 0);
  std::string pass = obscured.out.substr(0, obscured.out.find('\n'));
  std::vector<std::string> argv = {"rclone", "--config", "/dev/null", "--webdav-url", gw.dav_url(),
                                   "--webdav-vendor", "other", "--webdav-user", Gateway::kUser, "--webdav-pass", pass,
                                   "--include", "/sizes/**", "--include", "/big/**"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

}  // namespace

TEST_CASE("rclone copy + check --download of every fixture size is byte exact under each policy") {
  Fake115 emu;  // the standard fixture up to 64 MiB: sizes/{0,1,128k,1m7} and big/64m.bin
  std::vector<json> files;
  const json tree = emu.tree();  // named: ranging over a temporary's member would dangle
  for (const auto& e : tree["entries"]) {
    std::string path = e["path"];
    if (!e["is_dir"].get<bool>() && (path.rfind("sizes/", 0) == 0 || path.rfind("big/", 0) == 0)) files.push_back(e);
  }
  REQUIRE(files.size() == 5);

  for (std::string policy : {"redirect", "local_proxy", "proxy_url"}) {
    INFO(policy);
    json overrides = {{"delivery", {{"policy", policy}}}};
    if (policy == "proxy_url")
      overrides["delivery"].update({{"proxy_sign_key", "rclone-test-key"}, {"proxy_url", "http://127.0.0.1:1/_proxy"}});
    Gateway gw(emu, overrides);
    if (policy == "proxy_url") serve_own_proxy(gw);
    std::uint64_t since = emu.stats()["last_seq"];

    std::string local = temp_dir("rclone-" + policy);
    auto copy = run_command(rclone_args(gw, {"copy", ":webdav:", local}), std::chrono::minutes(2));
    INFO(copy.err.substr(0, 3000));
    REQUIRE(copy.exit_code == 0);
    for (const auto& e : files) {
      std::string path = e["path"];
      INFO(path);
      auto sum = run_command({"sha1sum", local + "/" + path});
      REQUIRE(sum.exit_code == 0);
      CHECK(sum.out.substr(0, 40) == lower(e["sha1"]));
    }

    auto check = run_command(rclone_args(gw, {"check", "--download", ":webdav:", local}), std::chrono::minutes(2));
    INFO(check.err.substr(0, 3000));
    CHECK(check.exit_code == 0);

    // Under redirect the links were minted for rclone's own User-Agent and fetched with it.
    bool saw_cdn = false;
    for (const auto& c : emu.calls(since)) {
      if (c["path"] == "/cdn") saw_cdn = true;
      if (policy == "redirect" && (c["path"] == "/cdn" || c["path"] == "/open/ufile/downurl"))
        CHECK(c["user_agent"].get<std::string>().rfind("rclone/", 0) == 0);
      if (policy != "redirect" && c["path"] == "/cdn") CHECK(c["user_agent"] == "dav115-test");
    }
    CHECK(saw_cdn);
  }
}
