#include "device_login.hpp"

#include "upload_state.hpp"  // unix_now, random_hex

#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace dav115::fake115 {
namespace {

// The error codes are the emulator's picks inside the range the official table gives to PKCE problems
// (40140100-40140113: client_id, code_challenge, sign, QR, verifier); 115's exact assignment is UNCONFIRMED.
constexpr long kMissing = 40100000, kBadClient = 40140100, kBadMethod = 40140101, kBadSign = 40140104,
               kBadUid = 40140105, kNotConfirmed = 40140106, kVerifierLength = 40140107, kVerifierMismatch = 40140108;

DeviceError login_refusal(long code, std::string message) { return {code, std::move(message)}; }

std::string digest_base64(const unsigned char* data, std::size_t len) {
  std::string out(4 * ((len + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(len));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

}  // namespace

std::optional<QrStatus> parse_qr_status(const std::string& name) {
  if (name == "waiting") return QrStatus::Waiting;
  if (name == "scanned") return QrStatus::Scanned;
  if (name == "confirmed") return QrStatus::Confirmed;
  if (name == "expired") return QrStatus::Expired;
  if (name == "cancelled") return QrStatus::Cancelled;
  return std::nullopt;
}

int wire_value(QrStatus s) {
  switch (s) {
    case QrStatus::Waiting: return 0;
    case QrStatus::Scanned: return 1;
    case QrStatus::Confirmed: return 2;
    case QrStatus::Expired: return -1;
    case QrStatus::Cancelled: return -2;
  }
  return 0;
}

bool challenge_matches(const std::string& verifier, const std::string& challenge, const std::string& method) {
  const EVP_MD* md = method == "sha256" ? EVP_sha256() : method == "sha1" ? EVP_sha1() : method == "md5" ? EVP_md5() : nullptr;
  if (!md) return false;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  if (!EVP_Digest(verifier.data(), verifier.size(), digest, &len, md, nullptr)) return false;
  std::string standard = digest_base64(digest, len);
  std::string url_safe = standard;
  std::replace(url_safe.begin(), url_safe.end(), '+', '-');
  std::replace(url_safe.begin(), url_safe.end(), '/', '_');
  auto unpadded = [](std::string s) {
    while (!s.empty() && s.back() == '=') s.pop_back();
    return s;
  };
  return challenge == standard || challenge == url_safe || challenge == unpadded(standard) ||
         challenge == unpadded(url_safe);
}

DeviceLogins::DeviceLogins(std::string app_id)
    : app_id_(std::move(app_id)), script_{QrStatus::Waiting, QrStatus::Scanned, QrStatus::Confirmed} {}

void DeviceLogins::set_script(const std::vector<std::string>& names, bool open_codes_too) {
  if (names.empty()) throw std::invalid_argument("device_login.script must name at least one status");
  std::vector<QrStatus> script;
  for (const auto& n : names) {
    auto s = parse_qr_status(n);
    if (!s) throw std::invalid_argument("unknown QR status \"" + n + "\" (waiting, scanned, confirmed, expired, cancelled)");
    script.push_back(*s);
  }
  std::lock_guard lk(mu_);
  if (open_codes_too)
    for (auto& [uid, s] : sessions_)
      if (!s.spent && s.last != QrStatus::Confirmed && s.last != QrStatus::Expired && s.last != QrStatus::Cancelled) {
        s.script = script;
        s.polls = 0;
      }
  script_ = std::move(script);
}

DeviceCodeGrant DeviceLogins::start(const std::string& client_id, const std::string& challenge,
                                    const std::string& method) {
  DeviceCodeGrant g;
  if (client_id.empty() || challenge.empty()) {
    g.error = login_refusal(kMissing, "参数缺失");
    return g;
  }
  if (client_id != app_id_) {
    g.error = login_refusal(kBadClient, "client_id 错误");
    return g;
  }
  const std::string m = method.empty() ? "sha256" : method;
  if (m != "sha256" && m != "sha1" && m != "md5") {
    g.error = login_refusal(kBadMethod, "code_challenge_method 不支持");
    return g;
  }
  Session s;
  s.time = unix_now();
  s.sign = random_hex(40);
  s.challenge = challenge;
  s.method = m;
  g.uid = random_hex(32);
  g.time = s.time;
  g.sign = s.sign;
  g.qrcode = "https://115.com/scan/dg-" + g.uid;
  std::lock_guard lk(mu_);
  s.script = script_;
  sessions_[g.uid] = std::move(s);
  ++started_;
  return g;
}

StatusAnswer DeviceLogins::poll(const std::string& uid, const std::string& time, const std::string& sign) {
  StatusAnswer a;
  std::lock_guard lk(mu_);
  auto it = sessions_.find(uid);
  if (it == sessions_.end() || it->second.spent) {
    a.error = login_refusal(kBadUid, "二维码无效");
    return a;
  }
  Session& s = it->second;
  if (sign != s.sign || time != std::to_string(s.time)) {
    a.error = login_refusal(kBadSign, "sign 校验失败");
    return a;
  }
  // A final status stays; otherwise each poll takes the next script entry (the last one repeats).
  const bool final = s.last == QrStatus::Confirmed || s.last == QrStatus::Expired || s.last == QrStatus::Cancelled;
  if (!final) s.last = s.script[std::min(s.polls, s.script.size() - 1)];
  ++s.polls;
  a.status = s.last;
  return a;
}

DeviceError DeviceLogins::exchange(const std::string& uid, const std::string& verifier) {
  if (uid.empty() || verifier.empty()) return login_refusal(kMissing, "参数缺失");
  std::lock_guard lk(mu_);
  auto it = sessions_.find(uid);
  if (it == sessions_.end() || it->second.spent) return login_refusal(kBadUid, "uid 无效");
  Session& s = it->second;
  if (s.last != QrStatus::Confirmed) return login_refusal(kNotConfirmed, "用户尚未确认授权");
  if (verifier.size() < 43 || verifier.size() > 128) return login_refusal(kVerifierLength, "code_verifier 长度须为 43-128 位");
  if (!challenge_matches(verifier, s.challenge, s.method)) return login_refusal(kVerifierMismatch, "code_verifier 校验失败");
  s.spent = true;
  return {};
}

std::uint64_t DeviceLogins::started() const {
  std::lock_guard lk(mu_);
  return started_;
}

}  // namespace dav115::fake115
