#pragma once
// The Api implemented against the real 115 Open Platform: token lifecycle (persisted, single-flight
// refresh, proactive timer, ReauthRequired), one rate governor for every call, retries within the
// caller's deadline, and the endpoint mappings.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>

#include "dav115/cloud115/api.hpp"
#include "dav115/cloud115/json_mapping.hpp"
#include "dav115/cloud115/token_saver.hpp"
#include "dav115/config/config.hpp"
#include "dav115/net/http_client.hpp"

namespace dav115::cloud115 {

class OpenApiClient final : public Api {
 public:
  // `http` (and the pool behind `blocking.executor`) must outlive this client and every call made
  // through it. The token file is written on `blocking` (a private thread when none is handed in).
  OpenApiClient(boost::asio::any_io_executor ex, net::HttpClient& http, const config::Cloud115& cfg,
                std::string state_dir, BlockingWork blocking = {});
  ~OpenApiClient() override;
  OpenApiClient(const OpenApiClient&) = delete;
  OpenApiClient& operator=(const OpenApiClient&) = delete;

  // Loads the persisted token state (or the config's), refreshes if there is no valid access token,
  // starts the proactive refresh timer. Never throws for a dead token (status() says ReauthRequired);
  // throws std::runtime_error for an unusable state_dir.
  boost::asio::awaitable<void> start();
  void stop();                               // cancels timers (shutdown)
  void reload(const config::Cloud115& cfg);  // SIGHUP
  // A pair from a QR login (the admin page's) in place of the one in use: saved durably, then used (a
  // failed save is retried as after a refresh, and /healthz says so); ends a reauth_required state.
  boost::asio::awaitable<void> adopt_login(mapping::TokenGrant grant);
  // `dav115 login` run beside this gateway leaves its pair in store::login_handoff_file(state_dir) and
  // sends SIGHUP: this adopts that pair and removes the file. False when there is none (or it is
  // unreadable: logged, and left for the operator).
  boost::asio::awaitable<bool> adopt_handed_over_login();

  boost::asio::awaitable<std::vector<Entry>> list_folder(std::string cid, CallOptions opts) override;
  boost::asio::awaitable<Relisting> relist_folder(std::string cid, std::vector<Entry> known, CallOptions opts) override;
  boost::asio::awaitable<Quota> quota(CallOptions opts) override;
  boost::asio::awaitable<std::optional<Entry>> get_info(std::string id, CallOptions opts) override;
  boost::asio::awaitable<DownloadLink> download_link(std::string file_id, std::string pick_code,
                                                     std::string user_agent, CallOptions opts) override;
  boost::asio::awaitable<Entry> make_folder(std::string parent_id, std::string name, CallOptions opts) override;
  boost::asio::awaitable<void> move(std::vector<std::string> ids, std::string to_cid, CallOptions opts) override;
  boost::asio::awaitable<void> copy(std::vector<std::string> ids, std::string to_cid, CallOptions opts) override;
  boost::asio::awaitable<void> rename(std::string id, std::string new_name, CallOptions opts) override;
  boost::asio::awaitable<void> remove(std::vector<std::string> ids, std::string parent_id, CallOptions opts) override;
  boost::asio::awaitable<UploadResult> upload(UploadSource source, std::string parent_id, std::string name,
                                              CallOptions opts) override;
  // Upload settings (OSS endpoint override, part sizes); also taken again on reload.
  void set_upload_options(const config::Upload& upload);
  UpstreamStatus status() const override;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace dav115::cloud115
