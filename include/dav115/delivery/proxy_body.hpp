#pragma once
// The body of a locally proxied download: a util::BodySource that pulls the requested byte range from
// the CDN straight into the server's buffer (no buffering of its own beyond one socket read), and
// resumes with a Range request from the next byte when the CDN connection breaks or the link expires.
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "dav115/vfs/tree.hpp"
#include "dav115/delivery/cdn_connection.hpp"
#include "dav115/delivery/link_cache.hpp"
#include "dav115/delivery/range_header.hpp"
#include "dav115/util/http_types.hpp"

namespace dav115::delivery {

// The stream could not start: `status` is what the client should get (502 refused/bad upstream,
// 503 upstream unavailable).
struct DeliveryError : std::runtime_error {
  DeliveryError(unsigned status, const std::string& message) : std::runtime_error(message), status(status) {}
  unsigned status;
};

// Where a stream gets its links. get(false) may answer from the cache; get(true) mints a new one.
struct LinkSource {
  std::function<boost::asio::awaitable<vfs::DownloadLink>(bool fresh)> get;
  std::function<void(const vfs::DownloadLink&)> invalidate;
};

struct ProxyStreamSettings {
  std::vector<std::string> cdn_host_allowlist;
  bool allow_plain_http = false;
  // Failed opens + broken connections in a row without progress (< kResumeProgressBytes between two
  // failures); a stream that keeps advancing may resume as often as it needs to.
  int max_attempts = 10;
  std::string fallback_user_agent; // when a link does not say which UA it was minted for
};

class ProxyBody final : public util::BodySource {
 public:
  ProxyBody(std::shared_ptr<CdnClient> cdn, std::shared_ptr<LinkConnectionBudget> budget, LinkSource links,
            ProxyStreamSettings settings, std::uint64_t file_size, ByteRange range);
  ~ProxyBody() override;

  // Opens the first upstream connection, so a refusal becomes an error status rather than a cut body.
  // Throws DeliveryError, or whatever LinkSource::get throws (vfs::BackendError, vfs::NotFoundError).
  boost::asio::awaitable<void> start();
  boost::asio::awaitable<std::size_t> read(boost::asio::mutable_buffer buf) override;

  int attempts_used() const { return failures_; }  // all failures of this response

  // Bytes a stream must advance between two failures for them not to count as one stall.
  static constexpr std::uint64_t kResumeProgressBytes = 64 * 1024;

 private:
  boost::asio::awaitable<void> open_at(std::uint64_t pos);
  void drop_upstream();
  void count_failure(const std::string& why);

  std::shared_ptr<CdnClient> cdn_;
  std::shared_ptr<LinkConnectionBudget> budget_;
  LinkSource links_;
  ProxyStreamSettings settings_;
  std::uint64_t size_;
  ByteRange range_;
  std::uint64_t pos_;
  std::unique_ptr<CdnStream> upstream_;
  LinkConnectionBudget::Lease lease_;
  bool need_fresh_link_ = false;
  int failures_ = 0;
  int stalled_failures_ = 0;              // failures since the stream last made kResumeProgressBytes of progress
  std::uint64_t pos_at_last_failure_ = 0;
};

// Parses "bytes a-b/total" (total may be "*"); false when malformed.
bool parse_content_range(std::string_view value, std::uint64_t& first, std::uint64_t& last,
                         std::optional<std::uint64_t>& total);

}  // namespace dav115::delivery
