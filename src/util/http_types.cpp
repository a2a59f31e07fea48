#include "dav115/util/http_types.hpp"

#include <cctype>

namespace dav115::util {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::optional<std::string_view> HttpRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return std::string_view(v);
  return std::nullopt;
}

HttpResponse& HttpResponse::set(std::string name, std::string value) {
  for (auto& [k, v] : headers)
    if (iequals(k, name)) {
      v = std::move(value);
      return *this;
    }
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

std::optional<std::string_view> HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return std::string_view(v);
  return std::nullopt;
}

HttpResponse text_response(unsigned status, std::string body) {
  HttpResponse r;
  r.status = status;
  if (!body.empty() && body.back() != '\n') body += '\n';
  r.body = std::move(body);
  r.set("Content-Type", "text/plain; charset=utf-8");
  return r;
}

}  // namespace dav115::util
