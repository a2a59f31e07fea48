#pragma once
// The upload flow of OpenApiClient::upload (115-open-api.md §3.12): upload/init with the sign check,
// get_token, then OSS (PutObject or a sequential multipart upload), the callback on the last request.
#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>

#include "client_impl.hpp"

namespace dav115::cloud115 {

boost::asio::awaitable<UploadResult> run_upload(std::shared_ptr<OpenApiClient::Impl> impl, UploadSource src,
                                                std::string parent_id, std::string name, CallOptions opts);

// Bytes per part for a file of `size`: at least `configured` (and OSS's 100 KiB), more when the file
// would otherwise need over 10,000 parts (then a whole number of MiB).
std::uint64_t part_size_for(std::uint64_t size, std::uint64_t configured);

}  // namespace dav115::cloud115
