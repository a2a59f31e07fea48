#pragma once
// What the upload flow remembers between its steps: the STS credentials handed out by get_token, the
// sessions opened by upload/init (status 1), the pending sign checks (status 7), the OSS multipart uploads,
// and where uploaded bytes live on disk. Plain data guarded by Emulator::write_mu.
#include <cstdint>
#include <map>
#include <string>

namespace dav115::fake115 {

struct StsCredentials {
  std::string key_id, secret, token;
  std::int64_t expires_at = 0;  // unix seconds
};

// An upload/init that answered status 1: the callback must bring exactly these bytes.
struct UploadSession {
  std::string pick_code, bucket, object, target, parent_id, file_name, sha1, preid;
  std::uint64_t size = 0;
  std::string file_id;  // set once the callback created the file (a repeated callback answers the same)
};

// An upload/init that answered status 7.
struct SignChallenge {
  std::string sha1;        // of the whole file, upper case
  std::uint64_t size = 0;
  std::string expected;    // SHA-1 of the range, upper case
};

struct OssPart {
  std::string path, etag;  // etag: upper-case MD5 hex, no quotes
  std::uint64_t size = 0;
};

struct MultipartUpload {
  std::string bucket, key, dir;
  std::map<int, OssPart> parts;
};

class UploadState {
 public:
  // Creates dir/objects and dir/parts, empty; the uploaded bytes go there (never into memory).
  explicit UploadState(std::string dir);
  ~UploadState();  // removes them again
  UploadState(const UploadState&) = delete;
  UploadState& operator=(const UploadState&) = delete;

  const std::string dir;
  std::map<std::string, StsCredentials> sts;        // by AccessKeyId
  std::map<std::string, UploadSession> sessions;    // by pick code
  std::map<std::string, SignChallenge> challenges;  // by sign_key
  std::map<std::string, MultipartUpload> multipart; // by uploadId

  // A fresh file name under dir/objects (objects are never overwritten: files may still point at them).
  std::string new_object_path();
  std::string new_part_dir(const std::string& upload_id);

 private:
  std::uint64_t next_object_ = 1;
};

std::int64_t unix_now();
std::string to_upper(std::string s);

// n random characters of [0-9a-f] (or [0-9A-F]).
std::string random_hex(std::size_t n, bool upper = false);

}  // namespace dav115::fake115
