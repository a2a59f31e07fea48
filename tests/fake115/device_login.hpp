#pragma once
// The QR (PKCE device-code) login of 115-open-api.md §2.1: authDeviceCode hands out a QR code, the
// status long poll walks a script the test chose (waiting -> scanned -> confirmed, or expired, or
// cancelled), deviceCodeToToken checks the PKCE verifier and hands out a pair. Thread-safe.
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace dav115::fake115 {

// What a status poll reports (data.status on the wire: 0, 1, 2, -1, -2).
enum class QrStatus { Waiting, Scanned, Confirmed, Expired, Cancelled };
std::optional<QrStatus> parse_qr_status(const std::string& name);  // "waiting", "scanned", ...
int wire_value(QrStatus s);

// 0 = accepted, else the 115 error code and message.
struct DeviceError {
  long code = 0;
  std::string message;
};

struct DeviceCodeGrant {
  DeviceError error;
  std::string uid, qrcode, sign;
  std::int64_t time = 0;
};

struct StatusAnswer {
  DeviceError error;  // an unknown uid or a wrong sign/time
  QrStatus status = QrStatus::Waiting;
};

class DeviceLogins {
 public:
  explicit DeviceLogins(std::string app_id);

  // The script every later QR code follows, one entry per status poll; the last entry repeats. Checked:
  // throws std::invalid_argument for an empty script or an unknown name.
  // With `open_codes_too`, QR codes already handed out and not final follow it too, from their next
  // poll on (a test's "the user scans now", without racing a page that polls on its own).
  void set_script(const std::vector<std::string>& names, bool open_codes_too = false);

  DeviceCodeGrant start(const std::string& client_id, const std::string& challenge, const std::string& method);
  StatusAnswer poll(const std::string& uid, const std::string& time, const std::string& sign);
  // On success the caller issues the new pair; the uid is spent either way once the verifier matched.
  DeviceError exchange(const std::string& uid, const std::string& verifier);

  std::uint64_t started() const;

 private:
  struct Session {
    std::int64_t time = 0;
    std::string sign, challenge, method;
    std::vector<QrStatus> script;
    std::size_t polls = 0;
    QrStatus last = QrStatus::Waiting;
    bool spent = false;
  };
  const std::string app_id_;
  mutable std::mutex mu_;
  std::vector<QrStatus> script_;
  std::map<std::string, Session> sessions_;
  std::uint64_t started_ = 0;
};

// base64(digest(verifier)) for `method` "sha256", "sha1" or "md5"; both the standard and the URL-safe
// alphabet, with and without padding, count as a match (115's docs: URL-safe; SDK-OL sends standard).
bool challenge_matches(const std::string& verifier, const std::string& challenge, const std::string& method);

}  // namespace dav115::fake115
