// COPY and MOVE (RFC 4918 §9.8, §9.9). Destination goes through the one path decoder; the new object
// is in place before a replaced one goes to the recycle bin (Overwrite: T), so there is never a moment
// with neither.
#include "dav115/serve/request_path.hpp"
#include "dav115/webdav/depth_header.hpp"
#include "dav115/webdav/destination_header.hpp"
#include "write_support.hpp"

namespace dav115::webdav {
namespace {

bool is_prefix(const std::vector<std::string>& prefix, const std::vector<std::string>& path) {
  if (prefix.size() > path.size()) return false;
  return std::equal(prefix.begin(), prefix.end(), path.begin());
}

}  // namespace

boost::asio::awaitable<util::HttpResponse> Handler::copy_or_move(const util::HttpRequest& req, bool is_move) {
  serve::PathDecodeResult source = serve::decode_request_path(req.target, opts_.mount_path);
  if (!source.ok()) co_return util::text_response(source.status, source.reason);
  DestinationResult dest = parse_destination(req.header("Destination"), req.header("Host"), opts_.mount_path);
  if (!dest.ok()) co_return util::text_response(dest.status, dest.reason);
  std::optional<bool> overwrite = parse_overwrite(req.header("Overwrite"));
  if (!overwrite) co_return util::text_response(400, "Overwrite must be T or F");
  std::optional<Depth> depth = parse_depth(req.header("Depth"));
  if (!depth || *depth == Depth::One) co_return util::text_response(400, "Depth must be 0 or infinity here");
  const auto& from = source.path.lookup_segments;
  const auto& to = dest.path.lookup_segments;
  if (from.empty()) co_return util::text_response(403, "the root folder cannot be copied or moved");
  if (to.empty()) co_return util::text_response(403, "nothing can replace the root folder");
  if (from == to) co_return util::text_response(403, "source and destination are the same");

  const auto deadline = std::chrono::steady_clock::now() + opts_.client_deadline;
  std::exception_ptr failure;
  Target src, dst;
  try {
    auto resolving_src = resolve(from, deadline);
    src = co_await std::move(resolving_src);
    auto resolving_dst = resolve(to, deadline);
    dst = co_await std::move(resolving_dst);
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) co_return write_failure_response(failure, 412);
  if (!src.node || (source.path.trailing_slash && !src.node->is_dir)) co_return util::text_response(404, "Not Found");
  if (is_move && src.node->is_dir && *depth != Depth::Infinity)
    co_return util::text_response(400, "MOVE of a folder takes Depth: infinity");
  if (src.node->is_dir && is_prefix(from, to))
    co_return util::text_response(403, "a folder cannot be copied or moved into itself");
  if (!dst.parent) co_return conflict("the destination's parent folder does not exist");
  if (dst.node && !*overwrite) co_return precondition_failed("the destination exists and Overwrite is F");
  // Replacing an ancestor of the source would take the source with it.
  if (dst.node && dst.node->is_dir && is_prefix(to, from))
    co_return util::text_response(403, "the destination contains the source");

  if (is_move) {
    auto checking = check_write_conditions(req, from, src.node, WriteScope{src.node->is_dir, true});
    if (auto refusal = co_await std::move(checking)) co_return std::move(*refusal);
  } else {
    // COPY leaves the source alone: its If header is evaluated, its locks do not matter.
    auto checking = check_write_conditions(req, from, src.node, WriteScope{}, false);
    if (auto refusal = co_await std::move(checking)) co_return std::move(*refusal);
  }
  if (auto refusal = check_locks_only(req, to, WriteScope{dst.node && dst.node->is_dir, !dst.node}))
    co_return std::move(*refusal);

  vfs::Node result;
  try {
    if (is_move) {
      auto moving = tree_.move(*src.parent, *src.node, *dst.parent, dst.name, dst.node, deadline);
      result = co_await std::move(moving);
    } else if (src.node->is_dir && *depth == Depth::Zero) {
      // A shallow copy of a folder is the folder alone (RFC 4918 §9.8.3). 115 refuses a second folder
      // of the same name, so here (only) the replaced object goes first.
      if (dst.node) {
        auto removing = tree_.remove(*dst.parent, *dst.node, deadline);
        co_await std::move(removing);
      }
      auto creating = tree_.make_folder(*dst.parent, dst.name, deadline);
      result = co_await std::move(creating);
    } else {
      auto copying = tree_.copy(*src.node, *dst.parent, dst.name, dst.node, deadline);
      result = co_await std::move(copying);
    }
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) co_return write_failure_response(failure, 412);
  // Locks never travel (RFC 4918 §7.7): the source's go with it, the replaced destination's members' too.
  if (is_move) locks_.remove_locks(lock_path(from));
  if (dst.node) locks_.remove_locks_below(lock_path(to));
  // Dead properties: a copy gets the source's (RFC 4918 §9.8.2); a replaced destination's go. A move
  // keeps the id on 115, so its properties simply stay.
  if (opts_.properties && client_state_exists_.load()) {
    auto& sync = opts_.properties->sync();
    const std::string src_id = src.node->id, new_id = result.id;
    const std::string replaced = dst.node && dst.node->id != new_id ? dst.node->id : std::string();
    auto updating = opts_.properties->run([&sync, is_move, src_id, new_id, replaced] {
      if (!is_move && src_id != new_id) sync.copy_all(src_id, new_id);
      if (!replaced.empty()) sync.forget(replaced);
    });
    try {
      co_await std::move(updating);
    } catch (const std::exception&) {
    }
  }
  util::HttpResponse r;
  r.status = dst.node ? 204 : 201;
  if (r.status == 201) r.set("Content-Length", "0");
  co_return r;
}

}  // namespace dav115::webdav
