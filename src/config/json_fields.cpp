#include "json_fields.hpp"

#include <limits>

#include "dav115/config/config.hpp"

namespace dav115::config::detail {

using nlohmann::json;

bool is_comment_key(const std::string& key) {
  return key.rfind("//", 0) == 0 || key.rfind("_comment", 0) == 0;
}

static const char* type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::string: return "a string";
    case json::value_t::array: return "an array";
    case json::value_t::object: return "an object";
    default: return "a number";
  }
}

Fields::Fields(const json& obj, std::string path) : obj_(obj), path_(std::move(path)) {
  if (!obj_.is_object())
    throw ConfigError(path_.empty() ? "(top level)" : path_,
                      std::string("expected an object, got ") + type_name(obj_));
}

std::string Fields::path_of(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

const json* Fields::raw(const std::string& key) {
  auto it = obj_.find(key);
  if (it == obj_.end()) return nullptr;
  read_.insert(key);
  return &*it;
}

static ConfigError wrong_type(const std::string& path, const char* expected, const json& got) {
  return ConfigError(path, std::string("expected ") + expected + ", got " + type_name(got));
}

const json* Fields::object(const std::string& key) {
  const json* v = raw(key);
  if (v && !v->is_object()) throw wrong_type(path_of(key), "an object", *v);
  return v;
}

const json* Fields::array(const std::string& key) {
  const json* v = raw(key);
  if (v && !v->is_array()) throw wrong_type(path_of(key), "an array", *v);
  return v;
}

void Fields::text(const std::string& key, std::string& out) {
  if (const json* v = raw(key)) {
    if (!v->is_string()) throw wrong_type(path_of(key), "a string", *v);
    out = v->get<std::string>();
  }
}

void Fields::flag(const std::string& key, bool& out) {
  if (const json* v = raw(key)) {
    if (!v->is_boolean()) throw wrong_type(path_of(key), "true or false", *v);
    out = v->get<bool>();
  }
}

void Fields::integer(const std::string& key, long long& out, long long min, long long max) {
  const json* v = raw(key);
  if (!v) return;
  // 5.0 is accepted as 5; 5.5 is not a whole number.
  if (!v->is_number() || (v->is_number_float() && v->get<double>() != static_cast<double>(
                                                       static_cast<long long>(v->get<double>()))))
    throw wrong_type(path_of(key), "a whole number", *v);
  long long n = v->is_number_unsigned()
                    ? static_cast<long long>(std::min<std::uint64_t>(v->get<std::uint64_t>(),
                                                                     std::numeric_limits<long long>::max()))
                    : v->is_number_float() ? static_cast<long long>(v->get<double>()) : v->get<long long>();
  if (n < min || n > max)
    throw ConfigError(path_of(key), "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                                        ", got " + std::to_string(n));
  out = n;
}

void Fields::number(const std::string& key, double& out) {
  if (const json* v = raw(key)) {
    if (!v->is_number()) throw wrong_type(path_of(key), "a number", *v);
    out = v->get<double>();
  }
}

// Ten years: far beyond any sensible timeout, small enough for every clock arithmetic.
constexpr long long kMaxSeconds = 10LL * 365 * 24 * 3600;

void Fields::seconds(const std::string& key, std::chrono::seconds& out) {
  long long v = out.count();
  integer(key, v, 0, kMaxSeconds);
  out = std::chrono::seconds(v);
}

void Fields::milliseconds(const std::string& key, std::chrono::milliseconds& out) {
  long long v = out.count();
  integer(key, v, 0, kMaxSeconds * 1000);
  out = std::chrono::milliseconds(v);
}

void Fields::texts(const std::string& key, std::vector<std::string>& out) {
  const json* v = array(key);
  if (!v) return;
  std::vector<std::string> result;
  for (std::size_t i = 0; i < v->size(); ++i) {
    const json& item = (*v)[i];
    if (!item.is_string()) throw wrong_type(path_of(key) + "[" + std::to_string(i) + "]", "a string", item);
    result.push_back(item.get<std::string>());
  }
  out = std::move(result);
}

void Fields::finish() const {
  for (auto it = obj_.begin(); it != obj_.end(); ++it) {
    if (read_.count(it.key()) || is_comment_key(it.key())) continue;
    throw ConfigError(path_of(it.key()), "unknown setting (misspelt? comments must start with \"//\")");
  }
}

}  // namespace dav115::config::detail
