#pragma once
// OpenApiClient's shared state. Split over token_flow.cpp (token lifecycle) and open_api_client.cpp
// (the call loop and the endpoints). Every coroutine holds a shared_ptr to it.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

#include "dav115/cloud115/json_mapping.hpp"
#include "dav115/cloud115/open_api_client.hpp"
#include "dav115/cloud115/rate_governor.hpp"
#include "dav115/cloud115/token_saver.hpp"
#include "dav115/store/token_state.hpp"
#include "dav115/util/daily_counter.hpp"
#include "dav115/util/single_flight.hpp"
#include "oss_request.hpp"
#include "write_gate.hpp"

// Coroutines here take their parameters by value: a reference parameter would dangle as soon as the
// caller's temporary dies across a suspension point.

namespace dav115::cloud115 {

using SteadyClock = std::chrono::steady_clock;

std::int64_t unix_now();

struct OpenApiClient::Impl : std::enable_shared_from_this<OpenApiClient::Impl> {
  Impl(boost::asio::any_io_executor ex, net::HttpClient& http, const config::Cloud115& cfg, std::string state_dir,
       BlockingWork blocking);

  boost::asio::any_io_executor ex;
  net::HttpClient& http;
  std::filesystem::path state_dir;
  RateGovernor governor;
  TokenSaver saver;  // never called with `mu` held: status() and every call take it
  util::SingleFlight<int, bool> refresh_flight;
  boost::asio::any_io_executor blocking_ex;  // file reads and hashing for uploads (never an I/O thread)
  WriteGate bulk_gate;                       // copy, move and delete one at a time (115 asks for it)

  mutable std::mutex mu;  // guards everything below
  config::Cloud115 cfg;
  store::TokenRecord tokens;
  TokenState token_state = TokenState::Unknown;
  bool reauth_logged = false;
  SteadyClock::time_point refresh_not_before{};  // after 40140117
  std::string last_error;
  std::uint64_t refreshes = 0;
  std::int64_t last_refresh_at = 0;  // unix seconds
  TokenOrigin origin = TokenOrigin::Unknown;
  bool stopped = false;
  std::uint64_t timer_id = 0;
  std::shared_ptr<boost::asio::steady_timer> refresh_timer;
  std::string persist_error;  // why the pair in use is not on disk; empty when it is
  bool persist_retrying = false;
  config::Upload upload_cfg;
  std::optional<oss::Credentials> sts;  // from upload/get_token, reused until shortly before it expires

  // --- token_flow.cpp
  boost::asio::awaitable<void> start();
  // The access token to use now and its generation; refreshes first when it is missing or expired.
  boost::asio::awaitable<std::pair<std::string, std::uint64_t>> valid_access(CallOptions opts);
  // Refreshes unless the token already moved past `seen_generation` (single-flight).
  boost::asio::awaitable<void> refresh(std::uint64_t seen_generation, CallOptions opts);
  boost::asio::awaitable<void> refresh_once(std::uint64_t seen_generation, CallOptions opts);
  void enter_reauth_locked(long long code, const std::string& why);
  // Saves the pair now in use (off the I/O threads); on failure records persist_error and retries with
  // back-off until a save succeeds. Fire and forget: callers hold `mu`.
  void persist_current_locked();
  boost::asio::awaitable<void> persist_until_saved();
  // Saves `rec` (saver.save); "" when it is on disk, else why not.
  boost::asio::awaitable<std::string> save_reporting(store::TokenRecord rec);
  // Records the outcome of a save of `generation` (from a coroutine, without `mu` held).
  void note_saved(std::uint64_t generation, const std::string& error);
  void schedule_refresh_locked(std::optional<std::chrono::seconds> delay = std::nullopt);
  void reload(const config::Cloud115& new_cfg);
  // Uses `next` (a login's pair) from now on, saved first; see OpenApiClient::adopt_login.
  boost::asio::awaitable<void> adopt(store::TokenRecord next);
  boost::asio::awaitable<bool> adopt_handed_over_login();
  void stop();

  // --- open_api_client.cpp
  // One logical 115 call with governor, token handling and retries; returns the success body.
  struct Call {
    std::string method;              // GET or POST
    std::string base;                // api_base or passport_base
    std::string path;                // "/open/ufile/files"
    net::Headers params;             // query (GET) or form (POST)
    std::string user_agent;          // empty = cfg.user_agent
    std::optional<bool> idempotent{};  // unset: by method (GET yes, POST no); see net::Request
    bool is_idempotent() const { return idempotent.value_or(method == "GET"); }
  };
  boost::asio::awaitable<nlohmann::json> call(Call c, CallOptions opts);
  struct Attempt {
    std::optional<nlohmann::json> body;
    std::optional<ApiError> error;
    bool token_expired = false;
    std::uint64_t generation = 0;
    // The request went out and no 115 verdict came back (transport error, 5xx, empty or non-JSON
    // body): it may have been carried out.
    bool maybe_applied = false;
  };
  boost::asio::awaitable<Attempt> attempt_once(Call c, CallOptions opts);
  void note_error(const std::string& message);
  UpstreamStatus status() const;

  // --- uploader.cpp
  // STS credentials for OSS: the cached ones while they have more than 5 minutes left, else get_token.
  boost::asio::awaitable<oss::Credentials> sts_credentials(CallOptions opts);
  void forget_sts(const std::string& key_id);
};

// Counts one call in the metrics and in the calls of the day (the process has one 115 client).
void count_upstream_call(const std::string& endpoint, const std::string& result);
util::DailyCounter& upstream_calls_today();

}  // namespace dav115::cloud115
