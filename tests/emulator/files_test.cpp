// Listing, get_info, search, user info, downurl: shapes and rules from 115-open-api.md §3.
#include <algorithm>
#include <regex>
#include <set>

#include "helpers.hpp"

using namespace emu_test;

TEST_CASE("listing: show_dir, paging, limit cap, echoes and breadcrumbs") {
  Fake115 f;
  const std::string token = f.access_token();
  const std::string many = f.entry("many")["id"];

  SECTION("without show_dir=1 there are no folders; with it there are") {
    json files_only = get_json(f, "/open/ufile/files", {{"cid", "0"}, {"limit", "100"}}, token);
    json all = get_json(f, "/open/ufile/files", {{"cid", "0"}, {"limit", "100"}, {"show_dir", "1"}}, token);
    REQUIRE(files_only["state"] == true);
    for (const auto& e : files_only["data"]) CHECK(e["fc"] == "1");
    CHECK(std::any_of(all["data"].begin(), all["data"].end(), [](const json& e) { return e["fc"] == "0"; }));
    CHECK(all["count"].get<int>() > files_only["count"].get<int>());
  }
  SECTION("default limit is 20, limit is capped at 1150, offset pages, count is the total") {
    json first = get_json(f, "/open/ufile/files", {{"cid", many}, {"show_dir", "1"}}, token);
    CHECK(first["data"].size() == 20);
    CHECK(first["count"] == 5000);
    json capped = get_json(f, "/open/ufile/files", {{"cid", many}, {"show_dir", "1"}, {"limit", "2000"}}, token);
    CHECK(capped["data"].size() == 1150);
    CHECK(capped["limit"] == 1150);
    json last = get_json(f, "/open/ufile/files", {{"cid", many}, {"show_dir", "1"}, {"limit", "1150"}, {"offset", "4600"}}, token);
    CHECK(last["data"].size() == 400);
    CHECK(last["offset"] == 4600);
    CHECK(last["data"].back()["fn"] == "file-04999.txt");
    // cid is echoed as a JSON number, not a string
    REQUIRE(last["cid"].is_number_unsigned());
    CHECK(std::to_string(last["cid"].get<std::uint64_t>()) == many);
  }
  SECTION("every entry has 115's fields and formats") {
    json j = get_json(f, "/open/ufile/files", {{"cid", f.entry("sizes")["id"]}, {"show_dir", "1"}, {"limit", "50"}}, token);
    REQUIRE(j["data"].size() == 4);
    const std::regex id_re("[1-9][0-9]{18}"), pc_re("[a-z0-9]{17}"), sha_re("[0-9A-F]{40}");
    for (const auto& e : j["data"]) {
      CHECK(std::regex_match(e["fid"].get<std::string>(), id_re));
      CHECK(std::regex_match(e["pc"].get<std::string>(), pc_re));
      CHECK(std::regex_match(e["sha1"].get<std::string>(), sha_re));
      CHECK(e["fc"] == "1");
      CHECK(e["upt"].is_number_integer());
      CHECK(e["uet"].is_number_integer());
      CHECK(e["uppt"].is_number_integer());
      CHECK(e["fs"].is_number());
    }
  }
  SECTION("o/asc ordering") {
    const std::string sizes = f.entry("sizes")["id"];
    json desc = get_json(f, "/open/ufile/files", {{"cid", sizes}, {"show_dir", "1"}, {"o", "file_size"}, {"asc", "0"}}, token);
    std::vector<std::uint64_t> got;
    for (const auto& e : desc["data"]) got.push_back(e["fs"]);
    CHECK(got == std::vector<std::uint64_t>{1048583, 131072, 1, 0});
    json by_name = get_json(f, "/open/ufile/files", {{"cid", sizes}, {"show_dir", "1"}, {"o", "file_name"}, {"asc", "1"}}, token);
    CHECK(by_name["data"][0]["fn"] == "128k.bin");
  }
  SECTION("path breadcrumbs run from the root to the listed folder") {
    const std::string level4 = f.entry("level1/level2/level3/level4")["id"];
    json j = get_json(f, "/open/ufile/files", {{"cid", level4}, {"show_dir", "1"}}, token);
    REQUIRE(j["path"].size() == 5);
    CHECK(j["path"][0]["cid"] == "0");
    CHECK(j["path"][4]["name"] == "level4");
    CHECK(j["path"][4]["cid"] == level4);
    CHECK(j["data"][0]["fn"] == "deep.txt");
  }
  SECTION("an unknown cid answers the root listing (clients must check the echoed cid)") {
    json j = get_json(f, "/open/ufile/files", {{"cid", "2999999999999999999"}, {"show_dir", "1"}}, token);
    CHECK(j["state"] == true);
    CHECK(j["cid"] == 0);
  }
}

TEST_CASE("listing: --missing-cid error answers 430004") {
  Fake115 f({"--missing-cid", "error"});
  json j = get_json(f, "/open/ufile/files", {{"cid", "2999999999999999999"}}, f.access_token());
  CHECK(j["state"] == false);
  CHECK(j["code"] == 430004);
}

TEST_CASE("fixture: hard names, duplicates, sizes, the 5,000-entry folder") {
  Fake115 f;
  json tree = f.tree();
  std::multiset<std::string> paths;
  for (const auto& e : tree["entries"]) paths.insert(e["path"].get<std::string>());
  CHECK(paths.count("special chars/& # % ? + ' ( ) ; =.txt") == 1);
  CHECK(paths.count("中文目录/测试文件.txt") == 1);
  CHECK(paths.count("emoji 🎬/🎉party🎉.txt") == 1);
  CHECK(paths.count("dupes/same.txt") == 2);  // file + file
  CHECK(paths.count("dupes/twin") == 2);      // folder + file
  CHECK(paths.count("level1/level2/level3/level4/deep.txt") == 1);
  CHECK(paths.count("sizes/1m7.bin") == 1);
  CHECK(paths.count("big/64m.bin") == 1);
  CHECK(paths.count("big/1g.bin") == 0);  // left out by the support library's default --max-file-size
  bool long_name = std::any_of(tree["entries"].begin(), tree["entries"].end(), [](const json& e) {
    return e["name"].get<std::string>().size() >= 190;
  });
  CHECK(long_name);
  CHECK(std::count_if(tree["entries"].begin(), tree["entries"].end(),
                      [](const json& e) { return e["path"].get<std::string>().rfind("many/", 0) == 0; }) == 5000);
}

TEST_CASE("fixture: --dump-tree prints the same expanded tree; --include-optional adds 20,000 entries") {
  auto plain = run_command({Fake115::binary(), "--dump-tree", "--tree", Fake115::standard_fixture(), "--max-file-size", "1000"});
  REQUIRE(plain.exit_code == 0);
  json a = json::parse(plain.out);
  auto with = run_command({Fake115::binary(), "--dump-tree", "--tree", Fake115::standard_fixture(), "--max-file-size",
                           "1000", "--include-optional"});
  REQUIRE(with.exit_code == 0);
  json b = json::parse(with.out);
  CHECK(b["entries"].size() == a["entries"].size() + 20000);
  // Ids, and so bytes and SHA-1s, are stable from run to run.
  auto again = run_command({Fake115::binary(), "--dump-tree", "--tree", Fake115::standard_fixture(), "--max-file-size", "1000"});
  CHECK(json::parse(again.out) == a);
}

TEST_CASE("get_info by id and by path; not found shapes") {
  Fake115 f;
  const std::string token = f.access_token();
  json deep = f.entry("level1/level2/level3/level4/deep.txt");
  SECTION("by file_id (GET)") {
    json j = get_json(f, "/open/folder/get_info", {{"file_id", deep["id"]}}, token);
    REQUIRE(j["state"] == true);
    REQUIRE(j["data"].is_object());
    CHECK(j["data"]["file_name"] == "deep.txt");
    CHECK(j["data"]["file_category"] == "1");
    CHECK(j["data"]["size_byte"] == 99);
    CHECK(j["data"]["ptime"].is_string());
    CHECK(j["data"]["utime"].is_string());
    CHECK(j["data"]["sha1"] == deep["sha1"]);
    CHECK(j["data"]["paths"].size() == 5);  // root, level1..level4
  }
  SECTION("by path (POST), with either separator") {
    json a = post_json(f, "/open/folder/get_info", {{"path", "/level1/level2/level3/level4/deep.txt"}}, token);
    json b = post_json(f, "/open/folder/get_info", {{"path", ">level1>level2>level3>level4>deep.txt"}}, token);
    CHECK(a["data"]["file_id"] == deep["id"]);
    CHECK(b["data"]["file_id"] == deep["id"]);
    json dir = post_json(f, "/open/folder/get_info", {{"path", "/sizes"}}, token);
    CHECK(dir["data"]["file_category"] == "0");
    CHECK(dir["data"]["count"] == 4);
    CHECK(dir["data"]["size_byte"] == 0 + 1 + 131072 + 1048583);
  }
  SECTION("missing: 430004 by id, [] by path") {
    json a = get_json(f, "/open/folder/get_info", {{"file_id", "2999999999999999999"}}, token);
    CHECK(a["state"] == false);
    CHECK(a["code"] == 430004);
    json b = post_json(f, "/open/folder/get_info", {{"path", "/no/such/thing"}}, token);
    CHECK(b["state"] == true);
    CHECK(b["data"] == json::array());
  }
}

TEST_CASE("search, user info") {
  Fake115 f;
  const std::string token = f.access_token();
  json s = get_json(f, "/open/ufile/search", {{"search_value", "deep"}, {"limit", "10"}}, token);
  REQUIRE(s["state"] == true);
  REQUIRE(s["count"] == 1);
  CHECK(s["data"][0]["file_name"] == "deep.txt");
  CHECK(s["data"][0]["file_size"] == "99");  // a string in search results
  json folders = get_json(f, "/open/ufile/search", {{"search_value", "level"}, {"fc", "1"}}, token);
  CHECK(folders["count"] == 4);
  json scoped = get_json(f, "/open/ufile/search", {{"search_value", "same"}, {"cid", f.entry("docs")["id"]}}, token);
  CHECK(scoped["count"] == 0);

  json u = get_json(f, "/open/user/info", {}, token);
  REQUIRE(u["state"] == true);
  CHECK(u["data"]["rt_space_info"]["all_total"]["size"].get<std::uint64_t>() > 0);
  CHECK(u["data"]["rt_space_info"]["all_use"]["size"].get<std::uint64_t>() > 64ull << 20);
}

TEST_CASE("downurl: keyed by file id, url.url, errors") {
  Fake115 f;
  const std::string token = f.access_token();
  json e = f.entry("sizes/128k.bin");
  json j = post_json(f, "/open/ufile/downurl", {{"pick_code", e["pick_code"]}}, token);
  REQUIRE(j["state"] == true);
  const json& item = j["data"][e["id"].get<std::string>()];
  CHECK(item["file_size"] == 131072);
  CHECK(item["sha1"] == e["sha1"]);
  const std::string url = item["url"]["url"];
  CHECK(url.rfind(f.base_url() + "/cdn/", 0) == 0);
  CHECK(url.find("&c=2&f=1&") != std::string::npos);
  // The bytes served match the advertised SHA-1.
  auto body = http("GET", url, {{"User-Agent", kUa}});
  REQUIRE(body.status == 200);
  CHECK(sha1_hex_upper(body.body) == e["sha1"]);

  json unknown = post_json(f, "/open/ufile/downurl", {{"pick_code", "zzzzzzzzzzzzzzzzz"}}, token);
  CHECK(unknown["state"] == false);
  CHECK(unknown["code"] == 50003);
  json folder = post_json(f, "/open/ufile/downurl", {{"pick_code", f.entry("docs")["pick_code"]}}, token);
  CHECK(folder["state"] == true);
  CHECK(folder["data"].empty());
}

TEST_CASE("local_path entries serve the real file") {
  const std::string dir = temp_dir("fake115-fixture");
  std::string content;
  for (int i = 0; i < 100000; ++i) content += static_cast<char>('a' + i % 26);
  write_text_file(dir + "/clip.bin", content);
  write_text_file(dir + "/tree.json", R"({"root": [{"name": "clip.bin", "local_path": "clip.bin"}]})");
  Fake115 f({"--tree", dir + "/tree.json"});
  json e = f.entry("clip.bin");
  CHECK(e["size"] == content.size());
  CHECK(e["sha1"] == sha1_hex_upper(content));
  auto r = http("GET", download_url(f, "clip.bin"), {{"User-Agent", kUa}, {"Range", "bytes=26-51"}});
  CHECK(r.status == 206);
  CHECK(r.body == content.substr(26, 26));
}
