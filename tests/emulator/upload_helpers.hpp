#pragma once
// For the write and upload tests: fresh tree lookups, upload/init, get_token, and a small OSS client that
// signs its requests with OSS V1 (HMAC-SHA1 over the canonical string, OpenSSL's HMAC).
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <ctime>
#include <map>
#include <random>

#include "helpers.hpp"

namespace emu_test {

// The /__tree entry at `path`, read now (Fake115::entry caches the tree, which writes change).
inline std::optional<json> live_entry(Fake115& f, const std::string& path) {
  const json tree = f.tree();  // kept: a temporary in the range-for would die before the loop runs
  for (const auto& e : tree["entries"])
    if (e["path"] == path) return e;
  return std::nullopt;
}

inline std::string random_bytes(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

inline std::string base64(const std::string& raw) {
  std::string out(4 * ((raw.size() + 2) / 3), '\0');
  int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(raw.size()));
  out.resize(static_cast<std::size_t>(len));
  return out;
}

inline std::string md5_raw(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_md5(), nullptr);
  return std::string(reinterpret_cast<char*>(md), len);
}

inline std::string content_md5(const std::string& data) { return base64(md5_raw(data)); }

// POST /open/upload/init for `data` into folder `cid`.
inline json upload_init(Fake115& f, const std::string& name, const std::string& data, const std::string& cid = "0",
                        HttpHeaders extra = {}) {
  HttpHeaders form = {{"file_name", name},
                      {"file_size", std::to_string(data.size())},
                      {"target", "U_1_" + cid},
                      {"fileid", sha1_hex_upper(data)},
                      {"preid", sha1_hex_upper(data.substr(0, 128 * 1024))}};
  form.insert(form.end(), extra.begin(), extra.end());
  return post_json(f, "/open/upload/init", form, f.access_token());
}

struct Sts {
  std::string endpoint, key_id, secret, token, expiration;
};

inline Sts get_token(Fake115& f) {
  json j = get_json(f, "/open/upload/get_token", {}, f.access_token());
  REQUIRE(j["state"] == true);
  const json& d = j["data"];
  return {d["endpoint"], d["AccessKeyId"], d["AccessKeySecret"], d["SecurityToken"], d["Expiration"]};
}

inline std::string http_date_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

struct OssCall {
  std::string method = "PUT";
  std::string bucket, object;
  std::string query;  // sub-resources, already in canonical order: "uploads", "partNumber=1&uploadId=X"
  HttpHeaders headers;  // Content-MD5, Content-Type, x-oss-* (signed) ...
  std::string body;
  bool with_token = true;
  std::string tamper;  // appended to the signature
};

// The request headers of `c` with Date, the security token and the V1 Authorization added.
inline HttpHeaders signed_headers(const Sts& sts, const OssCall& c) {
  HttpHeaders h = c.headers;
  h.emplace_back("Date", http_date_now());
  if (c.with_token) h.emplace_back("x-oss-security-token", sts.token);
  auto get = [&](const std::string& name) {
    for (const auto& [k, v] : h)
      if (strcasecmp(k.c_str(), name.c_str()) == 0) return v;
    return std::string();
  };
  std::map<std::string, std::string> oss_headers;
  for (const auto& [k, v] : h) {
    std::string lk = k;
    for (auto& ch : lk) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (lk.rfind("x-oss-", 0) == 0) oss_headers[lk] = v;
  }
  std::string to_sign = c.method + "\n" + get("Content-MD5") + "\n" + get("Content-Type") + "\n" + get("Date") + "\n";
  for (const auto& [k, v] : oss_headers) to_sign += k + ":" + v + "\n";
  to_sign += "/" + c.bucket + "/" + c.object + (c.query.empty() ? "" : "?" + c.query);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  HMAC(EVP_sha1(), sts.secret.data(), static_cast<int>(sts.secret.size()),
       reinterpret_cast<const unsigned char*>(to_sign.data()), to_sign.size(), md, &len);
  h.emplace_back("Authorization", "OSS " + sts.key_id + ":" + base64(std::string(reinterpret_cast<char*>(md), len)) + c.tamper);
  return h;
}

inline std::string oss_target(const OssCall& c) {
  return "/oss/" + c.bucket + "/" + c.object + (c.query.empty() ? "" : "?" + c.query);
}

// One signed OSS request, path-style under the endpoint get_token returned.
inline HttpResult oss(const Sts& sts, const OssCall& c) {
  HttpHeaders h = signed_headers(sts, c);
  if (c.body.empty() && (c.method == "PUT" || c.method == "POST")) h.emplace_back("Content-Length", "0");
  return http(c.method, sts.endpoint + "/" + c.bucket + "/" + c.object + (c.query.empty() ? "" : "?" + c.query), h, c.body);
}

// x-oss-callback / x-oss-callback-var as a client builds them from upload/init's `callback`.
inline HttpHeaders callback_headers(const json& init) {
  return {{"x-oss-callback", base64(init["data"]["callback"]["callback"].get<std::string>())},
          {"x-oss-callback-var", base64(init["data"]["callback"]["callback_var"].get<std::string>())}};
}

inline std::string xml_value(const std::string& xml, const std::string& tag) {
  auto a = xml.find("<" + tag + ">"), b = xml.find("</" + tag + ">");
  if (a == std::string::npos || b == std::string::npos) return "";
  return xml.substr(a + tag.size() + 2, b - a - tag.size() - 2);
}

// The whole file, fetched like a client does: downurl, then the CDN link with the same User-Agent.
inline std::string download(Fake115& f, const std::string& pick_code, const std::string& file_id) {
  json j = post_json(f, "/open/ufile/downurl", {{"pick_code", pick_code}}, f.access_token());
  REQUIRE(j["state"] == true);
  const std::string url = j["data"][file_id]["url"]["url"];
  auto r = http("GET", url, {{"User-Agent", kUa}});
  REQUIRE(r.status == 200);
  return r.body;
}

inline json list_dir(Fake115& f, const std::string& cid) {
  return get_json(f, "/open/ufile/files", {{"cid", cid}, {"show_dir", "1"}, {"limit", "1150"}}, f.access_token());
}

inline std::optional<json> listed(Fake115& f, const std::string& cid, const std::string& name) {
  const json listing = list_dir(f, cid);
  for (const auto& e : listing["data"])
    if (e["fn"] == name) return e;
  return std::nullopt;
}

}  // namespace emu_test
