#pragma once
// One client connection: TLS handshake, then requests read one after another (keep-alive), each
// checked against the limits, routed, answered, logged. Plain and TLS connections share this code;
// private to src/http/: session_plain.cpp and session_tls.cpp each instantiate it for one stream type,
// so two cores compile them side by side.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/spdlog.h>

#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <type_traits>

#include "dav115/util/metrics.hpp"
#include "request_checks.hpp"
#include "request_record.hpp"
#include "response_head.hpp"
#include "server_impl.hpp"

namespace dav115::http::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using asio::use_awaitable;
constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// The session's own stream types: concrete executors (the connection's io_context, run by one thread),
// so no operation goes through the type-erased any_io_executor. Raw sockets: the timeouts are the
// session's one watchdog timer, not a timer armed and cancelled around every read and write.
using SessionExecutor = asio::io_context::executor_type;
using PlainStream = SessionSocket;
using TlsStream = asio::ssl::stream<SessionSocket>;
using WatchdogTimer =
    asio::basic_waitable_timer<std::chrono::steady_clock, asio::wait_traits<std::chrono::steady_clock>, SessionExecutor>;

namespace {

constexpr std::size_t kStreamChunkBytes = 128 * 1024;
constexpr std::size_t kBodyReadBytes = 64 * 1024;  // socket reads of a streamed request body
constexpr std::size_t kKeptHeadBytes = 16 * 1024;   // a response head buffer larger than this is released
// nginx's code for "the client closed the connection before the answer": logged, never sent.
constexpr unsigned kClientClosedRequest = 499;

// Keeps the active-request count right on every exit path (drain() waits on it).
struct ActiveRequest {
  explicit ActiveRequest(std::atomic<std::size_t>& n) : n(n) { ++n; }
  ~ActiveRequest() { --n; }
  std::atomic<std::size_t>& n;
};

template <class Fields>
void copy_headers(const util::HttpResponse& from, Fields& to) {
  bool has_date = false, has_server = false;
  for (const auto& [k, v] : from.headers) {
    if (framing_header(k)) continue;
    has_date = has_date || util::iequals(k, "Date");
    has_server = has_server || util::iequals(k, "Server");
    to.insert(k, v);
  }
  if (!has_date) to.set(bhttp::field::date, http_date());
  if (!has_server) to.set(bhttp::field::server, kServerName);
}

bool is_parse_error(const boost::system::error_code& ec) { return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category(); }

template <class Stream>
class Session : public SessionControl, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, PlainStream>;

  template <class... Args>
  Session(std::shared_ptr<Server::Impl> impl, std::string peer, std::shared_ptr<asio::cancellation_signal> cancel,
          Args&&... args)
      : impl_(std::move(impl)), peer_(std::move(peer)), stream_(std::forward<Args>(args)...),
        watchdog_(lowest().get_executor()), cancel_(std::move(cancel)) {}

  void close_if_idle() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->idle_) self->close_socket();
    });
  }
  void close_now() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] { self->close_socket(); });
  }

  asio::awaitable<void> run() {
    auto id = impl_->add_session(this->weak_from_this());
    util::Metrics::global().set("dav115_http_connections_active", {}, static_cast<double>(impl_->connections.load()));
    try {
      if constexpr (kTls) {
        expires_after(impl_->cfg.limits.header_timeout);
        co_await stream_.async_handshake(asio::ssl::stream_base::server, use_awaitable);
      }
      bool first = true;
      while (!impl_->draining) {
        if (!first && buffer_.size() == 0 && !co_await wait_for_next_request()) break;
        first = false;
        if (!co_await serve_one()) break;
      }
    } catch (const std::exception& e) {
      // Timeouts, resets, TLS failures, a body source failing mid-stream: the connection just ends.
      spdlog::debug("connection from {} ended: {}", peer_, e.what());
    }
    co_await close_gracefully();
    watchdog_.cancel();
    impl_->remove_session(id);
    impl_->release_address_slot(peer_);
    impl_->connections.fetch_sub(1);
    util::Metrics::global().set("dav115_http_connections_active", {}, static_cast<double>(impl_->connections.load()));
  }

 private:
  SessionSocket& lowest() {
    if constexpr (kTls) return stream_.next_layer();
    else return stream_;
  }

  // Timeouts, as nginx keeps them: each read or write of the client gets a deadline (expires_after()
  // before it), and work that is not client I/O (the handler, a body source) has none
  // (expires_never()). One timer per connection watches the deadline: it is re-armed only when a
  // deadline comes earlier than the one it waits for, and when it fires early (the deadline moved
  // later meanwhile) it waits again. Keep-alive requests thus cost at most one re-arm each.
  void expires_after(std::chrono::steady_clock::duration d) {
    deadline_ = std::chrono::steady_clock::now() + d;
    if (deadline_ < armed_for_) arm_watchdog();
  }
  void expires_never() { deadline_ = std::chrono::steady_clock::time_point::max(); }

  void arm_watchdog() {
    armed_for_ = deadline_;
    watchdog_.expires_at(deadline_);  // a wait already pending completes with operation_aborted
    watchdog_.async_wait([self = this->shared_from_this()](boost::system::error_code ec) { self->on_watchdog(ec); });
  }

  void on_watchdog(boost::system::error_code ec) {
    if (ec == asio::error::operation_aborted) return;  // re-armed (another wait is pending) or the session ended
    armed_for_ = std::chrono::steady_clock::time_point::max();
    if (deadline_ == std::chrono::steady_clock::time_point::max()) return;  // no client I/O with a deadline
    if (std::chrono::steady_clock::now() >= deadline_) {
      spdlog::debug("connection from {} timed out", peer_);
      close_socket();  // the pending read or write fails; the session ends
      return;
    }
    arm_watchdog();
  }

  void close_socket() {
    boost::system::error_code ec;
    lowest().shutdown(tcp::socket::shutdown_both, ec);
    lowest().close(ec);
  }

  // Idle keep-alive: the idle timeout runs until the first byte of the next request.
  asio::awaitable<bool> wait_for_next_request() {
    idle_ = true;
    expires_after(impl_->cfg.limits.idle_timeout);
    auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(4096), as_tuple_awaitable);
    idle_ = false;
    if (ec) co_return false;
    buffer_.commit(n);
    co_return true;
  }

  // Reads, answers and logs one request. False when the connection must close afterwards.
  asio::awaitable<bool> serve_one() {
    const auto& limits = impl_->cfg.limits;
    auto started = std::chrono::steady_clock::now();
    RequestRecord rec;
    rec.client_address = peer_;
    rec.method = "-";

    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(limits.max_header_bytes, UINT32_MAX)));
    // No body limit while the head is read: the per-method limit (or a refusal of the method itself)
    // is applied once the method is known, so a large PUT learns 405 rather than 413.
    parser.body_limit(boost::none);
    expires_after(limits.header_timeout);
    auto [hec, hn] = co_await bhttp::async_read_header(stream_, buffer_, parser, as_tuple_awaitable);
    if (hec) {
      std::optional<unsigned> status;
      if (hec == bhttp::error::header_limit) {
        // The parser fills in the target as soon as the request line is complete.
        status = status_for_oversized_head(!parser.get().target().empty());
      } else if (hec == bhttp::error::body_limit) {
        status = 413;  // Content-Length above every limit, caught while parsing the header
      } else if (hec != bhttp::error::end_of_stream && is_parse_error(hec)) {
        status = 400;
      }
      if (!status) co_return false;  // timeout, reset, EOF between requests: nothing to answer
      co_await answer_early(*status, rec, started);
      co_return false;
    }

    auto& head = parser.get();
    const std::string client = client_address(head);
    rec.client_address = client;
    rec.method = std::string(head.method_string());
    rec.target = std::string(head.target());
    rec.user_agent = std::string(head[bhttp::field::user_agent]);
    ActiveRequest active(impl_->active_requests);

    if (head.target().size() > limits.max_request_line_bytes) {
      co_await answer_early(414, rec, started);
      co_return false;
    }
    if (impl_->refuse_method) {
      if (auto refusal = impl_->refuse_method(head.method_string())) {
        // The body (if any) is left unread, so the connection cannot be reused.
        rec.status = refusal->status;
        rec.bytes_sent = co_await write_response(*refusal, false);
        rec.duration = std::chrono::steady_clock::now() - started;
        record_request(impl_->access_log.get(), rec);
        co_return false;
      }
    }
    RequestHead checks{head.method_string(), head[bhttp::field::transfer_encoding],
                       head[bhttp::field::content_encoding], std::nullopt};
    if (auto len = parser.content_length()) checks.content_length = *len;
    if (auto status = reject_before_body(checks, impl_->cfg)) {
      co_await answer_early(*status, rec, started);
      co_return false;
    }
    parser.body_limit(body_limit_for(head.method_string(), impl_->cfg));

    util::HttpRequest req;
    req.client_address = client;
    req.secure = kTls;
    std::shared_ptr<StreamedBody> streamed;
    bool keep_alive = head.keep_alive();
    request_version_ = head.version();
    if (streams_body(head.method_string()) && !parser.is_done()) {
      // The handler reads the body itself, after its own checks (and only then is 100 Continue sent).
      copy_request_head(head, rec, req);
      const bool expect_continue = util::iequals(head[bhttp::field::expect], "100-continue");
      streamed = std::make_shared<StreamedBody>(*this, std::move(parser), expect_continue);
      req.body_reader = streamed;
    } else if (!parser.is_done()) {
      if (util::iequals(head[bhttp::field::expect], "100-continue")) {
        bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, 11};
        expires_after(limits.write_timeout);
        co_await bhttp::async_write(stream_, cont, use_awaitable);
      }
      expires_after(limits.body_timeout);
      auto [bec, bn] = co_await bhttp::async_read(stream_, buffer_, parser, as_tuple_awaitable);
      if (bec) {
        if (bec == bhttp::error::body_limit) co_await answer_early(413, rec, started);
        else if (is_parse_error(bec) && bec != bhttp::error::partial_message) co_await answer_early(400, rec, started);
        co_return false;
      }
    }

    if (!streamed) {
      auto msg = parser.release();
      copy_request_head(msg, rec, req);
      req.body = std::move(msg.body());
    }

    std::optional<util::HttpResponse> routed;
    if (streamed) {
      // The handler reads from the socket itself, so no peek-watch runs beside it; a client that
      // leaves mid-body fails the handler's read. Once the body is complete the upload finishes even
      // if the client goes: the bytes are all here, and stopping would leave 115 half-told.
      expires_never();
      auto routing = route(*impl_, req);
      routed = co_await std::move(routing);
      if (!streamed->finished()) keep_alive = false;  // the rest of the body is still on the wire
      streamed->detach();
    } else {
      auto routing = route_while_peer_listens(req);
      routed = co_await std::move(routing);
    }
    rec.user = req.user;
    if (!routed) {
      // Nobody is waiting for the answer: the handler was cancelled (no more 115 calls for it).
      util::Metrics::global().add("dav115_http_requests_cancelled_total");
      rec.status = kClientClosedRequest;
      rec.duration = std::chrono::steady_clock::now() - started;
      record_request(impl_->access_log.get(), rec);
      co_return false;
    }
    auto& res = *routed;
    rec.status = res.status;
    ++requests_served_;
    keep_alive = keep_alive && !impl_->draining && requests_served_ < limits.max_requests_per_connection;
    if (req.method == "HEAD") res.head_only = true;
    if (res.stream && !res.head_only && request_version_ < 11 && !declared_length(res)) keep_alive = false;
    bool ok = true;
    try {
      rec.bytes_sent = co_await write_response(res, keep_alive);
    } catch (const std::exception& e) {
      spdlog::warn("response to {} {} aborted: {}", req.method, redact_target(req.target), e.what());
      ok = false;
    }
    rec.duration = std::chrono::steady_clock::now() - started;
    record_request(impl_->access_log.get(), rec);
    co_return ok && keep_alive;
  }

  // Runs the request's routing and handler, cancelling them (Asio terminal cancellation: the rate
  // governor's wait and upstream I/O abort) if the client goes away meanwhile. nullopt = cancelled.
  // The watch is one readiness wait on the socket whose callback emits the connection's cancellation
  // signal (bound to this coroutine when it was spawned): no second coroutine, no timer, no parallel
  // group per request, and a handler answering at once costs one wait and its cancellation.
  asio::awaitable<std::optional<util::HttpResponse>> route_while_peer_listens(util::HttpRequest& req) {
    co_await asio::this_coro::reset_cancellation_state(asio::enable_terminal_cancellation());
    expires_never();  // the handler may wait on 115 for as long as it needs; the client's timeouts stop
    routing_ = true;
    const auto watch = ++watch_generation_;
    watch_peer(watch, 0);
    std::optional<util::HttpResponse> result;
    try {
      auto routing = route(*impl_, req);
      result = co_await std::move(routing);
    } catch (const std::exception&) {
      if (!peer_gone_) throw;  // route() answers its own failures: only a cancellation gets here
    }
    routing_ = false;
    if (!peer_gone_) {
      boost::system::error_code ec;
      lowest().cancel(ec);  // the readiness wait, the only operation pending on the socket
    }
    co_await asio::this_coro::reset_cancellation_state();
    if (peer_gone_) co_return std::nullopt;
    co_return result;
  }

  // Waits for readability on the raw socket and peeks, so no byte is consumed: a pipelined next
  // request is left for the parser and ends the watch (a client that sends is still there). Over TLS
  // the bytes may be a close_notify that a peek cannot tell from data; only the TCP close is seen
  // there. A client that half-closes after its request (shutdown(SHUT_WR)) counts as gone, as in nginx.
  // `watch` tells a stale completion (an earlier request's, or a cancelled one) from the current one.
  void watch_peer(std::uint64_t watch, int wakeups) {
    lowest().async_wait(tcp::socket::wait_read,
                                 [self = this->shared_from_this(), watch, wakeups](boost::system::error_code ec) {
                                   self->on_peer_readable(ec, watch, wakeups);
                                 });
  }

  void on_peer_readable(boost::system::error_code ec, std::uint64_t watch, int wakeups) {
    if (!routing_ || watch != watch_generation_ || ec == asio::error::operation_aborted) return;
    if (!ec) {
      char byte;
      auto n = ::recv(lowest().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
      if (n > 0) return;  // the next request is already arriving
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        if (wakeups < 1000) watch_peer(watch, wakeups + 1);  // spurious wake-up: keep watching
        return;
      }
      // n == 0: orderly close; otherwise a reset
    }
    peer_gone_ = true;
    cancel_->emit(asio::cancellation_type::terminal);
  }

  template <class Message>
  static void copy_request_head(const Message& msg, const RequestRecord& rec, util::HttpRequest& req) {
    req.method = rec.method;
    req.target = rec.target;
    for (const auto& f : msg) req.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  }

  // A PUT body handed to the handler: read from the connection as the handler asks for it, each read
  // bounded by limits.body_timeout (between two reads, as nginx's client_body_timeout).
  class StreamedBody final : public util::BodyReader {
   public:
    StreamedBody(Session& session, bhttp::request_parser<bhttp::string_body>&& head_parser, bool expect_continue)
        : session_(&session), parser_(std::move(head_parser)), expect_continue_(expect_continue) {
      length_ = parser_.content_length() ? std::optional<std::uint64_t>(*parser_.content_length()) : std::nullopt;
      // Beast sizes each socket read by the buffer's free capacity: without room, a body arrives in
      // 512-byte reads (9 MiB/s for a 1 GiB PUT). Given back by detach().
      session.buffer_.reserve(kBodyReadBytes);
    }

    asio::awaitable<std::size_t> read(asio::mutable_buffer buf) override {
      if (!session_) throw util::BodyReadError(500, "request body read after its request ended");
      Session& s = *session_;
      if (expect_continue_) {
        expect_continue_ = false;
        bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, 11};
        s.expires_after(s.impl_->cfg.limits.write_timeout);
        auto [wec, wn] = co_await bhttp::async_write(s.stream_, cont, as_tuple_awaitable);
        if (wec) throw util::BodyReadError(408, "client went away before sending the body");
      }
      // Fills the caller's buffer (or ends the body): fewer, larger pieces for the spool and the hash.
      std::size_t filled = 0;
      while (!parser_.is_done() && buf.size() > 0) {
        auto& body = parser_.get().body();
        body.data = buf.data();
        body.size = buf.size();
        s.expires_after(s.impl_->cfg.limits.body_timeout);
        auto [ec, n] = co_await bhttp::async_read_some(s.stream_, s.buffer_, parser_, as_tuple_awaitable);
        const std::size_t got = buf.size() - body.size;
        body.data = nullptr;
        if (ec == bhttp::error::need_buffer) ec = {};
        if (ec == bhttp::error::body_limit) throw util::BodyReadError(413, "request body over the size limit");
        if (ec && is_parse_error(ec) && ec != bhttp::error::partial_message)
          throw util::BodyReadError(400, "malformed request body framing");
        if (ec) throw util::BodyReadError(408, "request body not received: " + ec.message());
        filled += got;
        buf += got;
      }
      s.expires_never();  // the handler hashes and spools what it read: not the client's time
      co_return filled;
    }

    std::optional<std::uint64_t> content_length() const override { return length_; }
    bool finished() const { return parser_.is_done(); }
    // The request is over: a reader kept by mistake can no longer touch the connection.
    void detach() {
      if (session_ && session_->buffer_.size() == 0) session_->buffer_.shrink_to_fit();
      session_ = nullptr;
    }

   private:
    Session* session_;
    bhttp::request_parser<bhttp::buffer_body> parser_;
    bool expect_continue_;
    std::optional<std::uint64_t> length_;
  };

  // The peer, or the client a trusted proxy forwards for (lockout and the access log key on it).
  template <class Fields>
  std::string client_address(const Fields& head) const {
    if (impl_->trusted_proxies.empty()) return peer_;
    std::vector<std::string_view> forwarded;
    for (auto [it, end] = head.equal_range("X-Forwarded-For"); it != end; ++it) forwarded.push_back(it->value());
    return impl_->trusted_proxies.client_address(peer_, forwarded);
  }

  // Errors found before the handler: short text, then the connection closes.
  asio::awaitable<void> answer_early(unsigned status, RequestRecord& rec, std::chrono::steady_clock::time_point started) {
    static const std::map<unsigned, const char*> texts = {
        {400, "Bad request."}, {413, "Request body too large."}, {414, "Request target too long."},
        {415, "Content-Encoding is not supported."}, {431, "Request header fields too large."},
        {501, "Transfer-Encoding is not supported."}};
    auto it = texts.find(status);
    auto res = util::text_response(status, it != texts.end() ? it->second : "Request rejected.");
    rec.status = status;
    try {
      rec.bytes_sent = co_await write_response(res, false);
    } catch (const std::exception&) {
    }
    rec.duration = std::chrono::steady_clock::now() - started;
    record_request(impl_->access_log.get(), rec);
  }

  // An HTTP/1.0 client keeps the connection only if the response says so (RFC 9112 §9.3); without it,
  // ApacheBench and other 1.0 clients wait for a close that never comes. Beast drops the token for 1.1.
  template <class Message>
  void set_keep_alive(Message& out, bool keep_alive) const {
    out.keep_alive(keep_alive);
    if (keep_alive && request_version_ < 11) out.set(bhttp::field::connection, "keep-alive");
  }

  // Returns the bytes written (headers included).
  asio::awaitable<std::size_t> write_response(util::HttpResponse& res, bool keep_alive) {
    if (res.stream && !res.head_only) co_return co_await write_streamed(res, keep_alive);
    // Head and body in one write; the head is built in a buffer the connection keeps.
    const bool bodyless = res.status == 304 || res.status == 204 || res.status < 200;
    HeadFraming framing{std::nullopt, keep_alive, request_version_};
    std::string_view body;
    if (res.head_only) {
      // HEAD advertises the length a GET would have; a 304 or 204 has none of its own (RFC 9110 §8.6).
      framing.content_length = declared_length(res);
      if (!framing.content_length && !res.stream && !bodyless) framing.content_length = res.body.size();
    } else if (!bodyless) {
      framing.content_length = res.body.size();
      body = res.body;
    }
    head_buffer_.clear();
    append_response_head(head_buffer_, res, framing);
    const std::array<asio::const_buffer, 2> pieces{asio::buffer(head_buffer_), asio::buffer(body.data(), body.size())};
    expires_after(impl_->cfg.limits.write_timeout);
    auto written = co_await asio::async_write(stream_, pieces, use_awaitable);
    // A large listing's head buffer is not kept for the life of the connection.
    if (head_buffer_.capacity() > kKeptHeadBytes) std::string().swap(head_buffer_);
    co_return written;
  }

  // Backpressure: the next chunk is read from the source only after the previous one is written.
  asio::awaitable<std::size_t> write_streamed(util::HttpResponse& res, bool keep_alive) {
    bhttp::response<bhttp::buffer_body> out{static_cast<bhttp::status>(res.status), 11};
    copy_headers(res, out);
    set_keep_alive(out, keep_alive);
    if (auto len = declared_length(res)) out.content_length(*len);
    else if (request_version_ >= 11) out.chunked(true);
    // else HTTP/1.0, which has no chunked coding: the body ends where the connection closes.
    out.body().data = nullptr;
    out.body().more = true;
    bhttp::response_serializer<bhttp::buffer_body> sr{out};
    auto timeout = impl_->cfg.limits.write_timeout;

    expires_after(timeout);
    std::size_t total = co_await bhttp::async_write_header(stream_, sr, use_awaitable);
    std::vector<char> chunk(kStreamChunkBytes);
    std::uint64_t body_bytes = 0;
    auto expected = declared_length(res);
    for (;;) {
      expires_never();  // the body source (a CDN, a rendering) is not the client's time
      std::size_t n = co_await res.stream->read(asio::buffer(chunk));
      if (n == 0) {
        // A short body under a promised Content-Length would desynchronise the client: fail loudly.
        if (expected && body_bytes != *expected) throw std::runtime_error("body source ended early");
        out.body().data = nullptr;
        out.body().more = false;
      } else {
        body_bytes += n;
        if (expected && body_bytes > *expected) throw std::runtime_error("body source overran Content-Length");
        out.body().data = chunk.data();
        out.body().size = n;
        out.body().more = true;
      }
      expires_after(timeout);
      auto [ec, written] = co_await bhttp::async_write(stream_, sr, as_tuple_awaitable);
      total += written;
      if (ec == bhttp::error::need_buffer) continue;  // chunk consumed, serializer wants more
      if (ec) throw boost::system::system_error(ec);
      if (sr.is_done()) break;
    }
    co_return total;
  }

  // Lingering close: stop sending, then swallow (bounded) what the client still sends, so an early
  // 413 is not destroyed by a TCP reset before the client reads it.
  asio::awaitable<void> close_gracefully() {
    if constexpr (kTls) {
      expires_after(std::chrono::seconds(2));
      co_await stream_.async_shutdown(as_tuple_awaitable);
    } else {
      boost::system::error_code ec;
      lowest().shutdown(tcp::socket::shutdown_send, ec);
      if (!ec) {
        expires_after(std::chrono::seconds(2));
        std::vector<char> sink(16 * 1024);
        for (int i = 0; i < 64; ++i) {
          auto [rec, n] = co_await lowest().async_read_some(asio::buffer(sink), as_tuple_awaitable);
          if (rec) break;
        }
      }
    }
    close_socket();
  }

  std::shared_ptr<Server::Impl> impl_;
  std::string peer_;
  Stream stream_;
  WatchdogTimer watchdog_;
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
  std::chrono::steady_clock::time_point armed_for_ = std::chrono::steady_clock::time_point::max();
  beast::flat_buffer buffer_;
  std::string head_buffer_;  // the response head being written, reused from request to request
  unsigned request_version_ = 11;  // of the request being answered (10 = HTTP/1.0)
  std::size_t requests_served_ = 0;  // on this connection, against limits.max_requests_per_connection
  bool idle_ = false;  // only touched on the connection's thread
  // Cancels the request being routed when its client goes; bound to the session's coroutine at spawn.
  std::shared_ptr<asio::cancellation_signal> cancel_;
  bool routing_ = false;       // a request is in the handler (the peer watch may cancel it)
  bool peer_gone_ = false;     // the client left while its request was handled: the connection ends
  std::uint64_t watch_generation_ = 0;
};

}  // namespace

}  // namespace dav115::http::detail
