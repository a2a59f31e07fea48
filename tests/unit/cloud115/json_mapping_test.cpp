#include <catch2/catch.hpp>

#include "dav115/cloud115/json_mapping.hpp"

using namespace dav115::cloud115;
using namespace dav115::cloud115::mapping;

TEST_CASE("classify: proapi success and failure envelopes") {
  auto ok = classify(200, R"({"state":true,"code":0,"message":"","data":[]})");
  CHECK(ok.ok);
  CHECK(ok.metric_result() == "ok");

  auto nf = classify(200, R"({"state":false,"code":430004,"message":"文件（夹）不存在或已删除","data":[]})");
  CHECK_FALSE(nf.ok);
  CHECK(nf.kind == ErrorKind::NotFound);
  CHECK(nf.code == 430004);
  CHECK(nf.metric_result() == "430004");
}

TEST_CASE("classify: codes as strings, under errno, and the token-expired family") {
  auto s = classify(200, R"({"state":false,"code":"40140125","message":"access_token 无效"})");
  CHECK_FALSE(s.ok);
  CHECK(s.code == 40140125);
  CHECK(s.token_expired);
  auto e = classify(200, R"({"state":0,"errno":40140116,"error":"refresh_token 无效","data":{}})");
  CHECK_FALSE(e.ok);
  CHECK(e.kind == ErrorKind::ReauthRequired);
  CHECK_FALSE(e.token_expired);
  CHECK(e.message.find("refresh_token") != std::string::npos);
}

TEST_CASE("classify: rate-limit signals") {
  CHECK(classify(200, R"({"state":false,"code":770004,"message":"访问频率过高"})").kind == ErrorKind::RateLimited);
  CHECK(classify(200, R"({"state":false,"code":406,"message":"已达到当前访问上限"})").kind == ErrorKind::RateLimited);
  CHECK(classify(200, R"({"state":0,"code":40140117,"error":"刷新太频繁"})").kind == ErrorKind::RateLimited);
  auto waf = classify(405, "<html><body><h1>405 Not Allowed</h1></body></html>");
  CHECK_FALSE(waf.ok);
  CHECK(waf.kind == ErrorKind::RateLimited);
  CHECK(waf.code == 405);
  CHECK(waf.metric_result() == "invalid_body");
}

TEST_CASE("classify: empty, non-JSON, non-object bodies and code-less failures are Unavailable") {
  CHECK(classify(200, "").kind == ErrorKind::Unavailable);
  CHECK_FALSE(classify(200, "  \n").ok);
  CHECK(classify(200, "<html>oops</html>").kind == ErrorKind::Unavailable);
  CHECK(classify(502, "Bad gateway").kind == ErrorKind::Unavailable);
  CHECK(classify(200, "[1,2]").kind == ErrorKind::Unavailable);
  auto zero = classify(200, R"({"state":false,"code":0,"message":""})");
  CHECK_FALSE(zero.ok);
  CHECK(zero.kind == ErrorKind::Unavailable);
}

TEST_CASE("classify: passport envelope with numeric state") {
  CHECK(classify(200, R"({"state":1,"code":0,"message":"","data":{"access_token":"a"},"error":"","errno":0})").ok);
  CHECK_FALSE(classify(200, R"({"state":1,"code":40140120,"message":"x"})").ok);
}

TEST_CASE("parse_list_page: realistic page with mixed types") {
  auto body = nlohmann::json::parse(R"({
    "state":true,"code":0,"message":"","count":"3","cid":3342177983093201749,"offset":0,"limit":"1150",
    "data":[
      {"fid":"3342177983093201750","pid":"3342177983093201749","fc":"0","fn":"Movies","fs":0,"pc":"abc","upt":1700000000,"uppt":"1690000000"},
      {"fid":3342177983093201751,"pid":"3342177983093201749","fc":"1","fn":"a.mkv","fs":"123456789012","pc":"cq8zap7l323bbddre","sha1":"da39a3ee5e6b4b0d3255bfef95601890afd80709","upt":"1700000001","uppt":0},
      {"fid":"3342177983093201752","fc":1,"fn":"b.bin","fs":1.5e3,"pc":"x","sha1":"AA","upt":1700000002.0}
    ]})");
  auto p = parse_list_page(body);
  CHECK(p.count == 3);
  REQUIRE(p.cid);
  CHECK(*p.cid == "3342177983093201749");
  REQUIRE(p.entries.size() == 3);
  CHECK(p.entries[0].is_dir);
  CHECK(p.entries[0].name == "Movies");
  CHECK(p.entries[0].ctime == 1690000000);
  CHECK(p.entries[1].id == "3342177983093201751");
  CHECK_FALSE(p.entries[1].is_dir);
  CHECK(p.entries[1].size == 123456789012ULL);
  CHECK(p.entries[1].sha1 == "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709");
  CHECK(p.entries[1].mtime == 1700000001);
  CHECK(p.entries[1].ctime == 1700000001);  // uppt 0 falls back to mtime
  CHECK(p.entries[1].pick_code == "cq8zap7l323bbddre");
  CHECK(p.entries[2].size == 1500);
  CHECK(p.entries[2].mtime == 1700000002);
}

TEST_CASE("parse_list_page: cid as string, empty data, and bad shapes") {
  auto p = parse_list_page(nlohmann::json::parse(R"({"state":true,"count":0,"cid":"0","data":[]})"));
  CHECK(p.entries.empty());
  CHECK(*p.cid == "0");
  CHECK_THROWS_AS(parse_list_page(nlohmann::json::parse(R"({"state":true,"count":1})")), ApiError);
  CHECK_THROWS_AS(parse_list_page(nlohmann::json::parse(R"({"state":true,"data":"x"})")), ApiError);
  CHECK_THROWS_AS(parse_list_page(nlohmann::json::parse(R"({"state":true,"data":[{"fn":"no id"}]})")), ApiError);
  try {
    parse_list_page(nlohmann::json::parse(R"({"state":true,"data":[{"fn":"no id"}]})"));
  } catch (const ApiError& e) {
    CHECK(e.kind == ErrorKind::Unavailable);  // never NotFound for a malformed answer
  }
}

TEST_CASE("parse_info: object, one-element array, empty array") {
  auto obj = parse_info(nlohmann::json::parse(R"({"state":true,"data":{"file_id":"42","file_name":"f.txt",
      "file_category":"1","pick_code":"pc","sha1":"ab","size":"1.2MB","size_byte":"1258291","ptime":"1690000000",
      "utime":"1700000000","paths":[{"file_id":0,"file_name":"根目录"},{"file_id":"7","file_name":"d"}]}})"));
  REQUIRE(obj);
  CHECK(obj->id == "42");
  CHECK_FALSE(obj->is_dir);
  CHECK(obj->size == 1258291);
  CHECK(obj->mtime == 1700000000);
  CHECK(obj->ctime == 1690000000);
  CHECK(obj->parent_id == "7");
  CHECK(obj->sha1 == "AB");

  auto arr = parse_info(nlohmann::json::parse(
      R"({"state":true,"data":[{"file_id":"9","file_name":"d","file_category":"0","size_byte":0}]})"));
  REQUIRE(arr);
  CHECK(arr->is_dir);
  CHECK_FALSE(parse_info(nlohmann::json::parse(R"({"state":true,"data":[]})")).has_value());
  CHECK_THROWS_AS(parse_info(nlohmann::json::parse(R"({"state":true})")), ApiError);
}

TEST_CASE("parse_quota: numbers, floats and strings") {
  auto q = parse_quota(nlohmann::json::parse(R"({"state":true,"data":{"user_id":1,"rt_space_info":{
      "all_total":{"size":2.199023255552E12,"size_format":"2TB"},
      "all_use":{"size":"1099511627776","size_format":"1TB"},
      "all_remain":{"size":1099511627776,"size_format":"1TB"}}}})"));
  CHECK(q.total == 2199023255552ULL);
  CHECK(q.used == 1099511627776ULL);
  CHECK(q.remain == 1099511627776ULL);
  CHECK_THROWS_AS(parse_quota(nlohmann::json::parse(R"({"state":true,"data":{}})")), ApiError);
}

TEST_CASE("parse_download: keyed by file id, flags from the URL") {
  auto body = nlohmann::json::parse(R"({"state":true,"data":{"3342177983093201751":{"file_name":"a.mkv",
      "file_size":"1000","pick_code":"pc","sha1":"abc","url":{"url":"https://cdnfhnfile.115cdn.net/a.mkv?t=1700003600&u=1&s=x&c=2&f=1&k=z"}}}})");
  auto link = parse_download(body, "3342177983093201751");
  REQUIRE(link);
  CHECK(link->url.rfind("https://cdnfhnfile.115cdn.net/", 0) == 0);
  CHECK(link->expires_at == 1700003600);
  CHECK(link->max_connections == 2);
  CHECK(link->size == 1000);
  CHECK(link->sha1 == "ABC");
  CHECK_FALSE(parse_download(nlohmann::json::parse(R"({"state":true,"data":[]})"), "1"));
  CHECK_FALSE(parse_download(nlohmann::json::parse(R"({"state":true,"data":{"1":{"url":false}}})"), "1"));
  auto no_flags = parse_download(nlohmann::json::parse(R"({"state":true,"data":{"5":{"url":{"url":"http://h/x"}}}})"), "5");
  REQUIRE(no_flags);
  CHECK(no_flags->expires_at == 0);
  CHECK(no_flags->max_connections == 0);
}

TEST_CASE("parse_token_grant") {
  auto g = parse_token_grant(nlohmann::json::parse(
      R"({"state":1,"code":0,"data":{"access_token":"A","refresh_token":"R","expires_in":"7200"}})"));
  CHECK(g.access_token == "A");
  CHECK(g.refresh_token == "R");
  CHECK(g.expires_in == 7200);
  CHECK_THROWS_AS(parse_token_grant(nlohmann::json::parse(R"({"state":1,"data":{}})")), ApiError);
}

TEST_CASE("lenient scalars") {
  using nlohmann::json;
  CHECK(as_string(json(3342177983093201749ULL)).value() == "3342177983093201749");
  CHECK(as_string(json(0)).value() == "0");
  CHECK(as_int(json("12")).value() == 12);
  CHECK(as_int(json("12.7")).value() == 12);
  CHECK_FALSE(as_int(json("abc")).has_value());
  CHECK_FALSE(as_size(json(-5)).has_value());
  CHECK_FALSE(as_int(json::array()).has_value());
}
