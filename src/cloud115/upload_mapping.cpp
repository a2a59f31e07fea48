#include "upload_mapping.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>

#include "dav115/cloud115/json_mapping.hpp"

namespace dav115::cloud115::upload_mapping {

using nlohmann::json;

namespace {

[[noreturn]] void bad_shape(const std::string& what) {
  throw ApiError(ErrorKind::Unavailable, 0, "unexpected upload response shape: " + what);
}

std::string str(const json& obj, const char* key) {
  if (!obj.is_object() || !obj.contains(key) || obj[key].is_null()) return "";
  auto s = mapping::as_string(obj[key]);
  return s ? *s : "";
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

const json& data_of(const json& body) {
  if (!body.is_object() || !body.contains("data")) bad_shape("no data");
  return body["data"];
}

}  // namespace

InitReply parse_init(const json& body) {
  const json& d = data_of(body);
  if (!d.is_object()) bad_shape("upload/init data is not an object");
  InitReply r;
  if (d.contains("status"))
    if (auto v = mapping::as_int(d["status"])) r.status = static_cast<int>(*v);
  // The doc pairs the sign-check statuses with codes 700/701/702; either one is enough.
  if (r.status == 0 && body.contains("code"))
    if (auto c = mapping::as_int(body["code"]); c && *c >= 700 && *c <= 702) r.status = static_cast<int>(*c - 694);
  r.pick_code = str(d, "pick_code");
  r.file_id = str(d, "file_id");
  r.target = str(d, "target");
  r.bucket = str(d, "bucket");
  r.object = str(d, "object");
  r.sign_key = str(d, "sign_key");
  r.sign_check = str(d, "sign_check");
  if (d.contains("callback") && d["callback"].is_object()) {  // `[]` when there is nothing to call back
    r.callback = str(d["callback"], "callback");
    r.callback_var = str(d["callback"], "callback_var");
  }
  return r;
}

std::optional<std::pair<std::uint64_t, std::uint64_t>> parse_sign_range(const std::string& text, std::uint64_t size) {
  const auto dash = text.find('-');
  if (dash == std::string::npos) return std::nullopt;
  std::uint64_t a = 0, b = 0;
  auto ra = std::from_chars(text.data(), text.data() + dash, a);
  auto rb = std::from_chars(text.data() + dash + 1, text.data() + text.size(), b);
  if (ra.ec != std::errc() || ra.ptr != text.data() + dash || rb.ec != std::errc() || rb.ptr != text.data() + text.size())
    return std::nullopt;
  if (a > b || b >= size) return std::nullopt;
  return std::make_pair(a, b);
}

std::optional<std::int64_t> parse_iso8601(const std::string& text) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!end) return std::nullopt;
  return static_cast<std::int64_t>(timegm(&tm));  // fractions and "Z" after the seconds are ignored: UTC
}

oss::Credentials parse_sts(const json& body) {
  const json* d = &data_of(body);
  if (d->is_array()) {  // the doc types data as an array; R115 saw both shapes
    if (d->empty()) bad_shape("get_token data is an empty array");
    d = &(*d)[0];
  }
  if (!d->is_object()) bad_shape("get_token data is not an object");
  oss::Credentials c;
  c.endpoint = str(*d, "endpoint");
  c.key_id = str(*d, "AccessKeyId");
  c.secret = str(*d, "AccessKeySecret");
  if (c.secret.empty()) c.secret = str(*d, "AccessKeySecrett");  // the doc's spelling
  c.security_token = str(*d, "SecurityToken");
  if (c.key_id.empty() || c.secret.empty() || c.security_token.empty()) bad_shape("get_token without credentials");
  c.expires_at = parse_iso8601(str(*d, "Expiration")).value_or(0);
  return c;
}

Entry parse_callback_entry(const json& body) {
  const json& d = data_of(body);
  if (!d.is_object()) bad_shape("upload callback data is not an object");
  Entry e;
  e.id = str(d, "file_id");
  if (e.id.empty()) bad_shape("upload callback without file_id");
  e.pick_code = str(d, "pick_code");
  e.name = str(d, "file_name");
  e.parent_id = str(d, "cid");
  e.sha1 = upper(str(d, "sha1"));
  if (d.contains("file_size"))
    if (auto v = mapping::as_size(d["file_size"])) e.size = *v;
  return e;
}

}  // namespace dav115::cloud115::upload_mapping
