// MKCOL (RFC 4918 §9.3) and DELETE (§9.6): one 115 call each, after the checks the RFC asks for.
#include "dav115/serve/request_path.hpp"
#include "dav115/webdav/depth_header.hpp"
#include "write_support.hpp"

namespace dav115::webdav {

boost::asio::awaitable<util::HttpResponse> Handler::mkcol(const util::HttpRequest& req) {
  serve::PathDecodeResult target = serve::decode_request_path(req.target, opts_.mount_path);
  if (!target.ok()) co_return util::text_response(target.status, target.reason);
  // No MKCOL body format is defined by RFC 4918 (extended MKCOL is not supported).
  if (!req.body.empty()) co_return util::text_response(415, "MKCOL with a body is not supported");
  const auto deadline = std::chrono::steady_clock::now() + opts_.client_deadline;
  std::exception_ptr failure;
  Target t;
  vfs::Node made;
  try {
    auto resolving = resolve(target.path.lookup_segments, deadline);
    t = co_await std::move(resolving);
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) co_return write_failure_response(failure, 405);
  if (t.node) {
    auto r = util::text_response(405, "that name exists already");
    r.set("Allow", std::string(kAllowedMethodsWritable));
    co_return r;
  }
  if (!t.parent) co_return conflict("the parent folder does not exist");
  auto checking = check_write_conditions(req, target.path.lookup_segments, t.node, WriteScope{false, true});
  if (auto refusal = co_await std::move(checking)) co_return std::move(*refusal);
  try {
    auto creating = tree_.make_folder(*t.parent, t.name, deadline);
    made = co_await std::move(creating);
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) co_return write_failure_response(failure, 405);
  util::HttpResponse r;
  r.status = 201;
  r.set("Content-Length", "0");
  co_return r;
}

boost::asio::awaitable<util::HttpResponse> Handler::remove(const util::HttpRequest& req) {
  serve::PathDecodeResult target = serve::decode_request_path(req.target, opts_.mount_path);
  if (!target.ok()) co_return util::text_response(target.status, target.reason);
  if (target.path.segments.empty()) co_return util::text_response(403, "the root folder cannot be deleted");
  // A collection is always deleted with everything in it (§9.6.1): any other Depth is an error.
  if (auto depth = req.header("Depth"); depth && parse_depth(*depth) != Depth::Infinity)
    co_return util::text_response(400, "DELETE takes Depth: infinity or no Depth header");
  const auto deadline = std::chrono::steady_clock::now() + opts_.client_deadline;
  std::exception_ptr failure;
  Target t;
  try {
    auto resolving = resolve(target.path.lookup_segments, deadline);
    t = co_await std::move(resolving);
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) co_return write_failure_response(failure, 409);
  if (!t.node || (target.path.trailing_slash && !t.node->is_dir)) co_return util::text_response(404, "Not Found");
  auto checking = check_write_conditions(req, target.path.lookup_segments, t.node, WriteScope{t.node->is_dir, true});
  if (auto refusal = co_await std::move(checking)) co_return std::move(*refusal);
  try {
    auto removing = tree_.remove(*t.parent, *t.node, deadline);
    co_await std::move(removing);
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) co_return write_failure_response(failure, 409);
  locks_.remove_locks(lock_path(target.path.lookup_segments));
  if (opts_.properties && client_state_exists_.load()) {
    // Leftovers of objects inside a deleted folder do no harm: ids are never reused.
    auto forgetting = opts_.properties->forget(t.node->id);
    try {
      co_await std::move(forgetting);
    } catch (const std::exception&) {
    }
  }
  util::HttpResponse r;
  r.status = 204;
  co_return r;
}

}  // namespace dav115::webdav
