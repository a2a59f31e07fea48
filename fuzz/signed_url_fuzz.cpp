// Signed download-proxy URLs (the `sign` query parameter is client-controlled): the input is
// "key\npath\nsign"; a forged or mangled sign is never Valid, and a freshly minted one always is.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dav115/delivery/signed_url.hpp"
#include "fuzz_check.hpp"

namespace {

std::string_view next_field(std::string_view& text) {
  auto nl = text.find('\n');
  auto field = text.substr(0, nl);
  text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
  return field;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace dav115::delivery;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto key = next_field(text);
  auto path = next_field(text);
  auto sign = text;
  constexpr std::int64_t now = 1700000000;

  auto check = verify_path_signature(key, path, sign, now);
  if (check == SignCheck::Valid) {
    // Only the exact canonical text is accepted: whatever expiry it carries, re-signing gives it back.
    auto colon = sign.rfind(':');
    FUZZ_CHECK(colon != std::string_view::npos);
    FUZZ_CHECK(sign_path(key, path, std::stoll(std::string(sign.substr(colon + 1)))) == sign);
  }
  FUZZ_CHECK(verify_path_signature(key, path, sign_path(key, path, now + 60), now) == SignCheck::Valid);
  FUZZ_CHECK(verify_path_signature(key, path, sign_path(key, path, 0), now) == SignCheck::Valid);
  FUZZ_CHECK(verify_path_signature(key, path, sign_path(key, path, now - 1), now) == SignCheck::Expired);
  auto url = signed_proxy_url("https://gw.example/d/", path, key, now + 60);
  FUZZ_CHECK(url.rfind("https://gw.example/d/", 0) == 0);
  FUZZ_CHECK(url.find('\n') == std::string::npos && url.find(' ') == std::string::npos);
  return 0;
}
