// The write endpoints: folder/add, ufile/move, ufile/copy, ufile/update, ufile/delete and the recycle bin,
// with 115's envelope, error codes, auth, rate limit and faults.
#include "upload_helpers.hpp"

using namespace emu_test;

namespace {

json post(Fake115& f, const std::string& path, const HttpHeaders& form) { return post_json(f, path, form, f.access_token()); }

std::string id_of(Fake115& f, const std::string& path) {
  auto e = live_entry(f, path);
  REQUIRE(e);
  return (*e)["id"];
}

}  // namespace

TEST_CASE("folder/add: creates a folder, 20004 on a duplicate name") {
  Fake115 f;
  json r = post(f, "/open/folder/add", {{"pid", "0"}, {"file_name", "new folder"}});
  REQUIRE(r["state"] == true);
  CHECK(r["code"] == 0);
  const std::string id = r["data"]["file_id"];
  CHECK(r["data"]["file_name"] == "new folder");
  auto e = listed(f, "0", "new folder");
  REQUIRE(e);
  CHECK((*e)["fid"] == id);
  CHECK((*e)["fc"] == "0");
  // nested, then listed inside
  json inner = post(f, "/open/folder/add", {{"pid", id}, {"file_name", "inner"}});
  REQUIRE(inner["state"] == true);
  CHECK(listed(f, id, "inner"));

  json dup = post(f, "/open/folder/add", {{"pid", "0"}, {"file_name", "new folder"}});
  CHECK(dup["state"] == false);
  CHECK(dup["code"] == 20004);
  CHECK(dup["message"] == "该目录名称已存在");
  CHECK(post(f, "/open/folder/add", {{"pid", "0"}})["code"] == 40100000);
  CHECK(post(f, "/open/folder/add", {{"pid", "123"}, {"file_name", "x"}})["code"] == 430004);
  CHECK(post(f, "/open/folder/add", {{"pid", "0"}, {"file_name", std::string(256, 'a')}})["state"] == false);
}

TEST_CASE("ufile/move: to another folder, never into itself") {
  Fake115 f;
  const std::string hello = id_of(f, "hello.txt"), docs = id_of(f, "docs"), deep = id_of(f, "level1/level2");
  json r = post(f, "/open/ufile/move", {{"file_ids", hello}, {"to_cid", docs}});
  REQUIRE(r["state"] == true);
  CHECK(r["data"].is_array());
  CHECK(!listed(f, "0", "hello.txt"));
  auto moved = listed(f, docs, "hello.txt");
  REQUIRE(moved);
  CHECK((*moved)["fid"] == hello);
  CHECK((*moved)["pid"] == docs);
  // several at once, folders with their content
  r = post(f, "/open/ufile/move", {{"file_ids", docs + "," + id_of(f, "sizes")}, {"to_cid", deep}});
  REQUIRE(r["state"] == true);
  CHECK(live_entry(f, "level1/level2/docs/hello.txt"));
  CHECK(live_entry(f, "level1/level2/sizes/one.bin"));

  json loop = post(f, "/open/ufile/move", {{"file_ids", id_of(f, "level1")}, {"to_cid", deep}});
  CHECK(loop["state"] == false);
  CHECK(loop["code"] == 91002);
  CHECK(post(f, "/open/ufile/move", {{"file_ids", "42"}, {"to_cid", "0"}})["code"] == 430004);
  CHECK(post(f, "/open/ufile/move", {{"file_ids", hello}, {"to_cid", "42"}})["code"] == 430004);
  CHECK(post(f, "/open/ufile/move", {{"to_cid", "0"}})["code"] == 40100000);
}

TEST_CASE("ufile/copy: new ids, same bytes; nodupli and no_dupli refuse a same-name target") {
  Fake115 f;
  const std::string docs = id_of(f, "docs"), sizes = id_of(f, "sizes");
  auto src = live_entry(f, "sizes/128k.bin");
  REQUIRE(src);
  json r = post(f, "/open/ufile/copy", {{"file_id", (*src)["id"].get<std::string>() + "," + docs}, {"pid", id_of(f, "level1")}});
  REQUIRE(r["state"] == true);
  auto copy = live_entry(f, "level1/128k.bin");
  REQUIRE(copy);
  CHECK((*copy)["id"] != (*src)["id"]);
  CHECK((*copy)["pick_code"] != (*src)["pick_code"]);
  CHECK((*copy)["sha1"] == (*src)["sha1"]);
  CHECK(sha1_hex_upper(download(f, (*copy)["pick_code"], (*copy)["id"])) == (*src)["sha1"]);
  CHECK(live_entry(f, "level1/docs/readme.txt"));
  CHECK(live_entry(f, "docs/readme.txt"));  // the original stays

  // duplicates allowed by default (115 keeps both), refused with nodupli=1 / no_dupli=1
  CHECK(post(f, "/open/ufile/copy", {{"file_id", (*src)["id"]}, {"pid", sizes}})["state"] == true);
  CHECK(post(f, "/open/ufile/copy", {{"file_id", (*src)["id"]}, {"pid", sizes}, {"nodupli", "1"}})["code"] == 20004);
  CHECK(post(f, "/open/ufile/copy", {{"file_id", (*src)["id"]}, {"pid", sizes}, {"no_dupli", "1"}})["code"] == 20004);
  CHECK(post(f, "/open/ufile/copy", {{"file_id", docs}, {"pid", id_of(f, "docs")}})["code"] == 91002);
  CHECK(post(f, "/open/ufile/copy", {{"file_id", "42"}, {"pid", "0"}})["code"] == 430004);
}

TEST_CASE("ufile/update: rename and star") {
  Fake115 f;
  const std::string hello = id_of(f, "hello.txt");
  json r = post(f, "/open/ufile/update", {{"file_id", hello}, {"file_name", "bonjour.md"}});
  REQUIRE(r["state"] == true);
  CHECK(r["data"]["file_name"] == "bonjour.md");
  auto e = listed(f, "0", "bonjour.md");
  REQUIRE(e);
  CHECK((*e)["fid"] == hello);
  CHECK((*e)["ico"] == "md");
  CHECK(!listed(f, "0", "hello.txt"));

  r = post(f, "/open/ufile/update", {{"file_id", hello}, {"star", "1"}});
  REQUIRE(r["state"] == true);
  CHECK(r["data"]["star"] == "1");
  CHECK((*listed(f, "0", "bonjour.md"))["ism"] == "1");
  CHECK(post(f, "/open/ufile/update", {{"file_id", "42"}, {"file_name", "x"}})["code"] == 430004);
  CHECK(post(f, "/open/ufile/update", {{"file_id", hello}})["code"] == 40100000);
}

TEST_CASE("ufile/delete: to the recycle bin; rb/list, rb/revert, rb/del") {
  Fake115 f;
  const std::string docs = id_of(f, "docs"), hello = id_of(f, "hello.txt");
  auto readme = live_entry(f, "docs/readme.txt");
  REQUIRE(readme);
  json r = post(f, "/open/ufile/delete", {{"file_ids", docs + "," + hello}, {"parent_id", "0"}});
  REQUIRE(r["state"] == true);
  CHECK(!listed(f, "0", "docs"));
  CHECK(!live_entry(f, "docs/readme.txt"));
  CHECK(get_json(f, "/open/folder/get_info", {{"file_id", (*readme)["id"]}}, f.access_token())["code"] == 430004);
  CHECK(post(f, "/open/ufile/downurl", {{"pick_code", (*readme)["pick_code"]}})["code"] == 50003);
  CHECK(post(f, "/open/ufile/delete", {{"file_ids", docs}})["code"] == 430004);  // already gone

  json rb = get_json(f, "/open/rb/list", {{"limit", "30"}}, f.access_token());
  REQUIRE(rb["state"] == true);
  CHECK(rb["data"]["count"] == "2");
  REQUIRE(rb["data"].contains(docs));
  CHECK(rb["data"][docs]["type"] == "2");
  CHECK(rb["data"][docs]["file_name"] == "docs");
  CHECK(rb["data"][docs]["cid"] == "0");
  CHECK(rb["data"][hello]["type"] == "1");
  CHECK(rb["data"][hello]["file_size"] == "13");

  // a deleted file is not an instant-upload source
  r = post(f, "/open/rb/revert", {{"tid", docs}});
  REQUIRE(r["state"] == true);
  CHECK(r["data"][docs]["state"] == true);
  auto back = live_entry(f, "docs/readme.txt");
  REQUIRE(back);
  CHECK((*back)["id"] == (*readme)["id"]);
  CHECK((*back)["pick_code"] == (*readme)["pick_code"]);
  CHECK(get_json(f, "/open/rb/list", {}, f.access_token())["data"]["count"] == "1");
  CHECK(post(f, "/open/rb/revert", {{"tid", "42"}})["data"]["42"]["state"] == false);

  // rb/del with tid: that one; without: everything
  post(f, "/open/ufile/delete", {{"file_ids", docs}});
  CHECK(get_json(f, "/open/rb/list", {}, f.access_token())["data"]["count"] == "2");
  CHECK(post(f, "/open/rb/del", {{"tid", hello}})["state"] == true);
  json left = get_json(f, "/open/rb/list", {}, f.access_token());
  CHECK(left["data"]["count"] == "1");
  CHECK(left["data"].contains(docs));
  CHECK(post(f, "/open/rb/del", {})["state"] == true);
  CHECK(get_json(f, "/open/rb/list", {}, f.access_token())["data"]["count"] == "0");
}

TEST_CASE("write endpoints: bearer token, rate limit, faults and per-endpoint counters like the read ones") {
  Fake115 f({"--qps", "0.01", "--burst", "3"});
  auto r = api_post(f, "/open/folder/add", {{"pid", "0"}, {"file_name", "a"}}, "");
  CHECK(json::parse(r.body)["code"] == 40140123);
  CHECK(post(f, "/open/folder/add", {{"pid", "0"}, {"file_name", "a"}})["state"] == true);
  f.control({{"fail", {{"path", "/open/ufile/delete"}, {"mode", "waf"}}}});
  auto waf = api_post(f, "/open/ufile/delete", {{"file_ids", "1"}}, f.access_token());
  CHECK(waf.status == 405);
  f.control({{"fail", {{"path", "/open/ufile/move"}, {"mode", "reset"}}}});
  CHECK_THROWS_AS(api_post(f, "/open/ufile/move", {{"file_ids", "1"}, {"to_cid", "0"}}, f.access_token()), HttpError);
  CHECK(post(f, "/open/folder/add", {{"pid", "0"}, {"file_name", "b"}})["state"] == true);
  CHECK(post(f, "/open/folder/add", {{"pid", "0"}, {"file_name", "c"}})["code"] == 770004);
  CHECK(!live_entry(f, "c"));  // refused calls change nothing
  json calls = f.stats()["calls"];
  CHECK(calls["/open/folder/add"] == 4);
  CHECK(calls["/open/ufile/delete"] == 1);
  CHECK(calls["/open/ufile/move"] == 1);
}
