#include <catch2/catch.hpp>

#include "dav115/util/metrics.hpp"

TEST_CASE("Metrics counts per label set and renders Prometheus text") {
  dav115::util::Metrics m;
  m.describe("dav115_requests_total", "counter", "HTTP requests by method and status.");
  m.add("dav115_requests_total", {{"method", "PROPFIND"}, {"status", "207"}});
  m.add("dav115_requests_total", {{"status", "207"}, {"method", "PROPFIND"}}, 2);
  m.set("dav115_cached_folders", {}, 5);
  CHECK(m.value("dav115_requests_total", {{"method", "PROPFIND"}, {"status", "207"}}) == 3);
  auto text = m.render_prometheus();
  CHECK(text.find("# TYPE dav115_requests_total counter") != std::string::npos);
  CHECK(text.find("dav115_requests_total{method=\"PROPFIND\",status=\"207\"} 3") != std::string::npos);
  CHECK(text.find("# TYPE dav115_cached_folders gauge") != std::string::npos);
  CHECK(text.find("dav115_cached_folders 5") != std::string::npos);
}
