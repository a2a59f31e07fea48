// The upload answers in the shapes the doc and live observations allow (115-open-api.md §3.12), and the
// part size rule.
#include <catch2/catch.hpp>

#include "../../../src/cloud115/upload_mapping.hpp"
#include "../../../src/cloud115/uploader.hpp"

using namespace dav115::cloud115;
using nlohmann::json;

TEST_CASE("get_token: data as an object or a one-element array, the secret in either spelling") {
  const json obj = json::parse(R"({"state":true,"code":0,"data":{"endpoint":"http://oss-cn-shenzhen.aliyuncs.com",
      "AccessKeyId":"STS.a","AccessKeySecret":"s1","SecurityToken":"t","Expiration":"2026-01-15T08:00:00Z"}})");
  auto c = upload_mapping::parse_sts(obj);
  CHECK(c.key_id == "STS.a");
  CHECK(c.secret == "s1");
  CHECK(c.expires_at == 1768464000);
  const json arr = json::parse(R"({"state":true,"data":[{"endpoint":"e","AccessKeyId":"STS.b",
      "AccessKeySecrett":"s2","SecurityToken":"t2","Expiration":"2026-01-15T08:00:00Z"}]})");
  auto d = upload_mapping::parse_sts(arr);
  CHECK(d.secret == "s2");
  CHECK(d.security_token == "t2");
  CHECK_THROWS_AS(upload_mapping::parse_sts(json::parse(R"({"state":true,"data":[]})")), ApiError);
}

TEST_CASE("upload/init: status, sign check by status or by code 700-702, callback object or []") {
  auto r = upload_mapping::parse_init(json::parse(
      R"({"state":true,"code":0,"data":{"status":"1","bucket":"b","object":"o","pick_code":"pc",
          "callback":{"callback":"{\"a\":1}","callback_var":"{}"}}})"));
  CHECK(r.status == 1);
  CHECK(r.callback == "{\"a\":1}");
  auto s = upload_mapping::parse_init(json::parse(
      R"({"state":true,"code":701,"data":{"sign_key":"k","sign_check":"0-99","callback":[]}})"));
  CHECK(s.needs_sign_check());
  CHECK(s.callback.empty());
  CHECK(upload_mapping::parse_sign_range("0-99", 100) == std::make_pair<std::uint64_t, std::uint64_t>(0, 99));
  CHECK_FALSE(upload_mapping::parse_sign_range("0-100", 100));  // inclusive: 100 is past the end
  CHECK_FALSE(upload_mapping::parse_sign_range("5-4", 100));
  CHECK_FALSE(upload_mapping::parse_sign_range("x-4", 100));
}

TEST_CASE("part size: the configured size, OSS's 100 KiB minimum, grown to stay within 10,000 parts") {
  CHECK(part_size_for(1 << 20, 256 * 1024) == 256 * 1024);
  CHECK(part_size_for(1 << 20, 1024) == 100 * 1024);
  const std::uint64_t huge = 400ull << 30;  // 400 GiB at 20 MiB parts would be 20,480 parts
  const auto part = part_size_for(huge, 20ull << 20);
  CHECK((huge + part - 1) / part <= 10000);
  CHECK(part % (1 << 20) == 0);
}
