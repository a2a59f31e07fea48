#pragma once
// The emulated Aliyun OSS that uploads go to (path-style, under /oss/<bucket>/<object> on the same port):
// PutObject, InitiateMultipartUpload, UploadPart, CompleteMultipartUpload, AbortMultipartUpload, with
// STS security tokens, OSS V1 signatures, Content-MD5, the 100 KiB part minimum and the x-oss-callback
// that tells "115" (run_upload_callback, in-process) about the new object. Bodies go straight to disk.
// This file decides; oss_session.hpp moves the bytes.
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/http/fields.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emulator.hpp"

namespace dav115::fake115 {

inline constexpr const char* kOssPrefix = "/oss/";

// An object as OSS stored it, handed to the callback.
struct StoredObject {
  std::string bucket, key, path, etag;  // etag as OSS reports it (quoted, upper case)
  std::uint64_t size = 0;
  std::string sha1;  // upper case
};

struct CallbackOutcome {
  enum Kind { Ok, Failed, BadConfig } kind = Failed;
  std::string body;  // Ok: 115's JSON answer; else why
};

// What 115's upload callback does (endpoints_upload.cpp): match the object to its upload/init session,
// check size and SHA-1, create the file. The arguments are the request's base64 header values.
CallbackOutcome run_upload_callback(Emulator& emu, const StoredObject& obj, const std::string& callback_b64,
                                    const std::string& callback_var_b64);

std::string base64_encode(const unsigned char* data, std::size_t n);
std::optional<std::string> base64_decode(const std::string& in);

struct OssReply {
  unsigned status = 200;
  std::string content_type = "application/xml";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string result;   // for /__calls: "ok", an OSS error code or a fault name
  bool reset = false;   // close with RST, no answer
};

// Receives one request body: to a file (with MD5 and SHA-1 on the fly) or nowhere.
class OssBodySink {
 public:
  OssBodySink() = default;  // discards
  // `with_md5` false when only the SHA-1 is needed (joining parts: their MD5s are known).
  explicit OssBodySink(std::string path, bool with_md5 = true);
  ~OssBodySink();
  OssBodySink(const OssBodySink&) = delete;
  OssBodySink& operator=(const OssBodySink&) = delete;
  void write(const char* data, std::size_t n);
  // Closes the file; false when a write failed.
  bool finish();
  const std::string& path() const { return path_; }
  std::uint64_t size() const { return size_; }
  std::string md5_raw() const { return md5_; }  // after finish()
  std::string sha1_hex() const { return sha1_; }

 private:
  struct Hashes;
  std::string path_;
  int fd_ = -1;
  bool failed_ = false, with_md5_ = true;
  std::uint64_t size_ = 0;
  std::unique_ptr<Hashes> hashes_;
  std::string md5_, sha1_;
};

// One OSS request from its head to its answer.
class OssExchange {
 public:
  OssExchange(Emulator& emu, const std::string& method, const std::string& target,
              const boost::beast::http::fields& headers);
  // After the head: an answer that needs no body (auth failure, fault, unknown upload), or nullopt.
  const std::optional<OssReply>& early() const { return early_; }
  // Where the body goes (only when early() is empty).
  OssBodySink& sink() { return *sink_; }
  // After the body: the answer. May take seconds (a multipart complete joins and hashes the parts), so
  // the caller runs it off the I/O threads.
  OssReply finish(const std::string& small_body);
  // The XML body of CompleteMultipartUpload is read into memory, every other one to the sink.
  bool wants_body_in_memory() const { return op_ == Op::Complete; }
  void record(unsigned status, const std::string& result);

 private:
  enum class Op { Put, Initiate, Part, Complete, Abort, Other };
  std::optional<OssReply> authorize();
  std::optional<OssReply> take_fault(const std::string& step);
  OssReply put_object();
  OssReply initiate();
  OssReply upload_part();
  OssReply complete(const std::string& xml);
  OssReply abort();
  OssReply with_callback(const StoredObject& obj, OssReply plain);
  std::string op_name() const;
  std::string header(const std::string& lower_name) const;  // "" when absent
  std::string param(const std::string& name) const;

  Emulator& emu_;
  std::string method_, bucket_, key_, user_agent_;
  std::map<std::string, std::string> query_;
  std::map<std::string, std::string> headers_;  // lower-case names
  Op op_ = Op::Other;
  int part_number_ = 0;
  std::optional<OssReply> early_;
  std::unique_ptr<OssBodySink> sink_;
};

// Where slow OSS work runs (joining and hashing the parts of a big upload), away from the I/O threads.
boost::asio::thread_pool& oss_blocking_pool();

OssReply oss_error(unsigned status, const std::string& code, const std::string& message,
                   const std::vector<std::pair<std::string, std::string>>& extra = {});

}  // namespace dav115::fake115
