// The write endpoints (folder/add, ufile/move|copy|update|delete) and the upload flow.
// PLACEHOLDER until the writes work lands: every write answers "not implemented".
#include "client_impl.hpp"

namespace dav115::cloud115 {
namespace {
ApiError not_yet() { return ApiError(ErrorKind::Other, 0, "writes are not implemented yet"); }
}  // namespace

boost::asio::awaitable<Entry> OpenApiClient::make_folder(std::string, std::string, CallOptions) { throw not_yet(); co_return Entry{}; }
boost::asio::awaitable<void> OpenApiClient::move(std::vector<std::string>, std::string, CallOptions) { throw not_yet(); co_return; }
boost::asio::awaitable<void> OpenApiClient::copy(std::vector<std::string>, std::string, CallOptions) { throw not_yet(); co_return; }
boost::asio::awaitable<void> OpenApiClient::rename(std::string, std::string, CallOptions) { throw not_yet(); co_return; }
boost::asio::awaitable<void> OpenApiClient::remove(std::vector<std::string>, std::string, CallOptions) { throw not_yet(); co_return; }
boost::asio::awaitable<UploadResult> OpenApiClient::upload(UploadSource, std::string, std::string, CallOptions) {
  throw not_yet();
  co_return UploadResult{};
}
void OpenApiClient::set_upload_options(const config::Upload&) {}

}  // namespace dav115::cloud115
