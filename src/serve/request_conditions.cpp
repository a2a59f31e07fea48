#include "dav115/serve/request_conditions.hpp"

#include "dav115/util/http_dates.hpp"

namespace dav115::serve {

Conditions conditions_from(const util::HttpRequest& req) {
  Conditions c;
  if (auto v = req.header("If-Match")) c.if_match = std::string(*v);
  if (auto v = req.header("If-None-Match")) c.if_none_match = std::string(*v);
  if (auto v = req.header("If-Modified-Since")) c.if_modified_since = util::parse_http_date(*v);
  if (auto v = req.header("If-Unmodified-Since")) c.if_unmodified_since = util::parse_http_date(*v);
  if (auto v = req.header("If-Range")) {
    c.if_range = std::string(*v);
    c.if_range_date = util::parse_http_date(*v);
  }
  return c;
}

}  // namespace dav115::serve
