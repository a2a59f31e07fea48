#pragma once
// What the gateway needs from 115, as an interface: the vfs layer depends on this, the OpenApiClient
// implements it against the real Open API, and unit tests implement it in memory.
#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <vector>

#include "dav115/cloud115/types.hpp"

namespace dav115::cloud115 {

// A folder listed again by relist_folder.
struct Relisting {
  std::vector<Entry> entries;     // the whole folder now
  std::uint64_t total_count = 0;  // 115's `count` for it
  bool stopped_early = false;     // newest first, stopped at an unchanged entry; `known` filled in the rest
};

class Api {
 public:
  virtual ~Api() = default;

  // Every entry of folder `cid` (files and folders), all pages fetched with show_dir=1 until `count`.
  // Throws ApiError (NotFound if the folder does not exist).
  virtual boost::asio::awaitable<std::vector<Entry>> list_folder(std::string cid, CallOptions opts) = 0;

  // The folder `cid` again, given `known`, an earlier complete listing of it (plain entries as upstream
  // gave them). With cloud115.list_changes_first it may read only the newest pages (changes_first.hpp);
  // by default, and whenever that does not add up, a full list_folder.
  virtual boost::asio::awaitable<Relisting> relist_folder(std::string cid, std::vector<Entry> known,
                                                          CallOptions opts) {
    (void)known;
    auto listing = list_folder(std::move(cid), opts);
    Relisting r;
    r.entries = co_await std::move(listing);
    r.total_count = r.entries.size();
    co_return r;
  }

  // Space figures from /open/user/info.
  virtual boost::asio::awaitable<Quota> quota(CallOptions opts) = 0;

  // One entry by id (/open/folder/get_info); nullopt if it does not exist.
  virtual boost::asio::awaitable<std::optional<Entry>> get_info(std::string id, CallOptions opts) = 0;

  // A CDN link for the file, minted for `user_agent` (the UA that will fetch it).
  virtual boost::asio::awaitable<DownloadLink> download_link(std::string file_id, std::string pick_code,
                                                             std::string user_agent, CallOptions opts) = 0;

  // --- Writes. Each is one call at interactive priority through the governor; copy, move and delete
  // are serialised per account (115 asks for it). None is retried once it may have reached 115: a
  // transport failure after sending throws ApiError{Unavailable, uncertain = true}.

  // /open/folder/add. Returns the new folder (id, name, parent). ApiError AlreadyExists on 20004.
  virtual boost::asio::awaitable<Entry> make_folder(std::string parent_id, std::string name, CallOptions opts) = 0;
  // /open/ufile/move of `ids` into folder `to_cid`.
  virtual boost::asio::awaitable<void> move(std::vector<std::string> ids, std::string to_cid, CallOptions opts) = 0;
  // /open/ufile/copy of `ids` into folder `to_cid` (duplicates allowed: 115 names the copy itself).
  virtual boost::asio::awaitable<void> copy(std::vector<std::string> ids, std::string to_cid, CallOptions opts) = 0;
  // /open/ufile/update: new name for one file or folder.
  virtual boost::asio::awaitable<void> rename(std::string id, std::string new_name, CallOptions opts) = 0;
  // /open/ufile/delete of `ids` (children of `parent_id`) to the recycle bin.
  virtual boost::asio::awaitable<void> remove(std::vector<std::string> ids, std::string parent_id, CallOptions opts) = 0;
  // The whole upload flow for one staged file into folder `parent_id` as `name`: upload/init (instant
  // upload when 115 has the bytes), the sign check, get_token and OSS (PutObject or multipart, the
  // callback on the last request). Returns only once 115 confirmed the file; on failure a multipart
  // upload is aborted and ApiError is thrown. 115 allows duplicate names: replacing is the caller's job.
  virtual boost::asio::awaitable<UploadResult> upload(UploadSource source, std::string parent_id, std::string name,
                                                      CallOptions opts) = 0;

  virtual UpstreamStatus status() const = 0;
};

}  // namespace dav115::cloud115
