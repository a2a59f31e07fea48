#pragma once
// What the write methods share (private to src/webdav/): the resolved target of a request, and how a
// failed write becomes a status.
#include <exception>
#include <optional>
#include <string>

#include "dav115/serve/request_path.hpp"
#include "dav115/util/http_types.hpp"
#include "dav115/vfs/tree.hpp"
#include "dav115/webdav/handler.hpp"

namespace dav115::webdav {

struct Handler::Target {
  std::optional<vfs::Node> node;    // the object the path names, if it exists
  std::optional<vfs::Node> parent;  // the folder it is (or would be) in, if that exists
  std::string name;                 // the last segment (NFC): the name a new object gets
  bool is_root = false;
};

// The answer for an exception thrown by a vfs write (or by resolve()). BackendError -> 503/429 with
// Retry-After; NotFoundError -> 409 (something on the way vanished); AlreadyExistsError -> `exists_status`.
util::HttpResponse write_failure_response(std::exception_ptr error, unsigned exists_status);

// "Text\n" bodies for the common refusals.
inline util::HttpResponse conflict(std::string why) { return util::text_response(409, std::move(why)); }
inline util::HttpResponse precondition_failed(std::string why) { return util::text_response(412, std::move(why)); }

}  // namespace dav115::webdav
