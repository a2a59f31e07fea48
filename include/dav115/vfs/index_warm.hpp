#pragma once
// The two ways `dav115 index warm` gets a folder: listed upstream and written to the metadata index
// exactly as the gateway writes a listing, or read back from the index. Both come back as the Listing
// the gateway serves (unique names, NFC lookup), so a path resolves the same way in both.
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "dav115/cloud115/types.hpp"
#include "dav115/vfs/tree.hpp"

namespace dav115::cloud115 {
class Api;
}
namespace dav115::store {
class MetadataIndexAsync;
}

namespace dav115::vfs {

// Lists `folder_id` through `api` (its governor and retries) and queues the listing for `index`.
// Throws cloud115::ApiError.
boost::asio::awaitable<std::shared_ptr<const Listing>> list_into_index(cloud115::Api& api,
                                                                       store::MetadataIndexAsync& index,
                                                                       std::string folder_id, cloud115::CallOptions opts);

// The indexed listing of `folder_id` when it is complete and was fetched at or after `since_ms` (unix
// ms), else null.
boost::asio::awaitable<std::shared_ptr<const Listing>> indexed_listing(store::MetadataIndexAsync& index,
                                                                       std::string folder_id, std::int64_t since_ms);

}  // namespace dav115::vfs
