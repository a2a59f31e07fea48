#include "uploader.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <vector>

#include "oss_request.hpp"
#include "staged_file.hpp"
#include "upload_mapping.hpp"

namespace dav115::cloud115 {

namespace asio = boost::asio;
using Impl = OpenApiClient::Impl;

namespace {

constexpr std::uint64_t kMinPart = 100 * 1024;  // OSS refuses smaller parts (but the last)
constexpr std::uint64_t kMaxParts = 10000;
constexpr int kSignRounds = 2;

// Plain functions, not coroutines: GCC 12 miscompiles braced initializer lists inside coroutine frames.
net::Headers init_form(const UploadSource& src, const std::string& parent_id, const std::string& name) {
  return {{"file_name", name},       {"file_size", std::to_string(src.size)}, {"target", "U_1_" + parent_id},
          {"fileid", src.sha1},      {"preid", src.pre_sha1},                 {"topupload", "0"}};
}

oss::Spec spec_of(std::string method, std::string subresource, std::string content_type = {},
                  std::string content_md5 = {}, net::Headers oss_headers = {}, std::string body = {}) {
  oss::Spec s;
  s.method = std::move(method);
  s.subresource = std::move(subresource);
  s.content_type = std::move(content_type);
  s.content_md5 = std::move(content_md5);
  s.oss_headers = std::move(oss_headers);
  s.body = std::move(body);
  return s;
}

net::Headers callback_headers(const upload_mapping::InitReply& init) {
  net::Headers h{{"x-oss-callback", oss::base64(init.callback)}};
  if (!init.callback_var.empty()) h.emplace_back("x-oss-callback-var", oss::base64(init.callback_var));
  return h;
}

ApiError failure(const std::string& step, const std::string& why, ErrorKind kind = ErrorKind::Unavailable) {
  return ApiError(kind, 0, "upload: " + step + " failed: " + why);
}

// "HTTP 403 SignatureDoesNotMatch: ..." from an OSS answer.
std::string describe(const net::Response& r) {
  std::string s = "HTTP " + std::to_string(r.status);
  const std::string code = oss::xml_value(r.body, "Code"), msg = oss::xml_value(r.body, "Message");
  if (!code.empty()) s += " " + code;
  if (!msg.empty()) s += ": " + msg;
  return s;
}

// OSS refused the STS credentials themselves: fetching new ones may help.
bool credentials_refused(const net::Response& r) {
  const std::string code = oss::xml_value(r.body, "Code");
  return r.status == 403 && (code == "SecurityTokenExpired" || code == "InvalidAccessKeyId" || code == "InvalidSecurityToken");
}

std::uint64_t now_unix() { return static_cast<std::uint64_t>(unix_now()); }

std::string complete_xml(const std::vector<std::string>& etags) {
  std::string x = "<CompleteMultipartUpload>";
  for (std::size_t i = 0; i < etags.size(); ++i)
    x += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + etags[i] + "</ETag></Part>";
  return x + "</CompleteMultipartUpload>";
}

}  // namespace

// Coroutine frames hold these: kept out of the anonymous namespace (GCC's -Wsubobject-linkage).
namespace upload_detail {

// A blocking file read or hash, run on the pool; co_spawn with use_awaitable resumes on the caller's
// own executor.
template <class Fn>
asio::awaitable<std::invoke_result_t<Fn&>> on_pool(asio::any_io_executor pool, Fn fn) {
  auto job = [fn = std::move(fn)]() -> asio::awaitable<std::invoke_result_t<Fn&>> { co_return fn(); };
  auto op = asio::co_spawn(pool, std::move(job), asio::use_awaitable);
  co_return co_await std::move(op);
}

// The OSS side of one upload.
struct OssUpload {
  std::shared_ptr<Impl> impl;
  UploadSource src;
  upload_mapping::InitReply init;
  CallOptions opts;
  config::Upload cfg;
  oss::Credentials cred;

  oss::Target target() const {
    oss::Target t;
    t.endpoint = cfg.oss_endpoint.empty() ? cred.endpoint : cfg.oss_endpoint;
    t.path_style = cfg.oss_path_style;
    t.bucket = init.bucket;
    t.object = init.object;
    return t;
  }
  std::chrono::milliseconds timeout() const { return std::chrono::duration_cast<std::chrono::milliseconds>(cfg.oss_timeout); }

  // Sends one request; throws the TransportError.
  asio::awaitable<net::Response> send(oss::Spec spec) {
    spec.timeout = timeout();
    auto req = oss::build(cred, target(), std::move(spec), static_cast<std::int64_t>(now_unix()));
    co_return co_await impl->http.request(std::move(req));
  }

  asio::awaitable<staged_file::Chunk> read(std::uint64_t offset, std::uint64_t len) {
    std::string path = src.path;
    try {
      auto reading =
          on_pool(impl->blocking_ex, [path, offset, len] { return staged_file::read_chunk(path, offset, len); });
      co_return co_await std::move(reading);
    } catch (const std::exception& e) {
      throw failure("reading the staged file", e.what(), ErrorKind::Other);
    }
  }

  // The answer to PutObject/Complete with the callback: 115's JSON, or why not.
  Entry created_file(const net::Response& r, const std::string& step) {
    if (r.status != 200) throw failure(step, describe(r), r.status >= 500 ? ErrorKind::Unavailable : ErrorKind::Other);
    auto outcome = mapping::classify(r.status, r.body);
    if (!outcome.ok) throw failure(step + " callback", outcome.message, outcome.kind);
    Entry e = upload_mapping::parse_callback_entry(outcome.body);
    if (e.size != src.size) throw failure(step + " callback", "115 recorded " + std::to_string(e.size) + " bytes, not " + std::to_string(src.size));
    return e;
  }

  // A first request refused for its credentials is sent once more with fresh ones (nothing was stored).
  asio::awaitable<bool> renew_if_refused(const net::Response& r, bool& renewed) {
    if (renewed || !credentials_refused(r)) co_return false;
    renewed = true;
    impl->forget_sts(cred.key_id);
    cred = co_await impl->sts_credentials(opts);
    co_return true;
  }

  asio::awaitable<Entry> put_object() {
    bool renewed = false;
    for (;;) {
      auto chunk = co_await read(0, src.size);
      auto spec = spec_of("PUT", "", "application/octet-stream", chunk.md5_base64, callback_headers(init), std::move(chunk.data));
      std::optional<net::Response> resp;
      try {
        resp = co_await send(std::move(spec));
      } catch (const net::TransportError& e) {
        // The callback may have created the file: not sent again.
        ApiError err = failure("OSS PutObject", e.what());
        err.uncertain = true;
        throw err;
      }
      if (co_await renew_if_refused(*resp, renewed)) continue;
      co_return created_file(*resp, "OSS PutObject");
    }
  }

  asio::awaitable<std::string> initiate() {
    bool renewed = false;
    for (;;) {
      std::optional<net::Response> resp;
      try {
        resp = co_await send(spec_of("POST", "uploads"));
      } catch (const net::TransportError& e) {
        throw failure("OSS InitiateMultipartUpload", e.what());
      }
      if (co_await renew_if_refused(*resp, renewed)) continue;
      const std::string id = oss::xml_value(resp->body, "UploadId");
      if (resp->status != 200 || id.empty()) throw failure("OSS InitiateMultipartUpload", describe(*resp));
      co_return id;
    }
  }

  // One part, sent again up to part_retries times (a part is idempotent). Returns its ETag.
  asio::awaitable<std::string> part(const std::string& upload_id, int number, std::uint64_t offset, std::uint64_t len) {
    const std::string step = "OSS UploadPart " + std::to_string(number);
    std::string why;
    for (int attempt = 0; attempt <= std::max(0, cfg.part_retries); ++attempt) {
      auto chunk = co_await read(offset, len);  // read again on a retry: one part in memory at a time
      auto spec = spec_of("PUT", "partNumber=" + std::to_string(number) + "&uploadId=" + upload_id,
                          "application/octet-stream", chunk.md5_base64, net::Headers(), std::move(chunk.data));
      try {
        auto resp = co_await send(std::move(spec));
        const std::string etag = resp.header("ETag");
        if (resp.status == 200 && !etag.empty()) co_return etag;
        why = describe(resp) + (etag.empty() && resp.status == 200 ? " without ETag" : "");
      } catch (const net::TransportError& e) {
        why = e.what();
      }
      spdlog::info("cloud115: upload of {}: {} attempt {} failed: {}", init.object, step, attempt + 1, why);
    }
    throw failure(step, why + " (after " + std::to_string(std::max(0, cfg.part_retries) + 1) + " attempts)");
  }

  asio::awaitable<Entry> complete(const std::string& upload_id, const std::vector<std::string>& etags) {
    std::string xml = complete_xml(etags);
    const std::string md5 = oss::md5_base64(xml.data(), xml.size());
    auto spec = spec_of("POST", "uploadId=" + upload_id, "application/xml", md5, callback_headers(init), std::move(xml));
    std::optional<net::Response> resp;
    try {
      resp = co_await send(std::move(spec));
    } catch (const net::TransportError& e) {
      ApiError err = failure("OSS CompleteMultipartUpload", e.what());
      err.uncertain = true;  // the callback may have created the file
      throw err;
    }
    co_return created_file(*resp, "OSS CompleteMultipartUpload");
  }

  // Best effort: the parts would otherwise linger (and cost) on OSS.
  asio::awaitable<void> abort(const std::string& upload_id) {
    try {
      auto resp = co_await send(spec_of("DELETE", "uploadId=" + upload_id));
      if (resp.status != 204 && resp.status != 200 && resp.status != 404)
        spdlog::warn("cloud115: aborting multipart upload of {}: {}", init.object, describe(resp));
    } catch (const std::exception& e) {
      spdlog::warn("cloud115: aborting multipart upload of {}: {}", init.object, e.what());
    }
  }

  asio::awaitable<Entry> multipart() {
    const std::string upload_id = co_await initiate();
    const std::uint64_t part_len = part_size_for(src.size, cfg.part_bytes);
    std::exception_ptr failed;
    Entry entry;
    try {
      std::vector<std::string> etags;
      for (std::uint64_t off = 0; off < src.size; off += part_len)
        etags.push_back(co_await part(upload_id, static_cast<int>(etags.size() + 1), off, std::min(part_len, src.size - off)));
      entry = co_await complete(upload_id, etags);
    } catch (...) {
      failed = std::current_exception();
    }
    if (failed) {
      co_await abort(upload_id);  // not inside the catch: no co_await there
      std::rethrow_exception(failed);
    }
    co_return entry;
  }

};

}  // namespace upload_detail

namespace {

asio::awaitable<upload_mapping::InitReply> call_init(std::shared_ptr<Impl> impl, net::Headers form, CallOptions opts) {
  std::string base;
  {
    std::lock_guard lk(impl->mu);
    base = impl->cfg.api_base;
  }
  Impl::Call c{"POST", base, "/open/upload/init", std::move(form), std::string()};
  auto body = co_await impl->call(std::move(c), opts);
  co_return upload_mapping::parse_init(body);
}

Entry instant_entry(const upload_mapping::InitReply& init, const UploadSource& src, const std::string& parent_id,
                    const std::string& name) {
  Entry e;
  e.id = init.file_id;
  e.pick_code = init.pick_code;
  e.parent_id = parent_id;
  e.name = name;
  e.size = src.size;
  e.sha1 = src.sha1;
  e.mtime = e.ctime = unix_now();
  return e;
}

}  // namespace

std::uint64_t part_size_for(std::uint64_t size, std::uint64_t configured) {
  std::uint64_t part = std::max(configured, kMinPart);
  const std::uint64_t needed = (size + kMaxParts - 1) / kMaxParts;
  if (needed > part) {
    constexpr std::uint64_t MiB = 1 << 20;
    part = (needed + MiB - 1) / MiB * MiB;
  }
  return part;
}

asio::awaitable<oss::Credentials> Impl::sts_credentials(CallOptions opts) {
  auto self = shared_from_this();
  std::string base;
  {
    std::lock_guard lk(mu);
    // Kept until 5 minutes before they expire: a part in flight must not outlive them.
    if (sts && sts->expires_at - 300 > unix_now()) co_return *sts;
    base = cfg.api_base;
  }
  Call c{"GET", base, "/open/upload/get_token", net::Headers(), std::string()};
  auto body = co_await call(std::move(c), opts);
  auto cred = upload_mapping::parse_sts(body);
  {
    std::lock_guard lk(mu);
    sts = cred;
  }
  co_return cred;
}

void Impl::forget_sts(const std::string& key_id) {
  std::lock_guard lk(mu);
  if (sts && sts->key_id == key_id) sts.reset();
}

asio::awaitable<UploadResult> run_upload(std::shared_ptr<Impl> impl, UploadSource src, std::string parent_id,
                                         std::string name, CallOptions opts) {
  const net::Headers form = init_form(src, parent_id, name);
  auto init = co_await call_init(impl, form, opts);
  for (int round = 0; init.needs_sign_check() && round < kSignRounds; ++round) {
    // 115 asks for proof that we hold the bytes: the SHA-1 of an inclusive byte range of them.
    auto range = upload_mapping::parse_sign_range(init.sign_check, src.size);
    if (!range) throw failure("upload/init sign check", "unusable range \"" + init.sign_check + "\"");
    std::string sign_val;
    try {
      auto hashing = upload_detail::on_pool(impl->blocking_ex, [path = src.path, first = range->first,
                                                                last = range->second] {
        return staged_file::sha1_of_range(path, first, last);
      });
      sign_val = co_await std::move(hashing);
    } catch (const std::exception& e) {
      throw failure("reading the staged file", e.what(), ErrorKind::Other);
    }
    net::Headers second = form;
    second.emplace_back("sign_key", init.sign_key);
    second.emplace_back("sign_val", sign_val);
    init = co_await call_init(impl, std::move(second), opts);
  }
  UploadResult result;
  if (init.status == 2) {
    if (init.file_id.empty()) throw failure("upload/init", "instant upload without file_id");
    result.entry = instant_entry(init, src, parent_id, name);
    result.instant = true;
    co_return result;
  }
  if (init.status != 1) throw failure("upload/init", "unexpected status " + std::to_string(init.status));
  if (init.bucket.empty() || init.object.empty() || init.callback.empty())
    throw failure("upload/init", "status 1 without bucket, object or callback");

  upload_detail::OssUpload up;
  up.impl = impl;
  up.src = src;
  up.init = init;
  up.opts = opts;
  {
    std::lock_guard lk(impl->mu);
    up.cfg = impl->upload_cfg;
  }
  up.cred = co_await impl->sts_credentials(opts);
  const bool multipart = src.size > 0 && src.size >= up.cfg.multipart_threshold_bytes;
  if (multipart)
    result.entry = co_await up.multipart();
  else
    result.entry = co_await up.put_object();
  if (result.entry.name.empty()) result.entry.name = name;
  if (result.entry.parent_id.empty()) result.entry.parent_id = parent_id;
  if (result.entry.sha1.empty()) result.entry.sha1 = src.sha1;
  result.entry.mtime = result.entry.ctime = unix_now();
  result.bytes_sent = src.size;
  spdlog::info("cloud115: uploaded {} ({} bytes, {}) as file {}", name, src.size, multipart ? "multipart" : "PutObject",
               result.entry.id);
  co_return result;
}

}  // namespace dav115::cloud115
