// Token lifecycle: load/choose/persist, single-flight refresh, proactive timer, ReauthRequired.
// Refresh tokens rotate on use, so a refreshed pair is written to disk before anything can use it.
#include <spdlog/spdlog.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <algorithm>
#include <functional>
#include <system_error>

#include "client_impl.hpp"
#include "dav115/util/metrics.hpp"

namespace dav115::cloud115 {

namespace asio = boost::asio;
using namespace std::chrono_literals;

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

namespace {
// Treat the access token as expired slightly early: a call may take a while to reach 115.
constexpr std::int64_t kExpirySlackSeconds = 30;

// Whether the access token should be replaced before use. The slack never exceeds a quarter of the
// token's lifetime: a short-lived token (tests, or 115 shortening expires_in) would otherwise look
// expired the moment it arrives, and every call would spin on refreshes without ever calling the API.
bool access_token_expired(const store::TokenRecord& t) {
  if (t.access_token.empty()) return true;
  if (t.access_expires_at == 0) return false;
  std::int64_t lifetime = t.updated_at > 0 ? t.access_expires_at - t.updated_at : kExpirySlackSeconds * 4;
  std::int64_t slack = std::clamp<std::int64_t>(lifetime / 4, 0, kExpirySlackSeconds);
  return unix_now() + slack >= t.access_expires_at;
}

void count_refresh(const std::string& result) {
  util::Metrics::global().add("dav115_token_refreshes_total", {{"result", result}});
}
// Plain functions, not coroutines: GCC 12 miscompiles braced initializer lists inside coroutine frames.
net::Headers passport_headers(const std::string& user_agent) {
  return {{"Content-Type", "application/x-www-form-urlencoded"}, {"User-Agent", user_agent},
          {"Accept", "application/json"}};
}
std::string refresh_form(const std::string& refresh_token) {
  return net::form_encode({{"refresh_token", refresh_token}});
}
// The pair `dav115 login` left for this gateway, if any. An unreadable one is logged and ignored
// (the operator can run the login again); it never stops the gateway.
std::optional<store::TokenRecord> handed_over_login(const std::filesystem::path& state_dir) {
  const auto file = store::login_handoff_file(state_dir);
  try {
    return store::load_token_record(file);
  } catch (const std::exception& e) {
    spdlog::error("cloud115: ignoring the login handed over in {}: {}", file.string(), e.what());
    return std::nullopt;
  }
}
}  // namespace

asio::awaitable<std::string> OpenApiClient::Impl::save_reporting(store::TokenRecord rec) {
  auto self = shared_from_this();
  std::string error;
  try {
    co_await saver.save(std::move(rec));
  } catch (const std::exception& e) {
    error = e.what();
  }
  co_return error;
}

void OpenApiClient::Impl::note_saved(std::uint64_t generation, const std::string& error) {
  std::lock_guard lk(mu);
  if (error.empty()) {
    if (generation >= tokens.generation) persist_error.clear();
    return;
  }
  // The pair is still used from memory (the old one is dead anyway), but a restart would lose it:
  // /healthz says so, and a retry runs until a save succeeds.
  persist_error = "could not save the token state in " + state_dir.string() + ": " + error;
  spdlog::error("cloud115: {}; retrying", persist_error);
  if (!persist_retrying && !stopped) {
    persist_retrying = true;
    auto self = shared_from_this();
    asio::co_spawn(ex, [self]() { return self->persist_until_saved(); }, asio::detached);
  }
}

void OpenApiClient::Impl::persist_current_locked() {
  auto self = shared_from_this();
  store::TokenRecord rec = tokens;
  asio::co_spawn(ex, [self, rec]() -> asio::awaitable<void> {
    auto saving = self->save_reporting(rec);
    std::string error = co_await std::move(saving);
    self->note_saved(rec.generation, error);
  }, asio::detached);
}

asio::awaitable<void> OpenApiClient::Impl::persist_until_saved() {
  auto self = shared_from_this();
  auto pause = std::chrono::milliseconds(1000);
  for (;;) {
    asio::steady_timer t(ex, pause);
    co_await t.async_wait(asio::use_awaitable);
    pause = std::min<std::chrono::milliseconds>(pause * 2, std::chrono::milliseconds(30000));
    store::TokenRecord rec;
    {
      std::lock_guard lk(mu);
      if (stopped || persist_error.empty()) {
        persist_retrying = false;
        co_return;
      }
      rec = tokens;
    }
    auto saving = save_reporting(rec);
    std::string error = co_await std::move(saving);
    std::lock_guard lk(mu);
    if (error.empty()) {
      if (rec.generation >= tokens.generation) persist_error.clear();
      if (persist_error.empty()) spdlog::info("cloud115: token state saved after earlier failures");
    } else {
      persist_error = "could not save the token state in " + state_dir.string() + ": " + error;
    }
  }
}

void OpenApiClient::Impl::enter_reauth_locked(long long code, const std::string& why) {
  token_state = TokenState::ReauthRequired;
  last_error = why;
  if (!reauth_logged) {
    reauth_logged = true;
    spdlog::warn("cloud115: the refresh token is no longer accepted ({}); log in again without stopping the "
                 "gateway: \"Log in with 115\" on the admin page (/admin/), or `dav115 login` beside it (the pair is "
                 "handed over), or paste a new refresh token into the config and reload with SIGHUP. Upstream "
                 "calls are suspended until then.", why);
  }
  ++timer_id;  // no more proactive refreshes
  (void)code;
}

asio::awaitable<void> OpenApiClient::Impl::start() {
  auto self = shared_from_this();
  namespace fs = std::filesystem;
  store::TokenRecord initial;
  bool expired = false;
  bool take_handoff = false;
  {
    std::lock_guard lk(mu);
    std::error_code ec;
    fs::create_directories(state_dir, ec);
    if (ec || !fs::is_directory(state_dir))
      throw std::runtime_error("state_dir " + state_dir.string() + " is unusable: " + ec.message());
    auto persisted = store::load_token_record(store::token_file(state_dir));
    tokens = store::choose_token_record(persisted, cfg.refresh_token, cfg.access_token);
    const bool from_state = persisted && !persisted->refresh_token.empty() &&
                            tokens.refresh_token == persisted->refresh_token;
    origin = from_state ? TokenOrigin::StateDir : TokenOrigin::Config;
    // A login handed to an earlier run that stopped before taking it: newer than anything else here.
    if (auto handed = handed_over_login(state_dir); handed && !handed->refresh_token.empty()) {
      handed->origin_sha256 = cfg.refresh_token.empty() ? "" : store::sha256_hex(cfg.refresh_token);
      handed->generation = tokens.generation + 1;
      tokens = *handed;
      origin = TokenOrigin::Login;
      take_handoff = true;
    }
    expired = access_token_expired(tokens);  // before updated_at moves: it dates the lifetime
    tokens.updated_at = unix_now();
    initial = tokens;
  }
  // Written now (not only on refresh) so the recorded origin is on disk, and to prove the dir is writable.
  auto saving = save_reporting(initial);
  std::string save_error = co_await std::move(saving);
  if (!save_error.empty()) throw std::runtime_error("state_dir " + state_dir.string() + " is unusable: " + save_error);
  if (take_handoff) {
    std::error_code ignored;
    std::filesystem::remove(store::login_handoff_file(state_dir), ignored);
    spdlog::info("cloud115: using the pair `dav115 login` handed over in {}", state_dir.string());
  }
  {
    std::lock_guard lk(mu);
    if (tokens.refresh_token.empty() && tokens.access_token.empty()) {
      enter_reauth_locked(0, "no refresh token configured");
      co_return;
    }
    if (!expired) {
      token_state = TokenState::Valid;
      schedule_refresh_locked();
      co_return;
    }
  }
  std::uint64_t gen;
  {
    std::lock_guard lk(mu);
    gen = tokens.generation;
  }
  bool failed = false;
  try {
    co_await refresh(gen, CallOptions{Priority::Interactive, SteadyClock::now() + 60s});
  } catch (const ApiError& e) {
    failed = e.kind != ErrorKind::ReauthRequired;  // ReauthRequired is already logged and in status()
    if (failed) spdlog::warn("cloud115: initial token refresh failed: {}", e.what());
  }
  if (failed) {
    std::lock_guard lk(mu);
    schedule_refresh_locked(30s);
  }
}

asio::awaitable<std::pair<std::string, std::uint64_t>> OpenApiClient::Impl::valid_access(CallOptions opts) {
  auto self = shared_from_this();
  for (int round = 0; round < 3; ++round) {
    std::uint64_t gen;
    {
      std::lock_guard lk(mu);
      if (token_state == TokenState::ReauthRequired)
        throw ApiError(ErrorKind::ReauthRequired, 0, "115 authorization must be renewed: " + last_error);
      if (!access_token_expired(tokens)) co_return std::pair{tokens.access_token, tokens.generation};
      gen = tokens.generation;
    }
    co_await refresh(gen, opts);
  }
  throw ApiError(ErrorKind::Unavailable, 0, "no valid access token after refreshing");
}

asio::awaitable<void> OpenApiClient::Impl::refresh(std::uint64_t seen_generation, CallOptions opts) {
  auto self = shared_from_this();
  // Everyone who found the token stale waits for the same single refresh.
  static const int kOnlyKey = 0;
  // Named, and capturing a raw pointer (`self` keeps the Impl alive): GCC 12 mishandles class-type
  // temporaries passed to a coroutine inside a co_await expression (they may be destroyed twice).
  Impl* impl = this;
  // 115 rotates the pair when it reads the request: a refresh cut off after sending would lose the new
  // pair with the old one already dead. So it runs as its own coroutine that no client's cancellation
  // reaches (the session cancels a request whose client hung up), bounded by its deadline instead.
  std::function<asio::awaitable<bool>()> work = [impl, seen_generation, opts]() -> asio::awaitable<bool> {
    auto ex = co_await asio::this_coro::executor;
    auto shielded = asio::co_spawn(ex, impl->refresh_once(seen_generation, opts),
                                   asio::bind_cancellation_slot(asio::cancellation_slot(), asio::use_awaitable));
    co_await std::move(shielded);
    co_return true;
  };
  try {
    auto refreshing = refresh_flight.run(kOnlyKey, work, opts.deadline);
    co_await std::move(refreshing);
  } catch (const util::FlightError& e) {  // we joined another caller's refresh and our deadline passed
    throw ApiError(ErrorKind::Unavailable, 0, std::string("token refresh: ") + e.what(), std::chrono::seconds(1));
  }
}

asio::awaitable<void> OpenApiClient::Impl::refresh_once(std::uint64_t seen_generation, CallOptions opts) {
  auto self = shared_from_this();
  std::string refresh_token, url, user_agent;
  std::chrono::milliseconds timeout;
  {
    std::lock_guard lk(mu);
    if (token_state == TokenState::ReauthRequired)
      throw ApiError(ErrorKind::ReauthRequired, 0, "115 authorization must be renewed: " + last_error);
    if (tokens.generation != seen_generation) co_return;  // someone else refreshed meanwhile: just retry
    auto now = SteadyClock::now();
    if (now < refresh_not_before)
      throw ApiError(ErrorKind::RateLimited, 40140117, "token refresh backing off after 40140117",
                     std::chrono::ceil<std::chrono::seconds>(refresh_not_before - now));
    if (tokens.refresh_token.empty()) {
      enter_reauth_locked(0, "the access token was rejected and there is no refresh token");
      throw ApiError(ErrorKind::ReauthRequired, 0, last_error);
    }
    refresh_token = tokens.refresh_token;
    url = cfg.passport_base + "/open/refreshToken";
    user_agent = cfg.user_agent;
    timeout = cfg.request_timeout;
    token_state = TokenState::Refreshing;
  }
  auto restore_state = [&] {
    if (token_state == TokenState::Refreshing)
      token_state = tokens.access_token.empty() ? TokenState::Unknown : TokenState::Valid;
  };
  try {
    co_await governor.acquire(Priority::Interactive, opts.deadline);
  } catch (...) {
    std::lock_guard lk(mu);
    restore_state();
    throw;
  }

  net::Request req;
  req.method = "POST";
  req.idempotent = false;  // 115 rotates the token when it reads this: never send it twice
  req.url = url;
  req.headers = passport_headers(user_agent);
  req.body = refresh_form(refresh_token);
  req.timeout = timeout;
  std::optional<net::Response> resp;
  std::string transport_error;
  try {
    resp = co_await http.request(std::move(req));
  } catch (const net::TransportError& e) {
    transport_error = e.what();
  }

  // The new pair goes to disk before any caller can see it (a crash must not lose the rotated token),
  // but the save runs without `mu` and off the I/O thread: status() and other calls go on meanwhile,
  // using the old pair; whoever needs a new token joins this refresh's flight and waits for it.
  store::TokenRecord next;
  std::int64_t expires_in = 0;
  {
    std::lock_guard lk(mu);
    if (!resp) {
      restore_state();
      count_upstream_call("/open/refreshToken", "transport");
      count_refresh("transport");
      last_error = "token refresh: " + transport_error;
      throw ApiError(ErrorKind::Unavailable, 0, last_error);
    }
    auto outcome = mapping::classify(resp->status, resp->body);
    count_upstream_call("/open/refreshToken", outcome.metric_result());
    std::optional<mapping::TokenGrant> grant;
    std::optional<ApiError> shape_error;
    if (outcome.ok) {
      try {
        grant = mapping::parse_token_grant(outcome.body);
      } catch (const ApiError& e) {
        shape_error = e;
      }
    }
    if (!grant) {
      restore_state();
      if (shape_error) {
        count_refresh("invalid_body");
        last_error = std::string("token refresh: ") + shape_error->what();
        throw *shape_error;
      }
      count_refresh(outcome.metric_result());
      last_error = "token refresh: " + outcome.message;
      if (mapping::is_dead_refresh_token(outcome.code)) {
        enter_reauth_locked(outcome.code, last_error);
        throw ApiError(ErrorKind::ReauthRequired, outcome.code, last_error);
      }
      if (outcome.code == 40140117) {
        refresh_not_before = SteadyClock::now() + cfg.cooldown;
        throw ApiError(ErrorKind::RateLimited, outcome.code, last_error);
      }
      // 40140121 "retry", WAF pages, empty bodies...: transient.
      ErrorKind kind = outcome.kind == ErrorKind::RateLimited ? ErrorKind::RateLimited : ErrorKind::Unavailable;
      throw ApiError(kind, outcome.code, last_error);
    }
    if (tokens.refresh_token != refresh_token) {
      // reload() adopted a token pasted by the user while we were refreshing: theirs wins.
      restore_state();
      count_refresh("superseded");
      co_return;
    }
    next = tokens;
    next.access_token = grant->access_token;
    next.refresh_token = grant->refresh_token;
    next.access_expires_at = unix_now() + grant->expires_in;
    next.updated_at = unix_now();
    next.generation = tokens.generation + 1;
    expires_in = grant->expires_in;
  }
  auto saving = save_reporting(next);
  std::string save_error = co_await std::move(saving);

  {
    std::lock_guard lk(mu);
    if (tokens.refresh_token != refresh_token) {
      // reload() adopted a pasted token during the save, and its own save may have run before ours:
      // save the pair in use again so the file ends up naming it.
      restore_state();
      count_refresh("superseded");
      persist_current_locked();
      co_return;
    }
    tokens = next;  // the old refresh token is dead now: use the new pair even if it is not on disk
    token_state = TokenState::Valid;
    ++refreshes;
    last_refresh_at = unix_now();
    count_refresh("ok");
    spdlog::info("cloud115: access token refreshed (valid for {} s)", expires_in);
    schedule_refresh_locked();
  }
  if (!save_error.empty()) note_saved(next.generation, save_error);
}

void OpenApiClient::Impl::schedule_refresh_locked(std::optional<std::chrono::seconds> delay) {
  if (stopped || token_state == TokenState::ReauthRequired) return;
  std::chrono::seconds wait;
  if (delay) {
    wait = *delay;
  } else {
    if (tokens.access_expires_at == 0) return;  // unknown expiry: refresh on demand only
    std::int64_t left = tokens.access_expires_at - unix_now();
    // Refresh `refresh_margin` before expiry, but never in the first half of the token's life, so a
    // short-lived token cannot make us refresh in a loop (which 115 punishes with 40140117).
    std::int64_t at = std::max<std::int64_t>({left - cfg.refresh_margin.count(), left / 2, 1});
    wait = std::chrono::seconds(at);
  }
  auto id = ++timer_id;
  if (refresh_timer) asio::post(refresh_timer->get_executor(), [t = refresh_timer] { t->cancel(); });
  refresh_timer = std::make_shared<asio::steady_timer>(ex, wait);
  auto timer = refresh_timer;
  auto self = shared_from_this();
  asio::co_spawn(ex, [self, timer, id]() -> asio::awaitable<void> {
    boost::system::error_code ec;
    co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    std::uint64_t gen;
    {
      std::lock_guard lk(self->mu);
      if (ec || self->stopped || id != self->timer_id) co_return;
      gen = self->tokens.generation;
    }
    bool retry = false;
    try {
      co_await self->refresh(gen, CallOptions{Priority::Background, SteadyClock::now() + 120s});
    } catch (const ApiError& e) {
      retry = e.kind != ErrorKind::ReauthRequired;
      if (retry) spdlog::warn("cloud115: scheduled token refresh failed, retrying later: {}", e.what());
    } catch (const std::exception& e) {
      retry = true;
      spdlog::warn("cloud115: scheduled token refresh failed, retrying later: {}", e.what());
    }
    if (retry) {
      std::lock_guard lk(self->mu);
      if (id == self->timer_id) self->schedule_refresh_locked(std::chrono::seconds(30));
    }
  }, asio::detached);
}

void OpenApiClient::Impl::reload(const config::Cloud115& new_cfg) {
  std::lock_guard lk(mu);
  cfg = new_cfg;
  governor.set_rate(cfg.rate_limit.qps, cfg.rate_limit.burst);
  if (new_cfg.refresh_token.empty() || store::sha256_hex(new_cfg.refresh_token) == tokens.origin_sha256) return;
  // The user pasted a new refresh token: it wins over whatever we derived from the old one.
  auto next = store::choose_token_record(std::nullopt, new_cfg.refresh_token, new_cfg.access_token);
  next.generation = tokens.generation + 1;
  next.updated_at = unix_now();
  tokens = next;
  origin = TokenOrigin::Reload;
  persist_current_locked();
  token_state = tokens.access_token.empty() ? TokenState::Unknown : TokenState::Valid;
  reauth_logged = false;
  refresh_not_before = {};
  last_error.clear();
  ++timer_id;  // the old schedule belonged to the old token
  spdlog::info("cloud115: adopted the refresh token from the reloaded config");
}

asio::awaitable<void> OpenApiClient::Impl::adopt(store::TokenRecord next) {
  auto self = shared_from_this();
  {
    std::lock_guard lk(mu);
    next.origin_sha256 = cfg.refresh_token.empty() ? "" : store::sha256_hex(cfg.refresh_token);
    next.updated_at = unix_now();
    next.generation = tokens.generation + 1;
  }
  // On disk before use, as after a refresh: the login may have evicted the pair in use (115 keeps two
  // logins per app), so this pair may soon be the only one that works.
  auto saving = save_reporting(next);
  std::string save_error = co_await std::move(saving);
  {
    std::lock_guard lk(mu);
    // A refresh of the old pair finished during the save: ours still wins, one generation later,
    // saved again below (its outcome is reported by that save, not by ours).
    const bool overtaken = next.generation <= tokens.generation;
    if (overtaken) {
      next.generation = tokens.generation + 1;
      save_error.clear();
    }
    tokens = next;
    if (overtaken) persist_current_locked();
    origin = TokenOrigin::Login;
    token_state = TokenState::Valid;
    reauth_logged = false;
    refresh_not_before = {};
    last_error.clear();
    last_refresh_at = unix_now();
    ++timer_id;  // the old schedule belonged to the old pair
    schedule_refresh_locked();
    spdlog::info("cloud115: adopted the pair of a new QR login (access token valid for {} s)",
                 tokens.access_expires_at - unix_now());
  }
  note_saved(next.generation, save_error);
}

asio::awaitable<bool> OpenApiClient::Impl::adopt_handed_over_login() {
  auto self = shared_from_this();
  // Reading and removing the file are disk work: on the saver's pool, never on an I/O thread.
  const auto caller = co_await asio::this_coro::executor;
  const auto pool = saver.executor();
  co_await asio::post(pool, asio::bind_executor(pool, asio::use_awaitable));
  auto handed = handed_over_login(state_dir);
  co_await asio::post(caller, asio::bind_executor(caller, asio::use_awaitable));
  if (!handed || handed->refresh_token.empty()) co_return false;
  auto adopting = adopt(*handed);
  co_await std::move(adopting);
  co_await asio::post(pool, asio::bind_executor(pool, asio::use_awaitable));
  std::error_code ignored;
  std::filesystem::remove(store::login_handoff_file(state_dir), ignored);
  co_await asio::post(caller, asio::bind_executor(caller, asio::use_awaitable));
  co_return true;
}

void OpenApiClient::Impl::stop() {
  std::lock_guard lk(mu);
  stopped = true;
  ++timer_id;
  if (refresh_timer) asio::post(refresh_timer->get_executor(), [t = refresh_timer] { t->cancel(); });
  refresh_timer.reset();
}

}  // namespace dav115::cloud115
