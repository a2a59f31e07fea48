// The QR login (115-open-api.md §2.1). The status codes beyond the doc's (0 waiting, -1 expired,
// -2 cancelled) come from APIP and P115-derived code; state 0 without a status also ends the login.
#include "dav115/cloud115/device_login.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace dav115::cloud115 {

namespace asio = boost::asio;

namespace {

// Plain functions, not coroutines: GCC 12 miscompiles braced initializer lists inside coroutine frames.
net::Request passport_post(const config::Cloud115& cfg, const std::string& path, const net::Headers& form) {
  net::Request req;
  req.method = "POST";
  req.url = cfg.passport_base + path;
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"User-Agent", cfg.user_agent},
                 {"Accept", "application/json"}};
  req.body = net::form_encode(form);
  req.timeout = cfg.request_timeout;
  // Sending either twice is harmless (a spare QR code; at worst 115 refuses a code already spent), and the
  // exchange often goes out on a pooled connection that sat idle while the user scanned: let the client
  // resend it when that connection turns out to be closed.
  req.idempotent = true;
  return req;
}

net::Request status_get(const config::Cloud115& cfg, const DeviceCode& code, std::chrono::milliseconds timeout) {
  net::Request req;
  req.method = "GET";
  req.url = cfg.qrcode_base + "/get/status/?" +
            net::form_encode({{"uid", code.uid}, {"time", std::to_string(code.time)}, {"sign", code.sign}});
  req.headers = {{"User-Agent", cfg.user_agent}, {"Accept", "application/json"}};
  req.timeout = timeout;
  return req;
}

net::Headers start_form(const std::string& app_id, const std::string& verifier) {
  return {{"client_id", app_id}, {"code_challenge", code_challenge(verifier)}, {"code_challenge_method", "sha256"}};
}

net::Headers exchange_form(const DeviceCode& code) { return {{"uid", code.uid}, {"code_verifier", code.verifier}}; }

// A refusal from 115 carries its own message ("115 error 40140100: client_id 错误"); pages that are not
// 115's JSON (a WAF, a proxy) and rate limits are worth another try later.
LoginError refusal(const std::string& step, const mapping::Outcome& o) {
  const bool transient = o.kind == ErrorKind::Unavailable || o.kind == ErrorKind::RateLimited;
  return LoginError(o.code, step + ": " + o.message, transient);
}

const nlohmann::json* login_field(const nlohmann::json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

std::string login_text(const nlohmann::json& obj, const char* key) {
  const nlohmann::json* v = login_field(obj, key);
  if (!v) return {};
  return mapping::as_string(*v).value_or("");
}

std::string base64_standard(const unsigned char* data, std::size_t len) {
  std::string out(4 * ((len + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(len));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

}  // namespace

const char* to_string(LoginStatus s) {
  switch (s) {
    case LoginStatus::Waiting: return "waiting";
    case LoginStatus::Scanned: return "scanned";
    case LoginStatus::Confirmed: return "confirmed";
    case LoginStatus::Expired: return "expired";
    case LoginStatus::Cancelled: return "cancelled";
  }
  return "unknown";
}

bool is_final(LoginStatus s) {
  return s == LoginStatus::Confirmed || s == LoginStatus::Expired || s == LoginStatus::Cancelled;
}

std::string make_code_verifier() {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";  // 66
  unsigned char raw[64];
  if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("OpenSSL could not produce random bytes");
  std::string v;
  // 256 % 66 != 0: reject the top values so every character is equally likely.
  for (std::size_t i = 0; v.size() < 64; ++i) {
    if (i == sizeof raw) {
      if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("OpenSSL could not produce random bytes");
      i = 0;
    }
    if (raw[i] < 66 * 3) v += alphabet[raw[i] % 66];
  }
  return v;
}

std::string code_challenge(std::string_view verifier) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  if (!EVP_Digest(verifier.data(), verifier.size(), md, &len, EVP_sha256(), nullptr))
    throw std::runtime_error("SHA-256 failed");
  return base64_standard(md, len);
}

DeviceCode parse_device_code(const nlohmann::json& body) {
  const nlohmann::json* data = login_field(body, "data");
  if (!data || !data->is_object()) throw LoginError(0, "authDeviceCode: answer without data", true);
  DeviceCode c;
  c.uid = login_text(*data, "uid");
  c.qrcode = login_text(*data, "qrcode");
  c.sign = login_text(*data, "sign");
  if (const nlohmann::json* t = login_field(*data, "time")) c.time = mapping::as_int(*t).value_or(0);
  if (c.uid.empty() || c.qrcode.empty() || c.sign.empty() || c.time == 0)
    throw LoginError(0, "authDeviceCode: answer without uid, time, qrcode or sign", true);
  return c;
}

LoginPoll parse_login_status(unsigned http_status, std::string_view body) {
  auto outcome = mapping::classify(http_status, body);
  if (outcome.body.is_discarded() || !outcome.body.is_object()) throw refusal("QR status", outcome);
  LoginPoll p;
  const nlohmann::json* data = login_field(outcome.body, "data");
  p.message = data ? login_text(*data, "msg") : "";
  if (p.message.empty()) p.message = login_text(outcome.body, "message");
  std::optional<std::int64_t> status;
  if (data)
    if (const nlohmann::json* s = login_field(*data, "status")) status = mapping::as_int(*s);
  if (status) {
    switch (*status) {
      case 0: p.status = LoginStatus::Waiting; return p;
      case 1: p.status = LoginStatus::Scanned; return p;
      case 2: p.status = LoginStatus::Confirmed; return p;
      case -2: p.status = LoginStatus::Cancelled; return p;
      default:
        if (*status < 0) {  // -1 expired; any other negative value is a dead code too
          p.status = LoginStatus::Expired;
          return p;
        }
        throw LoginError(0, "QR status: unknown status " + std::to_string(*status), true);
    }
  }
  if (outcome.ok) return p;  // a long poll that ended with nothing new: still waiting
  // "state 0 = QR invalid, stop polling" (the doc); with a code of its own it is a refusal to show.
  if (outcome.code == 0 && !outcome.token_expired) {
    p.status = LoginStatus::Expired;
    return p;
  }
  throw refusal("QR status", outcome);
}

store::TokenRecord login_token_record(const mapping::TokenGrant& grant, const std::optional<store::TokenRecord>& stored,
                                      const std::string& config_refresh_token, std::int64_t now) {
  store::TokenRecord r;
  r.access_token = grant.access_token;
  r.refresh_token = grant.refresh_token;
  r.access_expires_at = now + grant.expires_in;
  r.updated_at = now;
  r.origin_sha256 = config_refresh_token.empty() ? "" : store::sha256_hex(config_refresh_token);
  r.generation = stored ? stored->generation + 1 : 0;
  return r;
}

DeviceLogin::DeviceLogin(net::HttpClient& http, config::Cloud115 cfg, DeviceLoginOptions opts)
    : http_(http), cfg_(std::move(cfg)), opts_(opts) {}

asio::awaitable<DeviceCode> DeviceLogin::start() {
  if (cfg_.app_id.empty()) throw std::invalid_argument("cloud115.app_id is not set");
  std::string verifier = make_code_verifier();
  net::Request req = passport_post(cfg_, "/open/authDeviceCode", start_form(cfg_.app_id, verifier));
  net::Response resp;
  try {
    auto sent = http_.request(std::move(req));
    resp = co_await std::move(sent);
  } catch (const net::TransportError& e) {
    throw LoginError(0, std::string("authDeviceCode: ") + e.what(), true);
  }
  auto outcome = mapping::classify(resp.status, resp.body);
  if (!outcome.ok) throw refusal("authDeviceCode", outcome);
  DeviceCode code = parse_device_code(outcome.body);
  code.verifier = std::move(verifier);
  co_return code;
}

asio::awaitable<LoginPoll> DeviceLogin::poll(DeviceCode code) {
  net::Request req = status_get(cfg_, code, opts_.poll_timeout);
  net::Response resp;
  try {
    auto sent = http_.request(std::move(req));
    resp = co_await std::move(sent);
  } catch (const net::TransportError& e) {
    throw LoginError(0, std::string("QR status: ") + e.what(), true);
  }
  co_return parse_login_status(resp.status, resp.body);
}

asio::awaitable<LoginPoll> DeviceLogin::wait(DeviceCode code, const std::function<void(const LoginPoll&)>& on_change) {
  using Clock = std::chrono::steady_clock;
  const auto began = Clock::now();
  std::optional<LoginStatus> last;
  int failures = 0;
  auto ex = co_await asio::this_coro::executor;
  for (;;) {
    const auto round_started = Clock::now();
    std::optional<LoginPoll> p;
    try {
      auto polled = poll(code);
      p = co_await std::move(polled);
      failures = 0;
    } catch (const LoginError& e) {
      if (!e.transient || ++failures > opts_.max_poll_failures) throw;
    }
    if (p && (!last || *last != p->status)) {
      last = p->status;
      on_change(*p);
    }
    if (p && is_final(p->status)) co_return *p;
    if (Clock::now() - began >= opts_.give_up_after) {
      LoginPoll gave_up;
      gave_up.status = LoginStatus::Expired;
      gave_up.message = "no decision from 115 within " + std::to_string(opts_.give_up_after.count()) + " s";
      on_change(gave_up);
      co_return gave_up;
    }
    // After a failure wait longer: the same trouble is likely still there.
    const auto gap = p ? opts_.poll_gap : std::max<std::chrono::milliseconds>(opts_.poll_gap * 2, std::chrono::seconds(2));
    asio::steady_timer pause(ex, round_started + gap);
    co_await pause.async_wait(asio::use_awaitable);
  }
}

asio::awaitable<mapping::TokenGrant> DeviceLogin::exchange(DeviceCode code) {
  net::Request req = passport_post(cfg_, "/open/deviceCodeToToken", exchange_form(code));
  net::Response resp;
  try {
    auto sent = http_.request(std::move(req));
    resp = co_await std::move(sent);
  } catch (const net::TransportError& e) {
    // 115 may have spent the code already: a new QR code is the only way on.
    throw LoginError(0, std::string("deviceCodeToToken: ") + e.what(), false);
  }
  auto outcome = mapping::classify(resp.status, resp.body);
  if (!outcome.ok) {
    auto e = refusal("deviceCodeToToken", outcome);
    throw LoginError(e.code, e.what(), false);
  }
  try {
    co_return mapping::parse_token_grant(outcome.body);
  } catch (const ApiError& e) {
    throw LoginError(0, std::string("deviceCodeToToken: ") + e.what(), false);
  }
}

}  // namespace dav115::cloud115
