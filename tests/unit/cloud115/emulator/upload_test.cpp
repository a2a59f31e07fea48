// OpenApiClient::upload against the real fake115: PutObject and multipart uploads land with the right
// size and SHA-1, bytes 115 already has go up instantly (with and without the sign check), and a fault
// at any step is an ApiError with no file left behind (and the multipart upload aborted).
#include <catch2/catch.hpp>

#include "emulator_client.hpp"

using namespace dav115;
using namespace dav115::cloud115;
using namespace cloud115_test;
using dav115::test::Fake115;
using nlohmann::json;

namespace {

constexpr std::size_t kMultipartSize = (1 << 20) + 7;  // 5 parts of 256 KiB, the last 7 bytes

UploadResult upload(EmulatorClient& c, const UploadSource& src, const std::string& name, const std::string& parent = "0") {
  UploadResult r;
  c.run([&]() -> asio::awaitable<void> { r = co_await c.client->upload(src, parent, name, within(30s)); });
  return r;
}

ApiError upload_error(EmulatorClient& c, const UploadSource& src, const std::string& name,
                      std::chrono::milliseconds deadline = 30s) {
  return c.error_of([&]() -> asio::awaitable<void> { co_await c.client->upload(src, "0", name, within(deadline)); });
}

std::uint64_t oss_bytes(Fake115& f) { return f.stats()["oss_bytes"].get<std::uint64_t>(); }

void check_landed(Fake115& f, const UploadResult& r, const std::string& name, const std::string& data) {
  const json e = tree_entry(f, name);
  REQUIRE(e.is_object());
  CHECK(e["size"] == data.size());
  CHECK(e["sha1"] == upper_sha1(data));
  CHECK(e["id"] == r.entry.id);
  CHECK(e["pick_code"] == r.entry.pick_code);
  CHECK(r.entry.size == data.size());
  CHECK(r.entry.sha1 == upper_sha1(data));
  CHECK(r.entry.name == name);
}

}  // namespace

TEST_CASE("upload: a small file goes up in one PutObject with the callback") {
  Fake115 f;
  EmulatorClient c(f);
  const std::string data = random_bytes(300 * 1024, 1);
  auto r = upload(c, stage(c.dir, "a.bin", data), "small.bin");
  check_landed(f, r, "small.bin", data);
  CHECK_FALSE(r.instant);
  CHECK(r.bytes_sent == data.size());
  CHECK(calls_to(f, "oss:put") == 1);
  CHECK(calls_to(f, "oss:initiate") == 0);
}

TEST_CASE("upload: a file over the threshold goes up in sequential parts, completed with the callback") {
  Fake115 f;
  EmulatorClient c(f);
  const std::string data = random_bytes(kMultipartSize, 2);
  auto r = upload(c, stage(c.dir, "m.bin", data), "multi.bin");
  check_landed(f, r, "multi.bin", data);
  CHECK(calls_to(f, "oss:initiate") == 1);
  CHECK(calls_to(f, "oss:part") == 5);
  CHECK(calls_to(f, "oss:complete") == 1);
  CHECK(calls_to(f, "oss:abort") == 0);
  CHECK(oss_bytes(f) > data.size());  // the parts plus the Complete XML
}

TEST_CASE("upload: bytes 115 already has go up instantly, below and above the sign-check size") {
  Fake115 f;
  EmulatorClient c(f);
  for (std::size_t size : {std::size_t(200 * 1024), kMultipartSize}) {
    INFO("size " << size);
    const std::string data = random_bytes(size, size);
    upload(c, stage(c.dir, "orig.bin", data), "orig-" + std::to_string(size));
    const auto before = oss_bytes(f);
    auto r = upload(c, stage(c.dir, "again.bin", data), "again-" + std::to_string(size));
    CHECK(r.instant);
    CHECK(r.bytes_sent == 0);
    CHECK(oss_bytes(f) == before);  // not one byte to OSS
    check_landed(f, r, "again-" + std::to_string(size), data);
  }
  // The 1 MiB file needed the second init (sign_key and sign_val), and got it right the first time.
  int signed_inits = 0;
  for (const auto& call : f.calls())
    if (call["path"] == "/open/upload/init" && call["fields"].contains("sign_val")) {
      ++signed_inits;
      CHECK(call["result"] == "0");
    }
  CHECK(signed_inits == 1);
}

TEST_CASE("upload: an empty file") {
  Fake115 f;
  EmulatorClient c(f);
  auto r = upload(c, stage(c.dir, "empty.bin", ""), "empty.bin");
  check_landed(f, r, "empty.bin", "");
}

TEST_CASE("upload: STS credentials are reused, and fetched again when OSS says they expired") {
  Fake115 f;
  EmulatorClient c(f);
  upload(c, stage(c.dir, "1.bin", random_bytes(1000, 11)), "one.bin");
  upload(c, stage(c.dir, "2.bin", random_bytes(1000, 12)), "two.bin");
  CHECK(calls_to(f, "/open/upload/get_token") == 1);
  f.control({{"expire_sts", true}});
  const std::string data = random_bytes(1000, 13);
  auto r = upload(c, stage(c.dir, "3.bin", data), "three.bin");
  check_landed(f, r, "three.bin", data);
  CHECK(calls_to(f, "/open/upload/get_token") == 2);
}

TEST_CASE("upload: a part that fails is sent again, within part_retries") {
  Fake115 f;
  EmulatorClient c(f);
  f.control({{"fail", {{"path", "oss:part"}, {"mode", "reset"}, {"count", 2}}}});
  const std::string data = random_bytes(kMultipartSize, 3);
  auto r = upload(c, stage(c.dir, "m.bin", data), "retried.bin");
  check_landed(f, r, "retried.bin", data);
  CHECK(calls_to(f, "oss:part") == 7);
}

TEST_CASE("upload: a fault at any step is an ApiError, leaves no file, and aborts a multipart upload") {
  Fake115 f;
  EmulatorClient c(f);
  const std::string small = random_bytes(2000, 4), big = random_bytes(kMultipartSize, 5);
  const auto small_src = stage(c.dir, "s.bin", small), big_src = stage(c.dir, "b.bin", big);

  SECTION("init cut off: uncertain, not sent again") {
    f.control({{"fail", {{"path", "/open/upload/init"}, {"mode", "reset"}, {"count", 1}}}});
    auto err = upload_error(c, small_src, "x.bin");
    CHECK(err.uncertain);
    CHECK(calls_to(f, "/open/upload/init") == 1);
  }
  SECTION("get_token keeps failing") {
    f.control({{"fail", {{"path", "/open/upload/get_token"}, {"mode", "garbage"}, {"count", 100}}}});
    auto err = upload_error(c, small_src, "x.bin", 2s);
    CHECK(err.kind == ErrorKind::Unavailable);
    CHECK(calls_to(f, "oss:put") == 0);
  }
  SECTION("PutObject refused") {
    f.control({{"fail", {{"path", "oss:put"}, {"mode", "406"}, {"count", 1}}}});
    auto err = upload_error(c, small_src, "x.bin");
    CHECK(std::string(err.what()).find("PutObject") != std::string::npos);
  }
  SECTION("the callback of a PutObject fails") {
    f.control({{"fail", {{"path", "oss:callback"}, {"mode", "garbage"}, {"count", 1}}}});
    auto err = upload_error(c, small_src, "x.bin");
    CHECK(std::string(err.what()).find("CallbackFailed") != std::string::npos);
  }
  SECTION("a part fails more often than part_retries allows") {
    f.control({{"fail", {{"path", "oss:part"}, {"mode", "empty"}, {"count", 4}}}});
    auto err = upload_error(c, big_src, "x.bin");
    CHECK(std::string(err.what()).find("UploadPart 1") != std::string::npos);
    CHECK(calls_to(f, "oss:part") == 4);
    CHECK(calls_to(f, "oss:abort") == 1);
  }
  SECTION("Complete refused") {
    f.control({{"fail", {{"path", "oss:complete"}, {"mode", "770004"}, {"count", 1}}}});
    auto err = upload_error(c, big_src, "x.bin");
    CHECK(std::string(err.what()).find("CompleteMultipartUpload") != std::string::npos);
    CHECK(calls_to(f, "oss:abort") == 1);
  }
  SECTION("the callback of a Complete fails") {
    f.control({{"fail", {{"path", "oss:callback"}, {"mode", "garbage"}, {"count", 1}}}});
    auto err = upload_error(c, big_src, "x.bin");
    CHECK(std::string(err.what()).find("CallbackFailed") != std::string::npos);
    CHECK(calls_to(f, "oss:abort") == 1);
  }
  CHECK(tree_entry(f, "x.bin").is_null());
}
