// Upstream trouble from the emulator's fault injection, beyond upstream_faults_test: every fault mode in
// bursts plus 10 s of latency, with stale cached folders and never-seen ones requested side by side, and
// the governor's call rate measured; a revoked refresh token across restarts.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <mutex>
#include <thread>

#include "support/fake115.hpp"
#include "support/gateway.hpp"
#include "support/multistatus.hpp"

using namespace dav115::test;
using nlohmann::json;

namespace {

constexpr int kFolders = 60;

std::string folder_name(int i) {
  char name[32];
  std::snprintf(name, sizeof name, "folder-%02d", i);
  return name;
}

// Many small folders, so each request for a new one needs its own upstream listing.
std::string many_folders_fixture() {
  json root = json::array();
  for (int i = 0; i < kFolders; ++i) {
    json folder = {{"name", folder_name(i)}, {"mtime", 1700000000 + i}};
    folder["children"] = json::array({json{{"name", "a.txt"}, {"size", 10 + i}, {"mtime", 1700000100}}});
    root.push_back(folder);
  }
  std::string path = temp_dir("fixture") + "/many.json";
  write_text_file(path, json{{"root", root}}.dump());
  return path;
}

struct Outcome {
  std::mutex mu;
  int served = 0, refused = 0;
  std::vector<std::string> wrong;  // anything that is neither a full listing nor 503 + Retry-After
};

// PROPFIND Depth 1 of the folder: a listing with its one child, or 503 + Retry-After. Nothing else.
void check_folder(Gateway& gw, int i, Outcome& out) {
  std::string what;
  bool served = false, refused = false;
  try {
    auto r = dav(gw, "PROPFIND", folder_name(i) + "/", {{"Depth", "1"}}, "", {std::chrono::seconds(30)});
    what = folder_name(i) + " -> " + std::to_string(r.status) + " " + r.body.substr(0, 120);
    if (r.status == 207) served = parse_multistatus(r.body).size() == 2;
    else refused = r.status == 503 && !r.header("Retry-After").empty() && !r.body.empty();
  } catch (const std::exception& e) {
    what = folder_name(i) + " -> " + e.what();
  }
  std::lock_guard lk(out.mu);
  if (served) ++out.served;
  else if (refused) ++out.refused;
  else out.wrong.push_back(what);
}

void check_folders_concurrently(Gateway& gw, const std::vector<int>& folders, Outcome& out) {
  std::vector<std::thread> clients;
  for (int i : folders) clients.emplace_back([&, i] { check_folder(gw, i, out); });
  for (auto& t : clients) t.join();
}

bool is_proapi(const json& call) { return call["path"].get<std::string>().rfind("/open/refreshToken", 0) != 0; }

// The largest excess of calls over the allowed rate in any window: max over i <= j of
// (calls in [t_i, t_j]) - qps * (t_j - t_i). A token bucket keeps it at most `burst` (+1 for clock jitter).
double worst_burst(const std::vector<double>& times, double qps) {
  double worst = 0;
  for (std::size_t i = 0; i < times.size(); ++i)
    for (std::size_t j = i; j < times.size(); ++j)
      worst = std::max(worst, static_cast<double>(j - i + 1) - qps * (times[j] - times[i]));
  return worst;
}

}  // namespace

TEST_CASE("bursts of every fault mode and 10 s latency: cached data or 503 + Retry-After, governor within its rate") {
  Fake115 emu({"--tree", many_folders_fixture()});
  const double qps = 3;
  const int burst = 3;
  Gateway gw(emu, {{"cloud115", {{"rate_limit", {{"qps", qps}, {"burst", burst}}}, {"cooldown_s", 1},
                                 {"request_timeout_ms", 3000}}},
                   {"cache", {{"listing_ttl_s", 1}}},
                   {"limits", {{"client_deadline_s", 3}}}});
  // Cache the first 10 folders; with a 1 s TTL they are stale by the time the faults start.
  REQUIRE(dav(gw, "PROPFIND", "/", {{"Depth", "1"}}).status == 207);
  for (int i = 0; i < 10; ++i) REQUIRE(dav(gw, "PROPFIND", folder_name(i) + "/", {{"Depth", "1"}}).status == 207);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // let the TTL lapse (staleness, not sync)

  const std::uint64_t since = emu.stats()["last_seq"];
  int next_new = 10;
  Outcome cached, fresh;
  for (const char* mode : {"770004", "406", "waf", "empty", "garbage", "reset"}) {
    emu.control({{"fail", {{{"path", "*"}, {"mode", mode}, {"count", 4}}}}});
    std::vector<int> old_ones = {0, 1, 2, 3, 4}, new_ones;
    for (int k = 0; k < 4; ++k) new_ones.push_back(next_new++);
    std::thread a([&] { check_folders_concurrently(gw, old_ones, cached); });
    check_folders_concurrently(gw, new_ones, fresh);
    a.join();
    emu.control({{"clear_faults", true}});
    INFO("mode " << mode);
    CHECK(cached.wrong.empty());
    CHECK(fresh.wrong.empty());
  }
  // The emulator stamps a call when it answers, so the rate is measured before the latency phase
  // (where answers bunch up 10 s later, after this point).
  const std::uint64_t latency_since = emu.stats()["last_seq"];
  const auto latency_started = std::chrono::steady_clock::now();
  // Ten seconds of latency on every call: nobody waits past the deadline for nothing.
  emu.control({{"latency_ms", 10000}});
  {
    std::vector<int> new_ones = {next_new, next_new + 1, next_new + 2};
    next_new += 3;
    std::thread a([&] { check_folders_concurrently(gw, {5, 6, 7, 8, 9}, cached); });
    check_folders_concurrently(gw, new_ones, fresh);
    a.join();
  }
  emu.control({{"latency_ms", 0}});
  const double latency_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - latency_started).count();

  INFO("cached: served " << cached.served << " refused " << cached.refused << "; new: served " << fresh.served
                         << " refused " << fresh.refused);
  for (const auto& w : cached.wrong) FAIL_CHECK("stale folder: " << w);
  for (const auto& w : fresh.wrong) FAIL_CHECK("new folder: " << w);
  // Folders seen before are served from the cache however bad upstream gets.
  CHECK(cached.served == 35);
  CHECK(fresh.served + fresh.refused == 27);
  CHECK(fresh.refused > 0);  // the faults really bit

  // The governor kept to its rate over the whole episode (faulty answers count as calls too).
  // One exception, by design of net::HttpClient: a kept-alive connection that fails before any response
  // byte is retried once on a fresh connection (the stale-connection case), without a second token. The
  // emulator's "reset" fault looks exactly like that, so the call right after a reset is that retry.
  std::vector<double> times;
  int latency_calls = 0, transport_retries = 0;
  double last_reset_time = -1;
  for (const auto& c : emu.calls(since)) {
    if (!is_proapi(c)) continue;
    const double t = c["time"].get<double>();
    if (c["seq"].get<std::uint64_t>() > latency_since) {
      ++latency_calls;
    } else if (last_reset_time >= 0 && t - last_reset_time < 0.05) {
      ++transport_retries;
      last_reset_time = -1;
    } else {
      times.push_back(t);
      last_reset_time = c["result"] == "reset" ? t : -1;
    }
  }
  INFO(times.size() << " API calls during the fault bursts (+" << transport_retries << " transport retries), "
                    << latency_calls << " answered during " << latency_seconds << " s of latency");
  CHECK(transport_retries <= 4);
  CHECK(worst_burst(times, qps) <= burst + 1);

  // Afterwards everything recovers.
  CHECK(wait_until([&] { return dav(gw, "PROPFIND", folder_name(next_new) + "/", {{"Depth", "1"}}).status == 207; },
                   std::chrono::seconds(20), std::chrono::milliseconds(250)));
  CHECK(http("GET", gw.base_url() + "/healthz").status == 200);
  CHECK(emu.stats()["dead_refresh_token_uses"] == 0);
}

TEST_CASE("a revoked refresh token across restarts: clear 503, bounded retries, back with a new token") {
  Fake115 emu({"--tree", many_folders_fixture()});
  Gateway gw(emu);
  REQUIRE(dav(gw, "PROPFIND", "/", {{"Depth", "1"}}).status == 207);
  emu.control({{"revoke_refresh_token", true}});
  emu.control({{"expire_access_token", true}});

  auto expect_reauth = [&](int folder) {
    auto r = dav(gw, "PROPFIND", folder_name(folder) + "/", {{"Depth", "1"}}, "", {std::chrono::seconds(30)});
    INFO(r.status << " " << r.body);
    CHECK(r.status == 503);
    CHECK(r.body.find("re-authoriz") != std::string::npos);
    CHECK_FALSE(r.header("Retry-After").empty());
  };
  expect_reauth(1);

  // Restarting with the same dead token does not crash-loop or hammer the passport.
  const std::uint64_t since = emu.stats()["last_seq"];
  for (int round = 0; round < 3; ++round) {
    gw.stop();
    gw.start();
    for (int k = 0; k < 5; ++k) expect_reauth(10 + round * 5 + k);
    auto h = http("GET", gw.base_url() + "/healthz");
    CHECK(h.status == 503);
    CHECK(h.body.find("reauth") != std::string::npos);
  }
  int refresh_attempts = 0;
  for (const auto& c : emu.calls(since)) refresh_attempts += !is_proapi(c);
  INFO("refresh attempts over 3 restarts and 15 requests: " << refresh_attempts);
  CHECK(refresh_attempts <= 3 * 2);

  // A new authorization, pasted into the config; a restart (not SIGHUP) brings it back.
  auto fresh = http("POST", emu.base_url() + "/__control", {{"Content-Type", "application/json"}},
                    R"({"reauthorize": true})");
  REQUIRE(fresh.status == 200);
  gw.stop();
  gw.config()["cloud115"]["refresh_token"] = json::parse(fresh.body)["refresh_token"];
  gw.write_config();
  gw.start();
  CHECK(dav(gw, "PROPFIND", folder_name(40) + "/", {{"Depth", "1"}}).status == 207);
  CHECK(http("GET", gw.base_url() + "/healthz").status == 200);
  // The recovered token is persisted and survives a crash and a rotation.
  emu.control({{"expire_access_token", true}});
  REQUIRE(dav(gw, "PROPFIND", folder_name(41) + "/", {{"Depth", "1"}}).status == 207);
  gw.kill9();
  gw.start();
  emu.control({{"expire_access_token", true}});
  CHECK(dav(gw, "PROPFIND", folder_name(42) + "/", {{"Depth", "1"}}).status == 207);
  CHECK(emu.stats()["dead_refresh_token_uses"] == 0);
}
