// PROPPATCH (RFC 4918 §9.2): all or nothing. Dead properties and client-set times go to the property
// store (115 keeps neither), keyed by the object's id, so they follow a rename or a move.
#include <spdlog/spdlog.h>

#include "dav115/serve/path_codec.hpp"
#include "dav115/serve/request_path.hpp"
#include "dav115/webdav/proppatch_request.hpp"
#include "dav115/webdav/proppatch_response.hpp"
#include "write_support.hpp"

namespace dav115::webdav {

boost::asio::awaitable<util::HttpResponse> Handler::proppatch(const util::HttpRequest& req) {
  serve::PathDecodeResult target = serve::decode_request_path(req.target, opts_.mount_path);
  if (!target.ok()) co_return util::text_response(target.status, target.reason);
  if (!opts_.properties) co_return util::text_response(403, "this gateway keeps no properties");
  PropPatchRequest request;
  try {
    request = parse_proppatch(req.body);
  } catch (const PropPatchParseError& e) {
    co_return util::text_response(400, std::string("bad PROPPATCH body: ") + e.what());
  }
  const auto deadline = std::chrono::steady_clock::now() + opts_.client_deadline;
  std::exception_ptr failure;
  std::optional<vfs::Node> node;
  try {
    auto finding = tree_.stat(target.path.lookup_segments, deadline);
    node = co_await std::move(finding);
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) co_return write_failure_response(failure, 409);
  if (!node || (target.path.trailing_slash && !node->is_dir)) co_return util::text_response(404, "Not Found");
  auto checking = check_write_conditions(req, target.path.lookup_segments, node, WriteScope{});
  if (auto refusal = co_await std::move(checking)) co_return std::move(*refusal);

  std::optional<PropPatchFailure> store_failure;
  if (!request.refused()) {
    std::vector<store::PropertyOp> ops;
    for (const auto& item : request.items) {
      if (!item.dead) continue;
      store::PropertyOp op;
      op.kind = item.action == PropPatchItem::Action::Set ? store::PropertyOp::Kind::Set : store::PropertyOp::Kind::Remove;
      op.ns = item.ns;
      op.name = item.local;
      op.value_xml = item.value_xml;
      ops.push_back(std::move(op));
    }
    try {
      client_state_exists_ = true;  // before the write: a PROPFIND racing it may look
      auto applying = opts_.properties->apply_patch(node->id, std::move(ops), {request.mtime(), request.ctime()});
      co_await std::move(applying);
    } catch (const store::PropertyLimitExceeded& e) {
      store_failure = PropPatchFailure{e.ns, e.name, 507};
    } catch (const std::exception& e) {
      spdlog::error("PROPPATCH: the property store failed: {}", e.what());
      store_failure = PropPatchFailure{"", "", 500};
    }
  }
  std::string href = mount_href_;
  for (std::size_t i = 0; i < target.path.segments.size(); ++i) {
    if (i) href += '/';
    serve::append_encoded_segment(href, target.path.segments[i]);
  }
  if (node->is_dir && !target.path.segments.empty()) href += '/';
  util::HttpResponse r;
  r.status = 207;
  r.body = render_proppatch_response(href, proppatch_statuses(request, store_failure));
  r.set("Content-Type", "application/xml; charset=utf-8");
  co_return r;
}

}  // namespace dav115::webdav
