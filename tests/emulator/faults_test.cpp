// Rate limiting (770004), the daily quota (406), injected faults, observability endpoints.
#include <chrono>

#include "helpers.hpp"

using namespace emu_test;

namespace {
json user_info(Fake115& f) { return get_json(f, "/open/user/info", {}, f.access_token()); }
}  // namespace

TEST_CASE("rate limit: the token bucket refuses with 770004 beyond the burst") {
  Fake115 f({"--qps", "0.01", "--burst", "3"});
  for (int i = 0; i < 3; ++i) CHECK(user_info(f)["state"] == true);
  json refused = user_info(f);
  CHECK(refused["state"] == false);
  CHECK(refused["code"] == 770004);
  CHECK(refused["message"] == "访问频率过高");
  // control can lift it at run time
  f.control({{"rate_limit", {{"qps", 1000}, {"burst", 1000}}}});
  bool lifted = wait_until([&] { return user_info(f)["state"] == true; }, std::chrono::seconds(3));
  CHECK(lifted);
}

TEST_CASE("rate limit: the daily quota refuses with 406") {
  Fake115 f({"--daily-quota", "3"});
  for (int i = 0; i < 3; ++i) CHECK(user_info(f)["state"] == true);
  json refused = user_info(f);
  CHECK(refused["state"] == false);
  CHECK(refused["code"] == 406);
  CHECK(refused["message"].get<std::string>().find("已达到当前访问上限") == 0);
  CHECK(f.stats()["quota_used_today"] == 4);
  // the passport is not part of the proapi quota
  CHECK(refresh(f, f.refresh_token())["state"] == 1);
}

TEST_CASE("faults: each mode, on one path, for the next N calls") {
  Fake115 f;
  const std::string token = f.access_token();
  auto info = [&] { return api_get(f, "/open/user/info", {}, token); };
  auto list = [&] { return api_get(f, "/open/ufile/files", {{"cid", "0"}}, token); };

  SECTION("770004 and 406 as JSON, HTTP 200") {
    f.control({{"fail", {{"path", "/open/user/info"}, {"mode", "770004"}, {"count", 2}}}});
    CHECK(json::parse(list().body)["state"] == true);  // another path is untouched
    CHECK(json::parse(info().body)["code"] == 770004);
    CHECK(json::parse(info().body)["code"] == 770004);
    CHECK(json::parse(info().body)["state"] == true);  // only the next 2
    f.control({{"fail", {{"path", "*"}, {"mode", "406"}, {"count", 1}}}});
    auto r = list();
    CHECK(r.status == 200);
    CHECK(json::parse(r.body)["code"] == 406);
  }
  SECTION("waf: HTTP 405 with an HTML page") {
    f.control({{"fail", {{"path", "/open/user/info"}, {"mode", "waf"}}}});
    auto r = info();
    CHECK(r.status == 405);
    CHECK(r.header("Content-Type").find("text/html") == 0);
    CHECK(r.body.find("<html>") != std::string::npos);
  }
  SECTION("empty 200 body and non-JSON garbage") {
    f.control({{"fail", json::array({{{"path", "*"}, {"mode", "empty"}}, {{"path", "*"}, {"mode", "garbage"}}})}});
    auto empty = info();
    CHECK(empty.status == 200);
    CHECK(empty.body.empty());
    auto garbage = info();
    CHECK(garbage.status == 200);
    CHECK(!json::accept(garbage.body));
    CHECK(json::parse(info().body)["state"] == true);
  }
  SECTION("reset: the connection closes without an answer") {
    f.control({{"fail", {{"path", "/open/user/info"}, {"mode", "reset"}}}});
    CHECK_THROWS_AS(info(), HttpError);
    CHECK(json::parse(info().body)["state"] == true);
  }
  SECTION("faults also hit the passport") {
    f.control({{"fail", {{"path", "/open/refreshToken"}, {"mode", "770004"}}}});
    json r = refresh(f, f.refresh_token());
    CHECK(r["state"] == 0);
    CHECK(r["code"] == 770004);
    CHECK(f.stats()["refresh_count"] == 0);  // the refused refresh rotated nothing
  }
  SECTION("bad control documents are refused") {
    CHECK_THROWS(f.control({{"fail", {{"path", "*"}, {"mode", "nonsense"}}}}));
  }
}

TEST_CASE("faults: --fail at start and added latency") {
  Fake115 f({"--fail", "/open/user/info:garbage:1", "--latency-ms", "300"});
  const auto start = std::chrono::steady_clock::now();
  auto r = api_get(f, "/open/user/info", {}, f.access_token());
  CHECK(!json::accept(r.body));
  // A lower bound only: latency can never make a call faster.
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(300));
  f.control({{"latency_ms", 0}});
  CHECK(json::parse(api_get(f, "/open/user/info", {}, f.access_token()).body)["state"] == true);
}

TEST_CASE("faults: the CDN cuts the next N downloads after K bytes") {
  Fake115 f;
  const std::string url = download_url(f, "sizes/128k.bin");
  f.control({{"cdn_cut", {{"after_bytes", 1000}, {"count", 1}}}});
  HttpOptions opts;
  opts.allow_truncated = true;
  auto cut = http("GET", url, {{"User-Agent", kUa}}, "", opts);
  CHECK(cut.status == 200);
  CHECK(cut.truncated);
  CHECK(cut.body.size() == 1000);
  auto whole = http("GET", url, {{"User-Agent", kUa}}, "", opts);
  CHECK(!whole.truncated);
  CHECK(whole.body.size() == 131072);
  CHECK(whole.body.substr(0, 1000) == cut.body);
}

TEST_CASE("control: replace the tree at run time") {
  Fake115 f;
  f.control({{"tree", {{"root", {{{"name", "only.txt"}, {"size", 5}}}}}}});
  json j = get_json(f, "/open/ufile/files", {{"cid", "0"}, {"show_dir", "1"}}, f.access_token());
  REQUIRE(j["count"] == 1);
  CHECK(j["data"][0]["fn"] == "only.txt");
}

TEST_CASE("observability: /__stats and /__calls") {
  Fake115 f;
  const std::string token = f.access_token();
  const std::uint64_t before = f.stats()["last_seq"];
  api_get(f, "/open/ufile/files", {{"cid", "0"}, {"limit", "5"}}, token, "Agent/7");
  api_get(f, "/open/user/info", {}, "");
  auto url = download_url(f, "hello.txt");
  http("GET", url, {{"User-Agent", kUa}, {"Range", "bytes=0-3"}});

  json calls = f.calls(before);
  REQUIRE(calls.size() == 4);
  CHECK(calls[0]["path"] == "/open/ufile/files");
  CHECK(calls[0]["fields"]["limit"] == "5");
  CHECK(calls[0]["user_agent"] == "Agent/7");
  CHECK(calls[0]["result"] == "0");
  CHECK(calls[1]["result"] == "40140123");
  CHECK(calls[2]["path"] == "/open/ufile/downurl");
  CHECK(calls[3]["path"] == "/cdn");
  CHECK(calls[3]["range"] == "bytes=0-3");
  CHECK(calls[3]["status"] == 206);
  CHECK(calls[0]["seq"].get<std::uint64_t>() < calls[3]["seq"].get<std::uint64_t>());

  json s = f.stats();
  CHECK(s["calls"]["/open/ufile/files"] == 1);
  CHECK(s["results"]["40140123"] == 1);
  CHECK(s["cdn_downloads"] == 1);
  CHECK(s["cdn_bytes"] == 4);
  CHECK(s["access_token"] == token);
  CHECK(s["refresh_token"] == read_text_file(f.state_dir() + "/refresh_token"));
}

TEST_CASE("process: prints its URL first, writes the port, exits cleanly on SIGTERM") {
  Fake115 f;
  auto port = read_text_file(f.state_dir() + "/port");
  CHECK(f.base_url() == "http://127.0.0.1:" + port.substr(0, port.find('\n')));
  CHECK(f.process().log().rfind("fake115 listening on " + f.base_url() + "\n", 0) == 0);
  f.process().kill(SIGTERM);
  auto code = f.process().wait_exit(std::chrono::seconds(10));
  REQUIRE(code);
  CHECK(*code == 0);
}
