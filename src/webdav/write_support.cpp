#include "write_support.hpp"

#include <spdlog/spdlog.h>

#include "dav115/serve/upstream_error.hpp"

namespace dav115::webdav {

util::HttpResponse write_failure_response(std::exception_ptr error, unsigned exists_status) {
  try {
    std::rethrow_exception(error);
  } catch (const vfs::BackendError& e) {
    return serve::upstream_error_response(e);
  } catch (const vfs::NotFoundError& e) {
    return conflict(std::string("the target changed meanwhile: ") + e.what());
  } catch (const vfs::AlreadyExistsError& e) {
    return util::text_response(exists_status, e.what());
  }
}


}  // namespace dav115::webdav

namespace dav115::webdav {

boost::asio::awaitable<Handler::Target> Handler::resolve(std::vector<std::string> segments, vfs::Deadline deadline) {
  Target t;
  if (segments.empty()) {
    t.is_root = true;
    t.node = tree_.root();
    co_return t;
  }
  t.name = segments.back();
  segments.pop_back();
  auto finding_parent = tree_.stat(segments, deadline);
  t.parent = co_await std::move(finding_parent);
  if (!t.parent || !t.parent->is_dir) {
    t.parent.reset();
    co_return t;
  }
  auto listing_call = tree_.list(*t.parent, deadline);
  auto listing = co_await std::move(listing_call);
  if (const vfs::Node* n = listing->find(t.name)) t.node = *n;
  co_return t;
}

}  // namespace dav115::webdav
