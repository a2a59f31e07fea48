// The npm `webdav` client (perry-mitchell/webdav-client), the mainstream JavaScript one, against the
// gateway. Its getQuota() sends an allprop PROPFIND on the root and reads the RFC 4331 properties
// from it (issue 9, item 16). The package comes from npm's local cache only (`npm install --offline`):
// with no node, npm or cached package the test says so and passes.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>

#include "support/fake115.hpp"
#include "support/gateway.hpp"

using namespace dav115::test;
using nlohmann::json;

namespace {

constexpr const char* kPackage = "webdav@5.11.0";

// A directory with node_modules/webdav, or "" (and why) when it cannot be had without the network.
std::string install_client(std::string& why) {
  std::string dir = temp_dir("dav115-npm");
  auto r = run_command({"npm", "install", "--offline", "--no-audit", "--no-fund", "--loglevel=error", "--prefix",
                        dir, kPackage},
                       std::chrono::seconds(180));
  if (r.exit_code != 0) {
    why = "npm install --offline " + std::string(kPackage) + " failed (exit " + std::to_string(r.exit_code) +
          "): " + r.err.substr(0, 300);
    return "";
  }
  return dir;
}

}  // namespace

TEST_CASE("the npm webdav client's getQuota() sees the quota (allprop on the root)") {
  std::string why;
  const std::string dir = install_client(why);
  if (dir.empty()) {
    SUCCEED("skipped: " << why);  // scripts/setup.sh --test caches the package where npm can reach it
    return;
  }
  Fake115 emu;
  Gateway gw(emu);

  std::ofstream(dir + "/quota.mjs") << R"(import { createClient } from "webdav";
const [url, username, password] = process.argv.slice(2);
const client = createClient(url, { username, password });
console.log(JSON.stringify({ quota: await client.getQuota(), root: await client.stat("/") }));
)";
  auto r = run_command({"node", dir + "/quota.mjs", gw.dav_url(), Gateway::kUser, Gateway::kPassword},
                       std::chrono::seconds(60));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  json out = json::parse(r.out);
  INFO(out.dump());
  REQUIRE(out["quota"].is_object());
  const std::uint64_t used = out["quota"]["used"];
  const std::uint64_t available = out["quota"]["available"];
  CHECK(used > 0);
  CHECK(used + available == 8ull << 40);  // the emulator's 8 TiB account
  CHECK(out["root"]["type"] == "directory");
}
