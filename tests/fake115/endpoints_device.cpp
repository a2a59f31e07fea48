// The QR login of 115-open-api.md §2.1: POST /open/authDeviceCode, GET /get/status/ (qrcodeapi's long
// poll, answered at once here with the next step of the script), POST /open/deviceCodeToToken.
#include "endpoints.hpp"

namespace dav115::fake115 {
namespace {

const char* status_message(QrStatus s) {
  switch (s) {
    case QrStatus::Waiting: return "";
    case QrStatus::Scanned: return "扫码成功，等待确认";
    case QrStatus::Confirmed: return "登录成功";
    case QrStatus::Expired: return "二维码已过期";
    case QrStatus::Cancelled: return "用户已取消登录";
  }
  return "";
}

}  // namespace

// Form client_id, code_challenge, code_challenge_method. data: uid, time, qrcode, sign.
ApiReply handle_auth_device_code(Emulator& emu, const ApiRequest& req) {
  DeviceCodeGrant g = emu.device_logins.start(req.param("client_id"), req.param("code_challenge"),
                                              req.param("code_challenge_method"));
  if (g.error.code) return passport_error(g.error.code, g.error.message);
  return passport_ok({{"uid", g.uid}, {"time", g.time}, {"qrcode", g.qrcode}, {"sign", g.sign}});
}

// Query uid, time, sign. `state` 1 = keep polling, 0 = the QR code is dead (expired; the doc: "stop
// polling"); data.status 0 waiting, 1 scanned, 2 confirmed, -1 expired, -2 cancelled.
ApiReply handle_qr_status(Emulator& emu, const ApiRequest& req) {
  StatusAnswer a = emu.device_logins.poll(req.param("uid"), req.param("time"), req.param("sign"));
  if (a.error.code) return passport_error(a.error.code, a.error.message);
  const std::string msg = status_message(a.status);
  const bool alive = a.status != QrStatus::Expired;
  nlohmann::json j = {{"state", alive ? 1 : 0},
                      {"code", 0},
                      {"message", alive ? "" : msg},
                      {"data", {{"msg", msg}, {"status", wire_value(a.status)}, {"version", "v1"}}}};
  return {200, "application/json; charset=utf-8", j.dump(), "status_" + std::to_string(wire_value(a.status))};
}

// Form uid, code_verifier. The new pair becomes the emulator's current one (the previous refresh token
// dies, as after {"reauthorize": true}), so the dead-token counters keep meaning what they say.
ApiReply handle_device_code_to_token(Emulator& emu, const ApiRequest& req) {
  DeviceError e = emu.device_logins.exchange(req.param("uid"), req.param("code_verifier"));
  if (e.code) return passport_error(e.code, e.message);
  RefreshResult r = emu.auth.authorize_new_login();
  return passport_ok({{"access_token", r.access_token}, {"refresh_token", r.refresh_token}, {"expires_in", r.expires_in}});
}

}  // namespace dav115::fake115
