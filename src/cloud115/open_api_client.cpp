// The call loop (governor, token, retries within the caller's deadline) and the endpoint mappings.
#include "dav115/cloud115/open_api_client.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <random>
#include <unordered_set>

#include "client_impl.hpp"
#include "dav115/cloud115/changes_first.hpp"
#include "dav115/util/metrics.hpp"

namespace dav115::cloud115 {

namespace asio = boost::asio;
using namespace std::chrono_literals;

util::DailyCounter& upstream_calls_today() {
  static util::DailyCounter counter;
  return counter;
}

void count_upstream_call(const std::string& endpoint, const std::string& result) {
  util::Metrics::global().add("dav115_upstream_calls_total", {{"endpoint", endpoint}, {"result", result}});
  upstream_calls_today().add(unix_now());
}

namespace {

// Signals that mean "115 wants everybody to slow down", not just this call.
bool is_global_rate_signal(const ApiError& e) {
  return e.kind == ErrorKind::RateLimited && (e.code == 770004 || e.code == 406 || e.code == 405 || e.code == 429);
}

std::chrono::milliseconds with_jitter(std::chrono::milliseconds base) {
  thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_real_distribution<double> f(0.5, 1.5);
  return std::chrono::milliseconds(static_cast<long long>(static_cast<double>(base.count()) * f(rng)));
}

std::int64_t to_unix(SteadyClock::time_point t) {
  auto left = t - SteadyClock::now();
  return unix_now() + std::chrono::duration_cast<std::chrono::seconds>(left).count();
}

// Plain functions, not coroutines: GCC 12 miscompiles braced initializer lists inside coroutine frames.
net::Headers list_params(const std::string& cid, std::size_t page_size, std::uint64_t offset) {
  // A fixed order (name, ascending; custom_order=1 = use ours without changing the folder's remembered
  // sort) keeps offsets meaningful from one page to the next.
  return {{"cid", cid}, {"limit", std::to_string(page_size)}, {"offset", std::to_string(offset)},
          {"show_dir", "1"}, {"cur", "1"}, {"o", "file_name"}, {"asc", "1"}, {"custom_order", "1"}};
}

// Newest first, folders not pinned ahead of files (custom_order=2): one order by date across the folder.
net::Headers changes_first_params(const std::string& cid, std::size_t page_size, std::uint64_t offset) {
  return {{"cid", cid}, {"limit", std::to_string(page_size)}, {"offset", std::to_string(offset)},
          {"show_dir", "1"}, {"cur", "1"}, {"o", "user_utime"}, {"asc", "0"}, {"custom_order", "2"}};
}

net::Headers one_param(const std::string& key, const std::string& value) { return {{key, value}}; }

// Checks page `p` of a paged listing of `cid`, asked for at `offset` after earlier pages said the folder
// holds `count` entries. Throws NotFound when 115 answered for another folder (a bad cid may come back as
// some other folder's listing); returns why the pass cannot go on ("" when it can): offsets shift and
// counts change when entries come or go between pages.
std::string page_out_of_step(const mapping::ListPage& p, const std::string& cid, std::uint64_t offset,
                             const std::optional<std::uint64_t>& count) {
  if (p.cid && *p.cid != cid) throw ApiError(ErrorKind::NotFound, 0, "folder " + cid + " not found");
  if (p.offset && *p.offset != offset)
    return "page for offset " + std::to_string(offset) + " came back for offset " + std::to_string(*p.offset);
  if (count && p.count != *count)
    return "count changed from " + std::to_string(*count) + " to " + std::to_string(p.count) + " between pages";
  return {};
}

net::Headers api_headers(const std::string& access, const std::string& user_agent) {
  return {{"Authorization", "Bearer " + access}, {"User-Agent", user_agent}, {"Accept", "application/json"}};
}

}  // namespace

OpenApiClient::Impl::Impl(asio::any_io_executor ex, net::HttpClient& http, const config::Cloud115& cfg,
                          std::string state_dir, BlockingWork blocking)
    : ex(std::move(ex)),
      http(http),
      state_dir(std::move(state_dir)),
      governor(cfg.rate_limit.qps, cfg.rate_limit.burst),
      saver(std::move(blocking), store::token_file(this->state_dir)),
      blocking_ex(saver.executor()),
      bulk_gate(this->ex),
      cfg(cfg) {
  auto& m = util::Metrics::global();
  m.describe("dav115_upstream_calls_total", "counter", "Calls to the 115 API by endpoint and result");
  m.describe("dav115_token_refreshes_total", "counter", "115 access token refreshes by result");
}

void OpenApiClient::Impl::note_error(const std::string& message) {
  std::lock_guard lk(mu);
  last_error = message;
}

asio::awaitable<OpenApiClient::Impl::Attempt> OpenApiClient::Impl::attempt_once(Call c, CallOptions opts) {
  auto self = shared_from_this();
  Attempt a;
  net::Request req;
  try {
    auto token = co_await valid_access(opts);
    const std::string& access = token.first;
    a.generation = token.second;
    co_await governor.acquire(opts.priority, opts.deadline);
    std::string user_agent;
    {
      std::lock_guard lk(mu);
      user_agent = c.user_agent.empty() ? cfg.user_agent : c.user_agent;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(opts.deadline - SteadyClock::now());
      req.timeout = std::clamp(left, std::chrono::milliseconds(1000), cfg.request_timeout);
    }
    req.method = c.method;
    req.idempotent = c.idempotent;
    req.url = c.base + c.path;
    req.headers = api_headers(access, user_agent);
    if (c.method == "GET") {
      if (!c.params.empty()) req.url += "?" + net::form_encode(c.params);
    } else {
      req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
      req.body = net::form_encode(c.params);
    }
  } catch (const ApiError& e) {
    a.error = e;
    co_return a;
  }
  std::optional<net::Response> resp;
  try {
    resp = co_await http.request(std::move(req));
  } catch (const net::TransportError& e) {
    count_upstream_call(c.path, "transport");
    a.error = ApiError(ErrorKind::Unavailable, 0, std::string("transport error: ") + e.what());
    a.maybe_applied = true;
    co_return a;
  }
  auto outcome = mapping::classify(resp->status, resp->body);
  count_upstream_call(c.path, outcome.metric_result());
  if (outcome.ok) {
    a.body = std::move(outcome.body);
    co_return a;
  }
  a.token_expired = outcome.token_expired;
  a.error = ApiError(outcome.kind, outcome.code, outcome.message);
  // 115's explicit "try again" codes are refusals; any other failure without a verdict is not.
  a.maybe_applied = outcome.kind == ErrorKind::Unavailable && outcome.code != 40140121 && outcome.code != 40110000;
  co_return a;
}

asio::awaitable<nlohmann::json> OpenApiClient::Impl::call(Call c, CallOptions opts) {
  auto self = shared_from_this();
  bool auth_retried = false;
  auto backoff = 500ms;
  std::optional<ApiError> last;
  for (int attempt = 0; attempt < 10; ++attempt) {
    Attempt a = co_await attempt_once(c, opts);
    if (a.body) co_return std::move(*a.body);
    if (a.token_expired && !auth_retried) {
      // Once per call: refresh (unless the token changed while we were in flight) and retry.
      auth_retried = true;
      std::optional<ApiError> refresh_error;
      try {
        co_await refresh(a.generation, opts);
      } catch (const ApiError& e) {
        refresh_error = e;
      }
      if (!refresh_error) continue;
      a.error = refresh_error;
    }
    ApiError err = *a.error;
    last = err;
    note_error(err.what());
    // Sending a write again could do it twice (two folders, a second copy): the caller must look first.
    if (a.maybe_applied && !c.is_idempotent()) {
      ApiError unsure(ErrorKind::Unavailable, err.code, std::string(err.what()) + " (" + c.path + " may have been carried out)");
      unsure.uncertain = true;
      throw unsure;
    }
    if (err.kind != ErrorKind::RateLimited && err.kind != ErrorKind::Unavailable) throw err;
    // The governor / refresh back-off already computed that the deadline cannot be met.
    if (err.retry_after.count() > 0) throw err;

    std::chrono::milliseconds pause;
    std::chrono::seconds cooldown;
    {
      std::lock_guard lk(mu);
      cooldown = cfg.cooldown;
    }
    pause = is_global_rate_signal(err) ? std::chrono::milliseconds(cooldown) : with_jitter(backoff);
    backoff = std::min<std::chrono::milliseconds>(backoff * 2, 8s);
    auto until = SteadyClock::now() + pause;
    if (is_global_rate_signal(err)) {
      governor.pause_until(until);
      spdlog::warn("cloud115: {} on {}: pausing upstream calls for {} s", err.what(), c.path,
                   std::chrono::duration_cast<std::chrono::seconds>(pause).count());
    }
    if (until >= opts.deadline)
      throw ApiError(err.kind, err.code, err.what(),
                     std::max(std::chrono::ceil<std::chrono::seconds>(pause), std::chrono::seconds(1)));
    if (!is_global_rate_signal(err)) {  // a global pause is waited out inside the governor
      asio::steady_timer t(co_await asio::this_coro::executor, until);
      co_await t.async_wait(asio::use_awaitable);
    }
  }
  throw last ? *last : ApiError(ErrorKind::Unavailable, 0, "115 call failed");
}

UpstreamStatus OpenApiClient::Impl::status() const {
  UpstreamStatus s;
  auto paused = governor.paused_until();
  std::lock_guard lk(mu);
  s.token = token_state;
  s.access_expires_at = tokens.access_expires_at;
  s.cooling_down = paused > SteadyClock::now();
  s.cooldown_until = s.cooling_down ? to_unix(paused) : 0;
  s.last_error = last_error;
  s.refreshes = refreshes;
  s.persist_error = persist_error;
  s.last_refresh_at = last_refresh_at;
  s.origin = origin;
  s.calls_today = upstream_calls_today().today(unix_now());
  return s;
}

// ---------------------------------------------------------------- OpenApiClient

OpenApiClient::OpenApiClient(asio::any_io_executor ex, net::HttpClient& http, const config::Cloud115& cfg,
                             std::string state_dir, BlockingWork blocking)
    : impl_(std::make_shared<Impl>(std::move(ex), http, cfg, std::move(state_dir), std::move(blocking))) {}

OpenApiClient::~OpenApiClient() { impl_->stop(); }

asio::awaitable<void> OpenApiClient::start() { return impl_->start(); }
void OpenApiClient::stop() { impl_->stop(); }
void OpenApiClient::reload(const config::Cloud115& cfg) { impl_->reload(cfg); }
asio::awaitable<void> OpenApiClient::adopt_login(mapping::TokenGrant grant) {
  store::TokenRecord next;
  next.access_token = grant.access_token;
  next.refresh_token = grant.refresh_token;
  next.access_expires_at = unix_now() + grant.expires_in;
  auto adopting = impl_->adopt(std::move(next));
  co_await std::move(adopting);
}
asio::awaitable<bool> OpenApiClient::adopt_handed_over_login() {
  auto adopting = impl_->adopt_handed_over_login();
  co_return co_await std::move(adopting);
}
UpstreamStatus OpenApiClient::status() const { return impl_->status(); }

// How many times a listing that shifted under us is started again before giving up with 503.
constexpr int kListPasses = 3;

// One pass over a folder's pages. `complete` only when every page agreed on the total (`count`), echoed
// the offset asked for, and the ids collected are distinct and exactly `count` of them: 115 can return
// short pages while a folder is busy, and offsets shift when entries come or go between pages.
// (Not in an anonymous namespace: it lives in a coroutine frame, and GCC warns about that.)
struct ListingPass {
  std::vector<Entry> entries;
  bool complete = false;
  std::string why;  // when !complete
};

asio::awaitable<std::vector<Entry>> OpenApiClient::list_folder(std::string cid, CallOptions opts) {
  auto impl = impl_;
  std::string base;
  std::size_t page_size;
  {
    std::lock_guard lk(impl->mu);
    base = impl->cfg.api_base;
    page_size = static_cast<std::size_t>(std::clamp(impl->cfg.page_size, 1, 1150));
  }
  std::string why;
  for (int pass = 0; pass < kListPasses; ++pass) {
    ListingPass lp;
    std::unordered_set<std::string> seen;
    std::optional<std::uint64_t> count;
    std::uint64_t offset = 0;
    // Bounded: a page that makes no progress ends the pass, so this is at most count+1 pages.
    for (;;) {
      Impl::Call c{"GET", base, "/open/ufile/files", list_params(cid, page_size, offset), std::string()};
      auto body = co_await impl->call(std::move(c), opts);
      auto p = mapping::parse_list_page(body);
      lp.why = page_out_of_step(p, cid, offset, count);
      if (!lp.why.empty()) break;
      count = p.count;
      for (auto& e : p.entries) {
        if (!seen.insert(e.id).second) {
          lp.why = "entry " + e.id + " appeared twice";
          break;
        }
        lp.entries.push_back(std::move(e));
      }
      if (!lp.why.empty()) break;
      if (lp.entries.size() > *count) {
        lp.why = "more entries than the count of " + std::to_string(*count);
        break;
      }
      if (lp.entries.size() == *count) {
        lp.complete = true;
        break;
      }
      if (p.entries.empty()) {  // short of count, and 115 has nothing more to give
        lp.why = "only " + std::to_string(lp.entries.size()) + " of " + std::to_string(*count) + " entries";
        break;
      }
      offset += p.entries.size();  // a short page is not the end: page by count
    }
    if (lp.complete) co_return std::move(lp.entries);
    why = lp.why;
    spdlog::info("cloud115: listing of folder {} shifted ({}), listing again", cid, why);
  }
  // Better a 503 the client retries than a short folder that looks complete (and gets cached).
  throw ApiError(ErrorKind::Unavailable, 0, "listing of folder " + cid + " kept changing: " + why,
                 std::chrono::seconds(2));
}

asio::awaitable<Relisting> OpenApiClient::relist_folder(std::string cid, std::vector<Entry> known, CallOptions opts) {
  auto impl = impl_;
  std::string base;
  std::size_t page_size;
  bool changes_first;
  {
    std::lock_guard lk(impl->mu);
    base = impl->cfg.api_base;
    page_size = static_cast<std::size_t>(std::clamp(impl->cfg.page_size, 1, 1150));
    changes_first = impl->cfg.list_changes_first;
  }
  if (changes_first && !known.empty()) {
    ChangesFirstScan scan(known);
    std::optional<std::uint64_t> count;
    std::uint64_t offset = 0;
    std::string why;
    // Bounded: every page either adds entries or ends the loop, and there are at most `count` of them.
    for (;;) {
      Impl::Call c{"GET", base, "/open/ufile/files", changes_first_params(cid, page_size, offset), std::string()};
      auto body = co_await impl->call(std::move(c), opts);
      auto p = mapping::parse_list_page(body);
      why = page_out_of_step(p, cid, offset, count);
      if (!why.empty()) break;
      count = p.count;
      auto step = scan.feed(p.entries);
      if (step == ChangesFirstScan::Step::Unsound) {
        why = scan.why();
        break;
      }
      if (step == ChangesFirstScan::Step::Done || scan.seen() >= *count || p.entries.empty()) {
        if (auto all = scan.result(*count)) {
          Relisting r;
          r.entries = std::move(*all);
          r.total_count = *count;
          r.stopped_early = scan.stopped();
          co_return r;
        }
        why = scan.why();
        break;
      }
      offset += p.entries.size();
    }
    spdlog::info("cloud115: newest-first re-listing of folder {} did not add up ({}); listing it in full", cid, why);
  }
  auto full = list_folder(cid, opts);
  Relisting r;
  r.entries = co_await std::move(full);
  r.total_count = r.entries.size();
  co_return r;
}

asio::awaitable<Quota> OpenApiClient::quota(CallOptions opts) {
  auto impl = impl_;
  std::string base;
  {
    std::lock_guard lk(impl->mu);
    base = impl->cfg.api_base;
  }
  Impl::Call c{"GET", base, "/open/user/info", net::Headers(), std::string()};
  auto body = co_await impl->call(std::move(c), opts);
  co_return mapping::parse_quota(body);
}

asio::awaitable<std::optional<Entry>> OpenApiClient::get_info(std::string id, CallOptions opts) {
  auto impl = impl_;
  std::string base;
  {
    std::lock_guard lk(impl->mu);
    base = impl->cfg.api_base;
  }
  nlohmann::json body;
  bool not_found = false;
  try {
    Impl::Call c{"GET", base, "/open/folder/get_info", one_param("file_id", id), std::string()};
    body = co_await impl->call(std::move(c), opts);
  } catch (const ApiError& e) {
    if (e.kind != ErrorKind::NotFound) throw;
    not_found = true;
  }
  if (not_found) co_return std::nullopt;
  co_return mapping::parse_info(body);
}

asio::awaitable<DownloadLink> OpenApiClient::download_link(std::string file_id, std::string pick_code,
                                                           std::string user_agent, CallOptions opts) {
  auto impl = impl_;
  std::string base;
  {
    std::lock_guard lk(impl->mu);
    base = impl->cfg.api_base;
    if (user_agent.empty()) user_agent = impl->cfg.user_agent;
  }
  // The link is bound to the UA that asks for it: ask with the UA that will fetch it.
  Impl::Call c{"POST", base, "/open/ufile/downurl", one_param("pick_code", pick_code), user_agent};
  c.idempotent = true;  // a POST that only reads: asking twice for a link changes nothing
  auto body = co_await impl->call(std::move(c), opts);
  auto link = mapping::parse_download(body, file_id);
  if (!link) throw ApiError(ErrorKind::NotFound, 0, "no download link for file " + file_id);
  link->user_agent = user_agent;
  co_return std::move(*link);
}

}  // namespace dav115::cloud115
