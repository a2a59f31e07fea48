#include "oss.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pugixml.hpp>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>

namespace dav115::fake115 {
namespace {

constexpr std::uint64_t kMinPartSize = 100 * 1024;  // every part but the last (OSS EntityTooSmall)
constexpr int kMaxPartNumber = 10000;

// The query parameters OSS V1 signs as sub-resources (the list the Aliyun SDKs use).
const std::set<std::string>& signed_subresources() {
  static const std::set<std::string> s = {
      "acl", "uploads", "location", "cors", "logging", "website", "referer", "lifecycle", "delete", "append",
      "tagging", "objectMeta", "uploadId", "partNumber", "security-token", "position", "img", "style", "styleName",
      "replication", "replicationProgress", "replicationLocation", "cname", "bucketInfo", "comp", "qos", "live",
      "status", "vod", "startTime", "endTime", "symlink", "x-oss-process", "response-content-type",
      "x-oss-traffic-limit", "response-content-language", "response-expires", "response-cache-control",
      "response-content-disposition", "response-content-encoding", "udf", "udfName", "udfImage", "udfId",
      "udfImageDesc", "udfApplication", "udfApplicationLog", "restore", "callback", "callback-var", "qosInfo",
      "policy", "stat", "encryption", "versions", "versioning", "versionId", "requestPayment",
      "x-oss-request-payer", "sequential", "inventory", "inventoryId", "continuation-token", "asyncFetch", "worm",
      "wormId", "wormExtend"};
  return s;
}

std::string hex_upper(const std::string& raw) {
  static const char* digits = "0123456789ABCDEF";
  std::string s;
  for (unsigned char b : raw) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}

std::string unhex(const std::string& hex) {
  std::string raw;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) raw += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return raw;
}

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string hmac_sha1_base64(const std::string& key, const std::string& msg) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(msg.data()),
       msg.size(), md, &len);
  return base64_encode(md, len);
}

bool same_secret(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

OssReply oss_fault_reply(FaultMode mode) {
  OssReply r;
  r.result = to_string(mode);
  switch (mode) {
    case FaultMode::Reset: r.reset = true; break;
    case FaultMode::Waf:
      r.status = 405;
      r.content_type = "text/html";
      r.body = "<html><head><title>405 Not Allowed</title></head><body><center><h1>405 Not Allowed</h1></center></body></html>\n";
      break;
    case FaultMode::Empty: r.body.clear(); r.content_type.clear(); break;
    case FaultMode::Garbage: r.content_type = "text/html"; r.body = "<!DOCTYPE html><html><body>oss error <Error"; break;
    case FaultMode::RateLimited:
    case FaultMode::Quota: {
      OssReply e = oss_error(503, "ServiceUnavailable", "Please reduce your request rate. (injected)");
      e.result = r.result;
      return e;
    }
  }
  return r;
}

}  // namespace

std::string base64_encode(const unsigned char* data, std::size_t n) {
  std::string out(4 * ((n + 2) / 3), '\0');
  const int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(n));
  out.resize(static_cast<std::size_t>(len));
  return out;
}

std::optional<std::string> base64_decode(const std::string& in) {
  if (in.empty()) return std::string();
  if (in.size() % 4 != 0) return std::nullopt;
  std::string out(in.size() / 4 * 3, '\0');
  const int len = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  if (len < 0) return std::nullopt;
  std::size_t pad = 0;  // EVP_DecodeBlock counts the padding as zero bytes
  if (in.back() == '=') ++pad;
  if (in.size() >= 2 && in[in.size() - 2] == '=') ++pad;
  out.resize(static_cast<std::size_t>(len) - pad);
  return out;
}

OssReply oss_error(unsigned status, const std::string& code, const std::string& message,
                   const std::vector<std::pair<std::string, std::string>>& extra) {
  OssReply r;
  r.status = status;
  r.result = code;
  const std::string request_id = random_hex(24, true);
  r.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>\n  <Code>" + code + "</Code>\n  <Message>" +
           xml_escape(message) + "</Message>\n  <RequestId>" + request_id + "</RequestId>\n  <HostId>fake115-oss</HostId>\n";
  for (const auto& [k, v] : extra) r.body += "  <" + k + ">" + xml_escape(v) + "</" + k + ">\n";
  r.body += "</Error>\n";
  r.headers.emplace_back("x-oss-request-id", request_id);
  return r;
}

// ---- OssBodySink ----

struct OssBodySink::Hashes {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md5{EVP_MD_CTX_new(), EVP_MD_CTX_free};
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> sha1{EVP_MD_CTX_new(), EVP_MD_CTX_free};
};

OssBodySink::OssBodySink(std::string path, bool with_md5)
    : path_(std::move(path)), with_md5_(with_md5), hashes_(std::make_unique<Hashes>()) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  failed_ = fd_ < 0;
  EVP_DigestInit_ex(hashes_->md5.get(), EVP_md5(), nullptr);
  EVP_DigestInit_ex(hashes_->sha1.get(), EVP_sha1(), nullptr);
}

OssBodySink::~OssBodySink() {
  if (fd_ >= 0) ::close(fd_);
}

void OssBodySink::write(const char* data, std::size_t n) {
  size_ += n;
  if (!hashes_) return;
  if (with_md5_) EVP_DigestUpdate(hashes_->md5.get(), data, n);
  EVP_DigestUpdate(hashes_->sha1.get(), data, n);
  for (std::size_t done = 0; fd_ >= 0 && done < n;) {
    ssize_t w = ::write(fd_, data + done, n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      failed_ = true;
      break;
    }
    done += static_cast<std::size_t>(w);
  }
}

bool OssBodySink::finish() {
  if (!hashes_) return true;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(hashes_->md5.get(), md, &len);
  md5_.assign(reinterpret_cast<char*>(md), len);
  EVP_DigestFinal_ex(hashes_->sha1.get(), md, &len);
  sha1_ = hex_upper(std::string(reinterpret_cast<char*>(md), len));
  if (fd_ >= 0 && ::close(fd_) != 0) failed_ = true;
  fd_ = -1;
  return !failed_;
}

// ---- OssExchange ----

OssExchange::OssExchange(Emulator& emu, const std::string& method, const std::string& target,
                         const boost::beast::http::fields& headers)
    : emu_(emu), method_(method), sink_(std::make_unique<OssBodySink>()) {
  for (const auto& h : headers) {
    std::string name(h.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    headers_.emplace(name, std::string(h.value()));
  }
  user_agent_ = header("user-agent");
  auto u = boost::urls::parse_origin_form(target);
  std::string path = u ? std::string(u->path()) : "";
  if (u)
    for (auto p : u->params()) query_.emplace(p.key, p.has_value ? std::string(p.value) : "");
  path = path.substr(std::min(path.size(), std::string(kOssPrefix).size()));
  const auto slash = path.find('/');
  bucket_ = path.substr(0, slash);
  key_ = slash == std::string::npos ? "" : path.substr(slash + 1);

  const bool has_upload_id = query_.count("uploadId") > 0;
  if (method_ == "PUT" && query_.count("partNumber") && has_upload_id)
    op_ = Op::Part;
  else if (method_ == "PUT" && !has_upload_id)
    op_ = Op::Put;
  else if (method_ == "POST" && query_.count("uploads"))
    op_ = Op::Initiate;
  else if (method_ == "POST" && has_upload_id)
    op_ = Op::Complete;
  else if (method_ == "DELETE" && has_upload_id)
    op_ = Op::Abort;

  if (!u) {
    early_ = oss_error(400, "InvalidURI", "bad request target");
  } else if (op_ == Op::Other) {
    early_ = oss_error(405, "MethodNotAllowed", "fake115's OSS does PutObject and multipart uploads only");
  } else if (bucket_ != emu_.opts.oss_bucket) {
    early_ = oss_error(404, "NoSuchBucket", "The specified bucket does not exist.", {{"BucketName", bucket_}});
  } else if (key_.empty()) {
    early_ = oss_error(400, "InvalidObjectName", "The object name is empty.");
  } else if (auto denied = authorize()) {
    early_ = std::move(denied);
  } else if (auto fault = take_fault(op_name())) {
    early_ = std::move(fault);
  }
  if (early_) return;

  std::lock_guard lk(emu_.write_mu);
  auto& mp = emu_.uploads.multipart;
  if (op_ == Op::Put) {
    sink_ = std::make_unique<OssBodySink>(emu_.uploads.new_object_path());
  } else if (op_ == Op::Part || op_ == Op::Complete || op_ == Op::Abort) {
    auto it = mp.find(param("uploadId"));
    if (it == mp.end() || it->second.key != key_) {
      early_ = oss_error(404, "NoSuchUpload", "The specified upload does not exist.", {{"UploadId", param("uploadId")}});
      return;
    }
    if (op_ == Op::Part) {
      try {
        part_number_ = std::stoi(param("partNumber"));
      } catch (...) {
        part_number_ = 0;
      }
      if (part_number_ < 1 || part_number_ > kMaxPartNumber) {
        early_ = oss_error(400, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive.");
        return;
      }
      sink_ = std::make_unique<OssBodySink>(it->second.dir + "/" + std::to_string(part_number_) + "." + random_hex(8));
    }
  }
}

std::string OssExchange::header(const std::string& name) const {
  auto it = headers_.find(name);
  return it == headers_.end() ? "" : it->second;
}

std::string OssExchange::param(const std::string& name) const {
  auto it = query_.find(name);
  return it == query_.end() ? "" : it->second;
}

std::string OssExchange::op_name() const {
  switch (op_) {
    case Op::Put: return "put";
    case Op::Initiate: return "initiate";
    case Op::Part: return "part";
    case Op::Complete: return "complete";
    case Op::Abort: return "abort";
    case Op::Other: break;
  }
  return "other";
}

std::optional<OssReply> OssExchange::take_fault(const std::string& step) {
  auto mode = emu_.faults.take("oss:" + step);
  if (!mode) return std::nullopt;
  return oss_fault_reply(*mode);
}

// STS token first (it must belong to a live credential), then the V1 signature over the canonical string.
std::optional<OssReply> OssExchange::authorize() {
  const std::string auth = header("authorization");
  if (auth.rfind("OSS4-HMAC-SHA256", 0) == 0)
    return oss_error(400, "InvalidArgument", "fake115's OSS checks V1 signatures (Authorization: OSS id:signature) only");
  if (auth.rfind("OSS ", 0) != 0 || auth.find(':') == std::string::npos)
    return oss_error(403, "AccessDenied", "Authorization header missing or not \"OSS AccessKeyId:Signature\".");
  const std::string key_id = auth.substr(4, auth.rfind(':') - 4), signature = auth.substr(auth.rfind(':') + 1);
  StsCredentials cred;
  {
    std::lock_guard lk(emu_.write_mu);
    auto it = emu_.uploads.sts.find(key_id);
    if (it == emu_.uploads.sts.end())
      return oss_error(403, "InvalidAccessKeyId", "The OSS Access Key Id you provided does not exist in our records.",
                       {{"OSSAccessKeyId", key_id}});
    cred = it->second;
  }
  auto token = headers_.find("x-oss-security-token");
  if (token == headers_.end() || token->second.empty())
    return oss_error(403, "InvalidAccessKeyId", "The security token is missing: STS credentials need x-oss-security-token.");
  if (!same_secret(token->second, cred.token))
    return oss_error(403, "InvalidSecurityToken", "The security token you provided is invalid.");
  if (cred.expires_at <= unix_now()) return oss_error(403, "SecurityTokenExpired", "The security token you provided has expired.");

  std::string oss_headers;  // std::map keeps them sorted by (lower-case) name
  for (const auto& [k, v] : headers_)
    if (k.rfind("x-oss-", 0) == 0) oss_headers += k + ":" + v + "\n";
  std::string resource = "/" + bucket_ + "/" + key_, sep = "?";
  for (const auto& [k, v] : query_) {  // sorted too
    if (!signed_subresources().count(k)) continue;
    resource += sep + k + (v.empty() ? "" : "=" + v);
    sep = "&";
  }
  auto string_to_sign = [&](const std::string& date) {
    return method_ + "\n" + header("content-md5") + "\n" + header("content-type") + "\n" + date + "\n" +
           oss_headers + resource;
  };
  // The date is the Date header, or x-oss-date when present (the doc says x-oss-date wins): both accepted.
  std::vector<std::string> dates = {header("date")};
  if (headers_.count("x-oss-date")) dates.push_back(header("x-oss-date"));
  for (const auto& d : dates)
    if (same_secret(hmac_sha1_base64(cred.secret, string_to_sign(d)), signature)) return std::nullopt;
  return oss_error(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.",
                   {{"StringToSign", string_to_sign(dates.front())}, {"OSSAccessKeyId", key_id}});
}

void OssExchange::record(unsigned status, const std::string& result) {
  nlohmann::json fields = {{"bucket", bucket_}, {"object", key_}};
  for (const char* k : {"uploadId", "partNumber"})
    if (query_.count(k)) fields[k] = param(k);
  emu_.stats.record({method_, "oss:" + op_name(), std::move(fields), user_agent_, "", status, result});
}

OssReply OssExchange::finish(const std::string& small_body) {
  switch (op_) {
    case Op::Put: return put_object();
    case Op::Initiate: return initiate();
    case Op::Part: return upload_part();
    case Op::Complete: return complete(small_body);
    case Op::Abort: return abort();
    case Op::Other: break;
  }
  return oss_error(405, "MethodNotAllowed", "unsupported");
}

namespace {

// Content-MD5 (base64 of the raw MD5), when the client sent one.
std::optional<OssReply> check_digest(const std::map<std::string, std::string>& headers, const std::string& md5_raw) {
  auto it = headers.find("content-md5");
  if (it == headers.end()) return std::nullopt;
  auto claimed = base64_decode(it->second);
  if (!claimed || claimed->size() != 16) return oss_error(400, "InvalidDigest", "The Content-MD5 you specified is not valid.");
  if (*claimed != md5_raw)
    return oss_error(400, "BadDigest", "The Content-MD5 you specified did not match what we received.",
                     {{"ExpectedMD5", it->second}, {"CalculatedMD5", base64_encode(reinterpret_cast<const unsigned char*>(md5_raw.data()), md5_raw.size())}});
  return std::nullopt;
}

}  // namespace

OssReply OssExchange::put_object() {
  const bool ok = sink_->finish();
  std::error_code ec;
  if (!ok) {
    std::filesystem::remove(sink_->path(), ec);
    return oss_error(500, "InternalError", "fake115 could not store the object");
  }
  if (auto bad = check_digest(headers_, sink_->md5_raw())) {
    std::filesystem::remove(sink_->path(), ec);
    return *bad;
  }
  StoredObject obj{bucket_, key_, sink_->path(), "\"" + hex_upper(sink_->md5_raw()) + "\"", sink_->size(), sink_->sha1_hex()};
  OssReply plain;
  plain.result = "ok";
  plain.content_type.clear();
  plain.headers.emplace_back("ETag", obj.etag);
  plain.headers.emplace_back("x-oss-request-id", random_hex(24, true));
  return with_callback(obj, std::move(plain));
}

OssReply OssExchange::initiate() {
  const std::string id = random_hex(32, true);
  {
    std::lock_guard lk(emu_.write_mu);
    emu_.uploads.multipart[id] = {bucket_, key_, emu_.uploads.new_part_dir(id), {}};
  }
  OssReply r;
  r.result = "ok";
  r.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InitiateMultipartUploadResult>\n  <Bucket>" + xml_escape(bucket_) +
           "</Bucket>\n  <Key>" + xml_escape(key_) + "</Key>\n  <UploadId>" + id + "</UploadId>\n</InitiateMultipartUploadResult>\n";
  return r;
}

OssReply OssExchange::upload_part() {
  const bool ok = sink_->finish();
  std::error_code ec;
  if (!ok) {
    std::filesystem::remove(sink_->path(), ec);
    return oss_error(500, "InternalError", "fake115 could not store the part");
  }
  if (auto bad = check_digest(headers_, sink_->md5_raw())) {
    std::filesystem::remove(sink_->path(), ec);
    return *bad;
  }
  const std::string etag = hex_upper(sink_->md5_raw());
  {
    std::lock_guard lk(emu_.write_mu);
    auto it = emu_.uploads.multipart.find(param("uploadId"));
    if (it == emu_.uploads.multipart.end()) {  // aborted or completed while the body was arriving
      std::filesystem::remove(sink_->path(), ec);
      return oss_error(404, "NoSuchUpload", "The specified upload does not exist.");
    }
    auto& slot = it->second.parts[part_number_];
    if (!slot.path.empty()) std::filesystem::remove(slot.path, ec);  // a part sent again replaces the old one
    slot = {sink_->path(), etag, sink_->size()};
  }
  OssReply r;
  r.result = "ok";
  r.content_type.clear();
  r.headers.emplace_back("ETag", "\"" + etag + "\"");
  return r;
}

OssReply OssExchange::complete(const std::string& xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size()) || !doc.child("CompleteMultipartUpload"))
    return oss_error(400, "MalformedXML", "The XML you provided was not well-formed or did not validate.");
  std::vector<std::pair<int, std::string>> listed;
  for (auto p : doc.child("CompleteMultipartUpload").children("Part")) {
    std::string etag = p.child_value("ETag");
    etag.erase(std::remove(etag.begin(), etag.end(), '"'), etag.end());
    listed.emplace_back(p.child("PartNumber").text().as_int(0), to_upper(etag));
  }
  if (listed.empty()) return oss_error(400, "MalformedXML", "The XML you provided lists no part.");
  std::vector<OssPart> parts;
  std::string dir;
  {
    std::lock_guard lk(emu_.write_mu);
    auto it = emu_.uploads.multipart.find(param("uploadId"));
    if (it == emu_.uploads.multipart.end()) return oss_error(404, "NoSuchUpload", "The specified upload does not exist.");
    for (std::size_t i = 0; i < listed.size(); ++i) {
      if (i > 0 && listed[i].first <= listed[i - 1].first)
        return oss_error(400, "InvalidPartOrder", "The list of parts was not in ascending order.");
      auto p = it->second.parts.find(listed[i].first);
      if (p == it->second.parts.end() || p->second.etag != listed[i].second)
        return oss_error(400, "InvalidPart", "One or more of the specified parts could not be found or the ETag did not match.",
                         {{"PartNumber", std::to_string(listed[i].first)}});
      if (i + 1 < listed.size() && p->second.size < kMinPartSize)
        return oss_error(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size.",
                         {{"PartNumber", std::to_string(listed[i].first)},
                          {"MinSizeAllowed", std::to_string(kMinPartSize)},
                          {"ProposedSize", std::to_string(p->second.size)}});
      parts.push_back(p->second);
    }
    dir = it->second.dir;
    emu_.uploads.multipart.erase(it);  // from here on the upload id is spent
  }
  // Join the parts into one object file (streamed), hashing on the way.
  OssBodySink object(
      [&] {
        std::lock_guard lk(emu_.write_mu);
        return emu_.uploads.new_object_path();
      }(),
      false);
  std::string md5s;
  std::vector<char> buf(1 << 20);
  for (const auto& p : parts) {
    md5s += unhex(p.etag);
    ContentReader reader({"", p.size, p.path});
    for (std::uint64_t off = 0; off < p.size;) {
      std::size_t n = reader.read(off, buf.data(), buf.size());
      object.write(buf.data(), n);
      off += n;
    }
  }
  const bool ok = object.finish();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (!ok) return oss_error(500, "InternalError", "fake115 could not join the parts");
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_Digest(md5s.data(), md5s.size(), md, &len, EVP_md5(), nullptr);
  const std::string etag = "\"" + hex_upper(std::string(reinterpret_cast<char*>(md), len)) + "-" + std::to_string(parts.size()) + "\"";
  StoredObject obj{bucket_, key_, object.path(), etag, object.size(), object.sha1_hex()};
  OssReply plain;
  plain.result = "ok";
  plain.headers.emplace_back("ETag", etag);
  plain.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CompleteMultipartUploadResult>\n  <Location>" +
               xml_escape(emu_.cdn_base() + kOssPrefix + bucket_ + "/" + key_) + "</Location>\n  <Bucket>" +
               xml_escape(bucket_) + "</Bucket>\n  <Key>" + xml_escape(key_) + "</Key>\n  <ETag>" + xml_escape(etag) +
               "</ETag>\n</CompleteMultipartUploadResult>\n";
  return with_callback(obj, std::move(plain));
}

OssReply OssExchange::abort() {
  std::string dir;
  {
    std::lock_guard lk(emu_.write_mu);
    auto it = emu_.uploads.multipart.find(param("uploadId"));
    if (it == emu_.uploads.multipart.end()) return oss_error(404, "NoSuchUpload", "The specified upload does not exist.");
    dir = it->second.dir;
    emu_.uploads.multipart.erase(it);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  OssReply r;
  r.status = 204;
  r.result = "ok";
  r.content_type.clear();
  return r;
}

// With x-oss-callback, OSS answers with whatever 115's callback said (200 + its JSON), or 203
// CallbackFailed when 115 refused (the object stays in OSS, but no file appears on the drive).
OssReply OssExchange::with_callback(const StoredObject& obj, OssReply plain) {
  auto cb = headers_.find("x-oss-callback");
  if (cb == headers_.end()) return plain;
  if (auto mode = emu_.faults.take("oss:callback")) {
    if (*mode == FaultMode::Reset) {
      OssReply r;
      r.reset = true;
      r.result = "callback_reset";
      return r;
    }
    OssReply r = oss_error(203, "CallbackFailed", "Response body is not valid json format. (injected: " + to_string(*mode) + ")");
    r.headers.insert(r.headers.end(), plain.headers.begin(), plain.headers.end());
    return r;
  }
  auto var = headers_.find("x-oss-callback-var");
  CallbackOutcome out = run_upload_callback(emu_, obj, cb->second, var == headers_.end() ? "" : var->second);
  if (out.kind == CallbackOutcome::BadConfig) return oss_error(400, "InvalidArgument", out.body);
  if (out.kind == CallbackOutcome::Failed) {
    OssReply r = oss_error(203, "CallbackFailed", "Error status : 400. " + out.body);
    r.headers.insert(r.headers.end(), plain.headers.begin(), plain.headers.end());
    return r;
  }
  plain.content_type = "application/json";
  plain.body = out.body;
  plain.result = "ok_callback";
  return plain;
}

}  // namespace dav115::fake115

namespace dav115::fake115 {

boost::asio::thread_pool& oss_blocking_pool() {
  static boost::asio::thread_pool pool(2);
  return pool;
}

}  // namespace dav115::fake115
