#pragma once
// What the gateway needs from 115, as an interface: the vfs layer depends on this, the OpenApiClient
// implements it against the real Open API, and unit tests implement it in memory.
#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <vector>

#include "dav115/cloud115/types.hpp"

namespace dav115::cloud115 {

class Api {
 public:
  virtual ~Api() = default;

  // Every entry of folder `cid` (files and folders), all pages fetched with show_dir=1 until `count`.
  // Throws ApiError (NotFound if the folder does not exist).
  virtual boost::asio::awaitable<std::vector<Entry>> list_folder(std::string cid, CallOptions opts) = 0;

  // Space figures from /open/user/info.
  virtual boost::asio::awaitable<Quota> quota(CallOptions opts) = 0;

  // One entry by id (/open/folder/get_info); nullopt if it does not exist.
  virtual boost::asio::awaitable<std::optional<Entry>> get_info(std::string id, CallOptions opts) = 0;

  // A CDN link for the file, minted for `user_agent` (the UA that will fetch it).
  virtual boost::asio::awaitable<DownloadLink> download_link(std::string file_id, std::string pick_code,
                                                             std::string user_agent, CallOptions opts) = 0;

  virtual UpstreamStatus status() const = 0;
};

}  // namespace dav115::cloud115
