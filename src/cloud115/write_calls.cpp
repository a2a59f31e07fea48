// The write endpoints (115-open-api.md §3.6–3.10: folder/add, ufile/move|copy|update|delete) and the
// entry point of the upload flow (uploader.cpp). Each is one call through Impl::call at the caller's
// priority; call() never sends a write twice once it may have reached 115 (ApiError::uncertain).
#include <spdlog/spdlog.h>

#include "client_impl.hpp"
#include "uploader.hpp"

namespace dav115::cloud115 {

namespace asio = boost::asio;
using Impl = OpenApiClient::Impl;

namespace {

std::string join(const std::vector<std::string>& ids) {
  std::string s;
  for (const auto& id : ids) s += (s.empty() ? "" : ",") + id;
  return s;
}

// Plain functions, not coroutines: GCC 12 miscompiles braced initializer lists inside coroutine frames.
net::Headers two(const char* k1, std::string v1, const char* k2, std::string v2) {
  return {{k1, std::move(v1)}, {k2, std::move(v2)}};
}
net::Headers copy_form(const std::vector<std::string>& ids, const std::string& to_cid) {
  // nodupli=0: duplicates allowed (the doc's spelling and default); 115 names the copy itself.
  return {{"pid", to_cid}, {"file_id", join(ids)}, {"nodupli", "0"}};
}

std::string api_base(Impl& impl) {
  std::lock_guard lk(impl.mu);
  return impl.cfg.api_base;
}

asio::awaitable<nlohmann::json> post(std::shared_ptr<Impl> impl, std::string path, net::Headers form, CallOptions opts) {
  Impl::Call c{"POST", api_base(*impl), std::move(path), std::move(form), std::string()};
  co_return co_await impl->call(std::move(c), opts);
}

// copy, move and delete wait for their turn: 115 asks for one at a time per account.
asio::awaitable<void> post_serialised(std::shared_ptr<Impl> impl, std::string path, net::Headers form, CallOptions opts) {
  auto turn = co_await impl->bulk_gate.enter();
  if (SteadyClock::now() >= opts.deadline)
    throw ApiError(ErrorKind::Unavailable, 0, path + ": waited past the deadline for an earlier copy/move/delete",
                   std::chrono::seconds(1));
  co_await post(impl, std::move(path), std::move(form), opts);
}

void require_ids(const std::vector<std::string>& ids, const char* what) {
  if (ids.empty()) throw ApiError(ErrorKind::Other, 0, std::string(what) + " of no ids");
}

}  // namespace

asio::awaitable<Entry> OpenApiClient::make_folder(std::string parent_id, std::string name, CallOptions opts) {
  auto impl = impl_;
  nlohmann::json body;
  try {
    body = co_await post(impl, "/open/folder/add", two("pid", parent_id, "file_name", name), opts);
  } catch (const ApiError& e) {
    if (e.code != 20004) throw;
    ApiError exists(ErrorKind::AlreadyExists, e.code, e.what());
    throw exists;
  }
  const auto& d = body.contains("data") ? body["data"] : body;
  Entry e;
  e.id = d.is_object() && d.contains("file_id") ? mapping::as_string(d["file_id"]).value_or("") : "";
  if (e.id.empty()) throw ApiError(ErrorKind::Unavailable, 0, "folder/add answered without file_id");
  e.parent_id = parent_id;
  e.name = d.contains("file_name") ? mapping::as_string(d["file_name"]).value_or(name) : name;
  e.is_dir = true;
  e.mtime = e.ctime = unix_now();
  co_return e;
}

asio::awaitable<void> OpenApiClient::move(std::vector<std::string> ids, std::string to_cid, CallOptions opts) {
  require_ids(ids, "move");
  co_await post_serialised(impl_, "/open/ufile/move", two("file_ids", join(ids), "to_cid", to_cid), opts);
}

asio::awaitable<void> OpenApiClient::copy(std::vector<std::string> ids, std::string to_cid, CallOptions opts) {
  require_ids(ids, "copy");
  co_await post_serialised(impl_, "/open/ufile/copy", copy_form(ids, to_cid), opts);
}

asio::awaitable<void> OpenApiClient::rename(std::string id, std::string new_name, CallOptions opts) {
  co_await post(impl_, "/open/ufile/update", two("file_id", id, "file_name", new_name), opts);
}

asio::awaitable<void> OpenApiClient::remove(std::vector<std::string> ids, std::string parent_id, CallOptions opts) {
  require_ids(ids, "delete");
  co_await post_serialised(impl_, "/open/ufile/delete", two("file_ids", join(ids), "parent_id", parent_id), opts);
}

asio::awaitable<UploadResult> OpenApiClient::upload(UploadSource source, std::string parent_id, std::string name,
                                                    CallOptions opts) {
  return run_upload(impl_, std::move(source), std::move(parent_id), std::move(name), opts);
}

void OpenApiClient::set_upload_options(const config::Upload& upload) {
  std::lock_guard lk(impl_->mu);
  impl_->upload_cfg = upload;
}

}  // namespace dav115::cloud115
