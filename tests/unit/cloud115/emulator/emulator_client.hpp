#pragma once
// An OpenApiClient wired to a running fake115 (the real emulator binary): its own io_context, HTTP client
// and state directory. `run` drives one coroutine to completion on the io_context.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <random>

#include "dav115/cloud115/open_api_client.hpp"
#include "../scratch_dir.hpp"
#include "support/digest.hpp"
#include "support/fake115.hpp"
#include "support/process.hpp"

namespace cloud115_test {

namespace asio = boost::asio;
using namespace std::chrono_literals;

inline dav115::config::Cloud115 emulator_cfg(dav115::test::Fake115& f) {
  dav115::config::Cloud115 c;
  c.api_base = f.base_url();
  c.passport_base = f.base_url();
  c.refresh_token = f.refresh_token();
  c.access_token = f.access_token();
  c.rate_limit = {1000.0, 100};
  c.cooldown = 1s;
  c.request_timeout = 5000ms;
  return c;
}

// OSS at the emulator (path style under <base>/oss), small parts so a 1 MiB file goes up in several.
inline dav115::config::Upload emulator_upload(dav115::test::Fake115& f) {
  dav115::config::Upload u;
  u.oss_endpoint = f.base_url() + "/oss";
  u.oss_path_style = true;
  u.multipart_threshold_bytes = 512 * 1024;
  u.part_bytes = 256 * 1024;
  u.part_retries = 3;
  u.oss_timeout = std::chrono::seconds(20);
  return u;
}

inline dav115::cloud115::CallOptions within(std::chrono::milliseconds d) {
  return {dav115::cloud115::Priority::Interactive, std::chrono::steady_clock::now() + d};
}

struct EmulatorClient {
  dav115::test::Fake115& fake;
  asio::io_context io;
  dav115::net::HttpClient http{io.get_executor()};
  ScratchDir dir;
  std::unique_ptr<dav115::cloud115::OpenApiClient> client;

  explicit EmulatorClient(dav115::test::Fake115& f, dav115::config::Cloud115 cfg)
      : fake(f) {
    std::filesystem::create_directories(dir.path);
    client = std::make_unique<dav115::cloud115::OpenApiClient>(io.get_executor(), http, cfg, (dir.path / "state").string());
    client->set_upload_options(emulator_upload(f));
    run([&]() -> asio::awaitable<void> { co_await client->start(); });
  }
  explicit EmulatorClient(dav115::test::Fake115& f) : EmulatorClient(f, emulator_cfg(f)) {}
  ~EmulatorClient() { client->stop(); }

  template <class F>
  void run(F body) {
    std::exception_ptr err;
    bool done = false;
    io.restart();
    asio::co_spawn(io, body(), [&](std::exception_ptr e) {
      err = e;
      done = true;
      io.stop();
    });
    io.run_for(std::chrono::seconds(60));
    REQUIRE(done);
    if (err) std::rethrow_exception(err);
  }

  // Runs `body` and returns the ApiError it threw (fails the test when it threw none).
  template <class F>
  dav115::cloud115::ApiError error_of(F body) {
    std::optional<dav115::cloud115::ApiError> caught;
    run([&]() -> asio::awaitable<void> {
      try {
        co_await body();
      } catch (const dav115::cloud115::ApiError& e) {
        caught = e;
      }
    });
    REQUIRE(caught);
    return *caught;
  }
};

inline std::string upper_sha1(const std::string& data) {
  std::string s = dav115::test::sha1_hex(data);
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

inline std::string random_bytes(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

// `data` written to a file under `dir`, with the digests upload/init needs.
inline dav115::cloud115::UploadSource stage(const ScratchDir& dir, const std::string& name, const std::string& data) {
  std::filesystem::create_directories(dir.path);
  dav115::cloud115::UploadSource s;
  s.path = (dir.path / name).string();
  std::ofstream(s.path, std::ios::binary).write(data.data(), static_cast<std::streamsize>(data.size()));
  s.size = data.size();
  s.sha1 = upper_sha1(data);
  s.pre_sha1 = upper_sha1(data.substr(0, 128 * 1024));
  return s;
}

// The live /__tree entry at `path`, or null.
inline nlohmann::json tree_entry(dav115::test::Fake115& f, const std::string& path) {
  const nlohmann::json tree = f.tree();
  for (const auto& e : tree["entries"])
    if (e["path"] == path) return e;
  return nullptr;
}

inline std::uint64_t calls_to(dav115::test::Fake115& f, const std::string& path) {
  const nlohmann::json s = f.stats();
  return s["calls"].contains(path) ? s["calls"][path].get<std::uint64_t>() : 0;
}

// Every request a client sent has been read and answered once only the observer's connection is open.
inline bool emulator_quiet(dav115::test::Fake115& f) { return f.stats()["open_connections"].get<std::int64_t>() <= 1; }

}  // namespace cloud115_test
