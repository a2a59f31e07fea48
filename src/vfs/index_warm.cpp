#include "dav115/vfs/index_warm.hpp"

#include "dav115/cloud115/api.hpp"
#include "dav115/store/metadata_index_async.hpp"
#include "dav115/vfs/listing_builder.hpp"
#include "index_records.hpp"

namespace dav115::vfs {

boost::asio::awaitable<std::shared_ptr<const Listing>> list_into_index(cloud115::Api& api,
                                                                       store::MetadataIndexAsync& index,
                                                                       std::string folder_id, cloud115::CallOptions opts) {
  auto listing_call = api.list_folder(folder_id, opts);
  auto entries = co_await std::move(listing_call);
  index.put_folder(folder_id, to_index_folder(entries, wall_now_ms()));
  co_return build_listing(entries, nullptr, std::chrono::steady_clock::now());
}

boost::asio::awaitable<std::shared_ptr<const Listing>> indexed_listing(store::MetadataIndexAsync& index,
                                                                       std::string folder_id, std::int64_t since_ms) {
  auto reading = index.get_folder(folder_id);
  auto found = co_await std::move(reading);
  if (!found || !found->complete || found->fetched_at_ms < since_ms) co_return nullptr;
  co_return build_listing(entries_of(*found, folder_id), nullptr, std::chrono::steady_clock::now());
}

}  // namespace dav115::vfs
