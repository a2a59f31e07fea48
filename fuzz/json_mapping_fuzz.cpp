// 115 API responses (upstream-controlled): every body goes through classify() as the client does,
// then through the mapping of every endpoint. Shape errors must surface as ApiError only; any
// other exception (nlohmann type_error, out_of_range ...) or crash is a bug.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dav115/cloud115/json_mapping.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace dav115::cloud115;

template <class F>
void expect_only_api_errors(F&& f) {
  try {
    f();
  } catch (const ApiError& e) {
    FUZZ_CHECK(e.kind == ErrorKind::Unavailable);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (unsigned status : {200u, 401u, 405u}) {
    auto o = mapping::classify(status, text);
    (void)o.metric_result();
    if (!o.ok) FUZZ_CHECK(!o.message.empty());
  }
  auto o = mapping::classify(200, text);
  if (!o.ok) return 0;
  const auto& body = o.body;
  expect_only_api_errors([&] { (void)mapping::parse_list_page(body); });
  expect_only_api_errors([&] { (void)mapping::parse_info(body); });
  expect_only_api_errors([&] { (void)mapping::parse_quota(body); });
  expect_only_api_errors([&] { (void)mapping::parse_token_grant(body); });
  expect_only_api_errors([&] {
    // Keyed by the id asked for, or (as the emulator and 115 sometimes do) by another one.
    (void)mapping::parse_download(body, "2543216181786524431");
    if (auto link = mapping::parse_download(body, "")) FUZZ_CHECK(!link->url.empty());
  });
  return 0;
}
