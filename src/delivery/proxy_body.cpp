#include "dav115/delivery/proxy_body.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <spdlog/spdlog.h>

#include "dav115/delivery/host_allowlist.hpp"
#include "dav115/net/http_client.hpp"

namespace dav115::delivery {

namespace asio = boost::asio;

namespace {

bool parse_u64(std::string_view s, std::uint64_t& out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

// Statuses that mean "this link is no good any more": mint another one.
bool link_rejected(unsigned status) { return status == 401 || status == 403 || status == 404 || status == 410; }

}  // namespace

bool parse_content_range(std::string_view v, std::uint64_t& first, std::uint64_t& last,
                         std::optional<std::uint64_t>& total) {
  if (v.substr(0, 6) != "bytes ") return false;
  v.remove_prefix(6);
  auto dash = v.find('-'), slash = v.find('/');
  if (dash == std::string_view::npos || slash == std::string_view::npos || dash > slash) return false;
  if (!parse_u64(v.substr(0, dash), first) || !parse_u64(v.substr(dash + 1, slash - dash - 1), last)) return false;
  if (last < first) return false;
  std::string_view t = v.substr(slash + 1);
  if (t == "*") total.reset();
  else {
    std::uint64_t n = 0;
    if (!parse_u64(t, n)) return false;
    total = n;
  }
  return true;
}

ProxyBody::ProxyBody(std::shared_ptr<CdnClient> cdn, std::shared_ptr<LinkConnectionBudget> budget, LinkSource links,
                     ProxyStreamSettings settings, std::uint64_t file_size, ByteRange range)
    : cdn_(std::move(cdn)),
      budget_(std::move(budget)),
      links_(std::move(links)),
      settings_(std::move(settings)),
      size_(file_size),
      range_(range),
      pos_(range.first),
      pos_at_last_failure_(range.first) {}

ProxyBody::~ProxyBody() { drop_upstream(); }

void ProxyBody::drop_upstream() {
  upstream_.reset();  // closes the socket unless the body ended cleanly (then it goes back to the pool)
  lease_.release();
}

void ProxyBody::count_failure(const std::string& why) {
  drop_upstream();
  // The bound is on failures without progress: a long download over a flaky CDN link may need more
  // resumptions in total than max_attempts, as long as each one moves the stream forward.
  if (pos_ - pos_at_last_failure_ >= kResumeProgressBytes) stalled_failures_ = 0;
  pos_at_last_failure_ = pos_;
  ++failures_;
  ++stalled_failures_;
  spdlog::warn("delivery: CDN stream problem at byte {} ({}), attempt {}/{} without progress", pos_, why,
               stalled_failures_, settings_.max_attempts);
  if (stalled_failures_ >= settings_.max_attempts)
    throw DeliveryError(502, "CDN stream failed " + std::to_string(stalled_failures_) + " times in a row; last: " + why);
}

asio::awaitable<void> ProxyBody::start() { co_await open_at(pos_); }

asio::awaitable<void> ProxyBody::open_at(std::uint64_t pos) {
  while (true) {
    if (stalled_failures_ > 1) {
      // Back off a little after repeated failures, so a struggling CDN is not hammered.
      auto delay = std::chrono::milliseconds(std::min(2000, 100 << std::min(stalled_failures_ - 2, 5)));
      asio::steady_timer t(co_await asio::this_coro::executor, delay);
      co_await t.async_wait(asio::use_awaitable);
    }
    auto link = co_await links_.get(need_fresh_link_);
    need_fresh_link_ = false;
    if (!cdn_url_allowed(link.url, settings_.cdn_host_allowlist, settings_.allow_plain_http)) {
      // Never log the URL itself: it is a bearer credential for the file.
      spdlog::error("delivery: refusing a CDN link whose host or scheme is not on delivery.cdn_host_allowlist");
      throw DeliveryError(502, "the download link points outside the CDN allow-list");
    }
    lease_ = LinkConnectionBudget::try_acquire(budget_, link);
    if (!lease_) {  // the link's `c` connections are all in use: another link gets its own budget
      link = co_await links_.get(true);
      if (!cdn_url_allowed(link.url, settings_.cdn_host_allowlist, settings_.allow_plain_http))
        throw DeliveryError(502, "the download link points outside the CDN allow-list");
      lease_ = LinkConnectionBudget::try_acquire(budget_, link);
      if (!lease_) throw DeliveryError(503, "no CDN connection slot available");
    }
    const std::string& ua = link.user_agent.empty() ? settings_.fallback_user_agent : link.user_agent;
    try {
      upstream_ = co_await cdn_->get(link.url, ua, pos, range_.last);
    } catch (const net::TransportError& e) {
      count_failure(e.what());
      continue;
    }
    unsigned status = upstream_->status();
    if (status == 206) {
      std::uint64_t first = 0, last = 0;
      std::optional<std::uint64_t> total;
      if (!parse_content_range(upstream_->content_range(), first, last, total)) {
        count_failure("206 without a valid Content-Range");
        continue;
      }
      if (total && *total != size_) {  // a different file now: resuming would splice two versions
        drop_upstream();
        throw DeliveryError(502, "the file's size changed upstream");
      }
      if (first != pos || last < std::min(range_.last, size_ - 1)) {
        count_failure("CDN answered a different range");
        continue;
      }
      co_return;
    }
    if (status == 200 && pos == 0) {  // Range ignored: fine from the start, we stop after our bytes
      auto len = upstream_->content_length();
      if (len && *len != size_) {
        drop_upstream();
        throw DeliveryError(502, "the file's size changed upstream");
      }
      co_return;
    }
    if (link_rejected(status)) {
      links_.invalidate(link);
      need_fresh_link_ = true;
      count_failure("CDN status " + std::to_string(status));
      continue;
    }
    count_failure("CDN status " + std::to_string(status));
  }
}

asio::awaitable<std::size_t> ProxyBody::read(asio::mutable_buffer buf) {
  std::uint64_t remaining = range_.last + 1 - pos_;
  if (remaining == 0 || buf.size() == 0) {
    drop_upstream();
    co_return 0;
  }
  if (buf.size() > remaining) buf = asio::mutable_buffer(buf.data(), static_cast<std::size_t>(remaining));
  // Fill the caller's buffer before returning: the CDN socket hands over a few KiB per read, and passing
  // each piece on as its own client write (with its own timer and thread hand-off) costs far more than
  // the copy. A failure after some bytes arrived returns those bytes; the next call resumes.
  auto* base = static_cast<char*>(buf.data());
  std::size_t filled = 0;
  while (filled < buf.size()) {
    if (!upstream_) {
      if (filled > 0) break;
      co_await open_at(pos_);
    }
    std::size_t n = 0;
    try {
      n = co_await upstream_->read_some(asio::mutable_buffer(base + filled, buf.size() - filled));
    } catch (const net::TransportError& e) {
      count_failure(e.what());
      continue;
    }
    if (n == 0) {  // the CDN ended the body before our range was complete
      count_failure("CDN body ended early");
      continue;
    }
    pos_ += n;
    filled += n;
    if (pos_ > range_.last) drop_upstream();  // done: hand the connection back (or close it if more was coming)
  }
  co_return filled;
}

}  // namespace dav115::delivery
