// PUT (RFC 9110 §9.3.4, RFC 4918 §9.7): every check that can refuse the request runs before the body
// is read (so "100 Continue" is sent only when the upload can happen), the body is staged and hashed on
// the spool, then 115 gets it (instantly when it has the bytes already). 201/204 is answered only once
// 115 confirmed the file.
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <spdlog/spdlog.h>

#include <charconv>
#include <system_error>
#include <vector>

#include "dav115/serve/entity_tags.hpp"
#include "dav115/serve/request_conditions.hpp"
#include "dav115/serve/request_path.hpp"
#include "write_support.hpp"

namespace dav115::webdav {
namespace {

constexpr std::size_t kReadChunk = 256 * 1024;

// The conditional headers against the current object (RFC 9110 §13.1): with no object, any If-Match
// fails and If-None-Match holds; otherwise the shared evaluation, as for an unsafe method.
bool preconditions_hold(const util::HttpRequest& req, const std::optional<vfs::Node>& existing) {
  const serve::Conditions c = serve::conditions_from(req);
  if (!existing) return !c.if_match;
  const serve::Validators v{serve::strong_etag(*existing), existing->mtime};
  return serve::evaluate_preconditions(c, v, /*safe_method=*/false) == serve::Precondition::Proceed;
}

// The time the storage may take for an upload: the usual deadline plus a generous second per MiB.
std::chrono::steady_clock::duration upload_allowance(std::uint64_t bytes, std::chrono::seconds base) {
  return base + std::chrono::seconds(60) + std::chrono::seconds(bytes >> 20);
}

}  // namespace

boost::asio::awaitable<std::shared_ptr<store::StagedFile>> Handler::receive_body(
    const util::HttpRequest& req, std::optional<util::HttpResponse>& error) {
  using namespace boost::asio::experimental::awaitable_operators;
  std::exception_ptr failure;
  std::shared_ptr<store::StagedFile> staged;
  try {
    auto writer = opts_.spool->create();
    if (!req.body_reader) {
      if (!req.body.empty()) {
        auto writing = writer->append(req.body.data(), req.body.size());
        co_await std::move(writing);
      }
    } else {
      // Two buffers: the next piece arrives from the client while the previous one is written.
      std::vector<char> current(kReadChunk), next(kReadChunk);
      auto first = req.body_reader->read(boost::asio::buffer(current));
      std::size_t n = co_await std::move(first);
      while (n > 0) {
        auto writing = writer->append(current.data(), n);
        auto reading = req.body_reader->read(boost::asio::buffer(next));
        auto both = std::move(writing) && std::move(reading);
        n = co_await std::move(both);
        std::swap(current, next);
      }
    }
    auto finishing = writer->finish();
    staged = co_await std::move(finishing);
  } catch (...) {
    failure = std::current_exception();
  }
  if (!failure) co_return staged;
  try {
    std::rethrow_exception(failure);
  } catch (const util::BodyReadError& e) {
    error = util::text_response(e.status, e.what());
  } catch (const store::SpoolFull& e) {
    error = util::text_response(507, std::string("not enough space to stage this upload: ") + e.what());
  } catch (const std::system_error& e) {
    spdlog::error("spool: {}", e.what());
    error = util::text_response(500, "the upload could not be staged on local disk");
  }
  co_return nullptr;
}

boost::asio::awaitable<util::HttpResponse> Handler::put(const util::HttpRequest& req) {
  serve::PathDecodeResult target = serve::decode_request_path(req.target, opts_.mount_path);
  if (!target.ok()) co_return util::text_response(target.status, target.reason);
  if (target.path.segments.empty() || target.path.trailing_slash)
    co_return util::text_response(405, "PUT names a file, not a folder");
  // A partial PUT would be stored as if it were the whole file (RFC 9110 §14.5).
  if (req.header("Content-Range")) co_return util::text_response(400, "PUT with Content-Range is not supported");
  if (!opts_.spool) co_return util::text_response(503, "uploads are not configured");

  const auto started = std::chrono::steady_clock::now();
  std::exception_ptr failure;
  Target t;
  try {
    auto resolving = resolve(target.path.lookup_segments, started + opts_.client_deadline);
    t = co_await std::move(resolving);
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) co_return write_failure_response(failure, 409);
  if (!t.parent) co_return conflict("the parent folder does not exist");
  if (t.node && t.node->is_dir) co_return util::text_response(405, "a folder of that name exists");
  if (!preconditions_hold(req, t.node)) co_return precondition_failed("If-Match / If-None-Match failed");
  auto checking = check_write_conditions(req, target.path.lookup_segments, t.node, WriteScope{false, !t.node});
  if (auto refusal = co_await std::move(checking)) co_return std::move(*refusal);
  std::optional<std::uint64_t> declared;
  if (req.body_reader) declared = req.body_reader->content_length();
  else declared = req.body.size();
  if (declared && !opts_.spool->has_room(*declared))
    co_return util::text_response(507, "not enough space to stage this upload");

  // Only now is the body asked for (and "100 Continue" sent).
  std::optional<util::HttpResponse> body_error;
  auto receiving = receive_body(req, body_error);
  std::shared_ptr<store::StagedFile> staged = co_await std::move(receiving);
  if (!staged) co_return std::move(*body_error);

  vfs::StagedUpload upload{staged->path.string(), staged->size, staged->sha1, staged->pre_sha1};
  const auto deadline = std::chrono::steady_clock::now() + upload_allowance(staged->size, opts_.client_deadline);
  vfs::Node stored;
  try {
    auto storing = tree_.put_file(*t.parent, t.name, upload, t.node, deadline);
    stored = co_await std::move(storing);
  } catch (...) {
    failure = std::current_exception();
  }
  staged.reset();  // the spool file goes now, whatever happened
  if (failure) co_return write_failure_response(failure, 409);
  util::HttpResponse r;
  r.status = t.node ? 204 : 201;
  r.set("ETag", serve::strong_etag(stored));
  // The replaced file's dead properties stay with the resource; rclone and ownCloud clients send the
  // file's own time in X-OC-Mtime.
  std::optional<std::int64_t> client_mtime;
  if (auto v = req.header("X-OC-Mtime")) {
    std::int64_t seconds = 0;
    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), seconds);
    if (ec == std::errc() && end == v->data() + v->size() && seconds > 0) client_mtime = seconds;
  }
  if (opts_.properties && (client_mtime || (t.node && client_state_exists_.load()))) {
    auto& sync = opts_.properties->sync();
    const std::string old_id = t.node ? t.node->id : std::string();
    const std::string new_id = stored.id;
    if (client_mtime) client_state_exists_ = true;
    try {
      auto saving = opts_.properties->run([&sync, old_id, new_id, client_mtime] {
        if (!old_id.empty() && old_id != new_id) {
          sync.copy_all(old_id, new_id);
          sync.forget(old_id);
        }
        if (client_mtime) sync.set_mtime(new_id, *client_mtime);
      });
      co_await std::move(saving);
      if (client_mtime) r.set("X-OC-MTime", "accepted");
    } catch (const std::exception& e) {
      spdlog::warn("PUT: properties of {} not kept: {}", t.name, e.what());
    }
  }
  if (r.status == 201) r.set("Content-Length", "0");
  co_return r;
}

}  // namespace dav115::webdav
