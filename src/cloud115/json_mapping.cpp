#include "dav115/cloud115/json_mapping.hpp"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace dav115::cloud115::mapping {

using nlohmann::json;

namespace {

[[noreturn]] void bad_shape(const std::string& what) {
  throw ApiError(ErrorKind::Unavailable, 0, "unexpected response shape: " + what);
}

const json* member(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

std::string string_or(const json& obj, std::string_view key, std::string fallback = {}) {
  const json* m = member(obj, key);
  if (!m) return fallback;
  auto s = as_string(*m);
  return s ? *s : fallback;
}

std::int64_t int_or(const json& obj, std::string_view key, std::int64_t fallback = 0) {
  const json* m = member(obj, key);
  if (!m) return fallback;
  auto v = as_int(*m);
  return v ? *v : fallback;
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

// state: true / 1 / "1" / "true" all mean success.
std::optional<bool> state_of(const json& body) {
  const json* s = member(body, "state");
  if (!s) return std::nullopt;
  if (s->is_boolean()) return s->get<bool>();
  if (auto v = as_int(*s)) return *v != 0;
  if (s->is_string()) return s->get<std::string>() == "true";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> as_string(const json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_number_unsigned()) return std::to_string(j.get<std::uint64_t>());
  if (j.is_number_integer()) return std::to_string(j.get<std::int64_t>());
  if (j.is_number_float()) {
    double d = j.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) return std::to_string(static_cast<std::int64_t>(d));
    return j.dump();
  }
  return std::nullopt;
}

std::optional<std::int64_t> as_int(const json& j) {
  if (j.is_number_unsigned()) {
    auto v = j.get<std::uint64_t>();
    return v > static_cast<std::uint64_t>(INT64_MAX) ? std::nullopt : std::optional<std::int64_t>(static_cast<std::int64_t>(v));
  }
  if (j.is_number_integer()) return j.get<std::int64_t>();
  if (j.is_number_float()) {
    double d = j.get<double>();
    if (!std::isfinite(d) || std::fabs(d) > 9.2e18) return std::nullopt;
    return static_cast<std::int64_t>(d);
  }
  if (j.is_boolean()) return j.get<bool>() ? 1 : 0;
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) return v;
    // "1.5e9" or "123.0": go through double.
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size() && std::isfinite(d) && std::fabs(d) < 9.2e18)
      return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

std::optional<std::uint64_t> as_size(const json& j) {
  if (j.is_number_unsigned()) return j.get<std::uint64_t>();
  auto v = as_int(j);
  if (!v || *v < 0) return std::nullopt;
  return static_cast<std::uint64_t>(*v);
}

bool is_access_token_error(long long code) { return code >= 40140123 && code <= 40140126; }

bool is_dead_refresh_token(long long code) {
  return code == 40140114 || code == 40140115 || code == 40140116 || code == 40140119 || code == 40140120;
}

ErrorKind kind_of_code(long long code) {
  switch (code) {
    case 430004: case 50003: case 50015: return ErrorKind::NotFound;
    case 770004: case 406: case 40140117: return ErrorKind::RateLimited;
    case 40140121: case 40110000: return ErrorKind::Unavailable;  // "retry" per the docs
    default: break;
  }
  if (is_dead_refresh_token(code)) return ErrorKind::ReauthRequired;
  return ErrorKind::Other;
}

std::string Outcome::metric_result() const {
  if (ok) return "ok";
  if (body.is_discarded() || body.is_null()) return "invalid_body";
  return std::to_string(code);
}

Outcome classify(unsigned http_status, std::string_view text) {
  Outcome o;
  auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    o.kind = ErrorKind::Unavailable;
    o.code = 0;
    o.message = "empty response body (HTTP " + std::to_string(http_status) + ")";
    o.token_expired = http_status == 401;
    return o;
  }
  o.body = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (o.body.is_discarded() || !o.body.is_object()) {
    // HTML from the WAF (405) or a proxy: a rate signal for 405/429, an outage otherwise.
    o.kind = (http_status == 405 || http_status == 429) ? ErrorKind::RateLimited : ErrorKind::Unavailable;
    o.code = http_status;
    o.message = "non-JSON response (HTTP " + std::to_string(http_status) + ")";
    o.token_expired = http_status == 401;
    o.body = json(json::value_t::discarded);
    return o;
  }
  for (const char* key : {"errno", "errNo", "errcode", "errCode", "code", "msg_code"}) {
    if (const json* c = member(o.body, key)) {
      if (auto v = as_int(*c); v && *v != 0) {
        o.code = *v;
        break;
      }
    }
  }
  for (const char* key : {"error", "msg", "error_msg", "message"}) {
    auto m = string_or(o.body, key);
    if (!m.empty()) {
      o.message = m;
      break;
    }
  }
  auto state = state_of(o.body);
  const json* st = member(o.body, "state");
  bool bool_state = st && st->is_boolean();
  // proapi: boolean state decides; passport: numeric state 1 *and* no error code.
  if (state) o.ok = *state && (bool_state || o.code == 0);
  else o.ok = o.code == 0 && o.message.empty();
  if (o.ok && http_status >= 400) o.ok = false;
  if (o.ok) return o;

  o.token_expired = is_access_token_error(o.code) || http_status == 401;
  if (o.code != 0) o.kind = kind_of_code(o.code);
  else if (http_status == 429 || http_status == 405) o.kind = ErrorKind::RateLimited;
  else o.kind = ErrorKind::Unavailable;  // a failure without a code: risk control, in practice
  if (o.code == 0 && http_status >= 400) o.code = http_status;
  if (o.message.empty()) o.message = "115 error " + std::to_string(o.code);
  else o.message = "115 error " + std::to_string(o.code) + ": " + o.message;
  return o;
}

Entry parse_list_entry(const json& item) {
  if (!item.is_object()) bad_shape("list entry is not an object");
  Entry e;
  e.id = string_or(item, "fid", string_or(item, "cid"));
  if (e.id.empty()) bad_shape("list entry without fid");
  e.parent_id = string_or(item, "pid");
  e.name = string_or(item, "fn");
  if (e.name.empty()) bad_shape("list entry without fn");
  e.is_dir = string_or(item, "fc", "1") == "0";
  if (!e.is_dir)
    if (const json* fs = member(item, "fs"))
      if (auto v = as_size(*fs)) e.size = *v;
  e.mtime = int_or(item, "upt", int_or(item, "uet"));
  e.ctime = int_or(item, "uppt", e.mtime);
  if (e.ctime == 0) e.ctime = e.mtime;
  e.sha1 = e.is_dir ? "" : upper(string_or(item, "sha1"));
  e.pick_code = string_or(item, "pc");
  return e;
}

ListPage parse_list_page(const json& body) {
  ListPage p;
  const json* data = member(body, "data");
  if (!data) bad_shape("list without data");
  if (data->is_array()) {
    p.entries.reserve(data->size());
    for (const auto& item : *data) p.entries.push_back(parse_list_entry(item));
  } else if (!(data->is_object() && data->empty())) {
    bad_shape("list data is not an array");
  }
  if (const json* c = member(body, "count")) {
    auto v = as_size(*c);
    if (!v) bad_shape("list count is not a number");
    p.count = *v;
  } else {
    p.count = p.entries.size();
  }
  if (const json* cid = member(body, "cid")) p.cid = as_string(*cid);
  if (const json* off = member(body, "offset")) p.offset = as_size(*off);
  return p;
}

std::optional<Entry> parse_info(const json& body) {
  const json* data = member(body, "data");
  if (!data) bad_shape("get_info without data");
  const json* obj = data;
  if (data->is_array()) {
    if (data->empty()) return std::nullopt;
    obj = &(*data)[0];
  }
  if (!obj->is_object()) bad_shape("get_info data is not an object");
  if (obj->empty()) return std::nullopt;
  Entry e;
  e.id = string_or(*obj, "file_id");
  if (e.id.empty()) bad_shape("get_info without file_id");
  e.name = string_or(*obj, "file_name");
  e.is_dir = string_or(*obj, "file_category", "1") == "0";
  e.pick_code = string_or(*obj, "pick_code");
  e.sha1 = e.is_dir ? "" : upper(string_or(*obj, "sha1"));
  if (const json* s = member(*obj, "size_byte"))
    if (auto v = as_size(*s)) e.size = *v;
  e.mtime = int_or(*obj, "utime");
  e.ctime = int_or(*obj, "ptime", e.mtime);
  if (e.ctime == 0) e.ctime = e.mtime;
  if (const json* paths = member(*obj, "paths"); paths && paths->is_array() && !paths->empty())
    e.parent_id = string_or(paths->back(), "file_id");
  return e;
}

Quota parse_quota(const json& body) {
  const json* data = member(body, "data");
  const json* space = data ? member(*data, "rt_space_info") : nullptr;
  if (!space) bad_shape("user info without rt_space_info");
  auto size_of = [&](const char* key) -> std::uint64_t {
    const json* part = member(*space, key);
    const json* size = part ? member(*part, "size") : nullptr;
    auto v = size ? as_size(*size) : std::nullopt;
    if (!v) bad_shape(std::string("rt_space_info.") + key + ".size missing");
    return *v;
  };
  Quota q;
  q.total = size_of("all_total");
  q.used = size_of("all_use");
  q.remain = size_of("all_remain");
  return q;
}

void parse_link_flags(DownloadLink& link) {
  auto u = boost::urls::parse_uri(link.url);
  if (!u) return;
  auto params = u->params();
  if (auto it = params.find("t"); it != params.end() && (*it).has_value)
    if (auto v = as_int(json((*it).value))) link.expires_at = *v;
  if (auto it = params.find("c"); it != params.end() && (*it).has_value)
    if (auto v = as_int(json((*it).value))) link.max_connections = static_cast<int>(*v);
}

std::optional<DownloadLink> parse_download(const json& body, const std::string& file_id) {
  const json* data = member(body, "data");
  if (!data) bad_shape("downurl without data");
  if (data->is_array() && data->empty()) return std::nullopt;
  if (!data->is_object()) bad_shape("downurl data is not an object");
  if (data->empty()) return std::nullopt;
  const json* item = member(*data, file_id);
  if (!item && data->size() == 1) item = &data->begin().value();  // keyed by an id we did not expect
  if (!item || !item->is_object()) return std::nullopt;
  DownloadLink link;
  if (const json* u = member(*item, "url")) {
    if (u->is_object()) link.url = string_or(*u, "url");
    else if (u->is_string()) link.url = u->get<std::string>();
  }
  if (link.url.empty()) return std::nullopt;  // a folder has no link
  if (const json* s = member(*item, "file_size"))
    if (auto v = as_size(*s)) link.size = *v;
  link.sha1 = upper(string_or(*item, "sha1"));
  parse_link_flags(link);
  return link;
}

TokenGrant parse_token_grant(const json& body) {
  const json* data = member(body, "data");
  if (!data || !data->is_object()) bad_shape("token response without data");
  TokenGrant g;
  g.access_token = string_or(*data, "access_token");
  g.refresh_token = string_or(*data, "refresh_token");
  g.expires_in = int_or(*data, "expires_in", 7200);
  if (g.access_token.empty() || g.refresh_token.empty()) bad_shape("token response without tokens");
  if (g.expires_in <= 0) g.expires_in = 7200;
  return g;
}

}  // namespace dav115::cloud115::mapping
