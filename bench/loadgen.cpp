// bench_loadgen: an HTTP/1.1 load generator for mixes of methods (bench/mix.py, issue #13).
//
// N keep-alive connections each cycle through a list of requests (PROPFIND, HEAD, GET ...), connection i
// starting at request i mod K so the mix is even at every instant. wrk cannot do this (its parser waits
// for a body after a HEAD response) and ApacheBench sends one method only. Closed loop like wrk: each
// connection sends its next request as soon as the previous answer is complete.
//
// POSIX only (epoll, non-blocking sockets), one event loop per thread; prints one JSON object on stdout.
//
//   bench_loadgen --port P [--host 127.0.0.1] [--connections 8] [--duration 5] [--warmup 0] [--threads 1]
//                 [--timeout 10] [--auth user:pass] [--header 'Name: value' ...]
//                 --request 'METHOD /path' [--name LABEL] [--header 'Name: value' ...]
//                                          [--body-file F | --body TEXT] [--expect STATUS] ...
//
// --header before the first --request applies to every request; after one, to that request only.
// A response counts as an error when its status is not --expect (when given) or not 2xx/3xx (otherwise).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::nanoseconds;

[[noreturn]] void usage_error(const std::string& msg) {
  std::fprintf(stderr, "bench_loadgen: %s (see the comment at the top of bench/loadgen.cpp)\n", msg.c_str());
  std::exit(2);
}

[[noreturn]] void fatal(const std::string& msg) {
  std::fprintf(stderr, "bench_loadgen: %s\n", msg.c_str());
  std::exit(1);
}

// ---------------------------------------------------------------- latency histogram

// Log-linear buckets over nanoseconds (HdrHistogram's layout, 128 sub-buckets per power of two): under 1%
// relative error at a fixed 36 KiB, however many samples.
class Histogram {
 public:
  static constexpr int kSubBits = 7;
  static constexpr uint64_t kSub = 1u << kSubBits;
  static constexpr int kMaxExp = 42;  // 2^42 ns = 73 min, beyond any --timeout
  static constexpr std::size_t kBuckets = kSub + (kMaxExp - kSubBits + 1) * kSub;

  void record(uint64_t ns) {
    ++counts_[index(ns)];
    ++total_;
    max_ = std::max(max_, ns);
    sum_ += ns;
  }
  void merge(const Histogram& o) {
    for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += o.counts_[i];
    total_ += o.total_;
    max_ = std::max(max_, o.max_);
    sum_ += o.sum_;
  }
  uint64_t count() const { return total_; }
  uint64_t max() const { return max_; }
  double mean() const { return total_ ? double(sum_) / double(total_) : 0; }
  // The value below which a fraction q of the samples lie (the middle of its bucket, capped at the max).
  double quantile(double q) const {
    if (!total_) return 0;
    auto rank = static_cast<uint64_t>(q * double(total_));
    rank = std::clamp<uint64_t>(rank, 1, total_);
    uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::min<double>(middle(i), double(max_));
    }
    return double(max_);
  }

 private:
  static std::size_t index(uint64_t v) {
    if (v < kSub) return v;
    int e = 63 - __builtin_clzll(v);
    if (e > kMaxExp) return kBuckets - 1;
    uint64_t sub = (v >> (e - kSubBits)) & (kSub - 1);
    return kSub + std::size_t(e - kSubBits) * kSub + sub;
  }
  static double middle(std::size_t i) {
    if (i < kSub) return double(i);
    std::size_t e = (i - kSub) / kSub + kSubBits;
    uint64_t sub = (i - kSub) % kSub;
    uint64_t lo = (kSub + sub) << (e - kSubBits);
    uint64_t width = uint64_t(1) << (e - kSubBits);
    return double(lo) + double(width) / 2;
  }

  std::vector<uint64_t> counts_ = std::vector<uint64_t>(kBuckets);
  uint64_t total_ = 0, max_ = 0, sum_ = 0;
};

// ---------------------------------------------------------------- configuration

struct RequestKind {
  std::string name, method, path;
  std::vector<std::string> headers;
  std::string body;
  bool has_body = false;
  int expect = 0;       // 0: any 2xx/3xx is a success
  std::string wire;     // the bytes sent, built once
  bool head = false;    // a HEAD answer has no body whatever its headers say
};

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  int connections = 8;
  int threads = 1;
  double duration = 5, warmup = 0, timeout = 10;
  std::vector<std::string> global_headers;
  std::vector<RequestKind> kinds;
};

std::string base64(std::string_view in) {
  static constexpr char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16 | uint32_t(uint8_t(in[i + 1])) << 8 | uint8_t(in[i + 2]);
    for (int s : {18, 12, 6, 0}) out += tbl[(v >> s) & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16;
    out += tbl[(v >> 18) & 63];
    out += tbl[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16 | uint32_t(uint8_t(in[i + 1])) << 8;
    out += tbl[(v >> 18) & 63];
    out += tbl[(v >> 12) & 63];
    out += tbl[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

double parse_seconds(const std::string& flag, const std::string& v, double lo, double hi) {
  char* end = nullptr;
  double d = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || !(d >= lo && d <= hi))
    usage_error(flag + " wants seconds in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got '" + v + "'");
  return d;
}

int parse_int(const std::string& flag, const std::string& v, int lo, int hi) {
  int n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size() || n < lo || n > hi)
    usage_error(flag + " wants an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got '" + v + "'");
  return n;
}

void check_header(const std::string& h) {
  auto colon = h.find(':');
  if (colon == 0 || colon == std::string::npos || h.find_first_of("\r\n") != std::string::npos)
    usage_error("--header wants 'Name: value' on one line, got '" + h + "'");
}

Options parse_options(int argc, char** argv) {
  Options o;
  auto value = [&](int& i) -> std::string {
    if (i + 1 >= argc) usage_error(std::string(argv[i]) + " needs a value");
    return argv[++i];
  };
  auto current = [&](const char* flag) -> RequestKind& {
    if (o.kinds.empty()) usage_error(std::string(flag) + " must follow a --request");
    return o.kinds.back();
  };
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--host") o.host = value(i);
    else if (a == "--port") o.port = parse_int(a, value(i), 1, 65535);
    else if (a == "--connections") o.connections = parse_int(a, value(i), 1, 100000);
    else if (a == "--threads") o.threads = parse_int(a, value(i), 1, 256);
    else if (a == "--duration") o.duration = parse_seconds(a, value(i), 0.1, 3600);
    else if (a == "--warmup") o.warmup = parse_seconds(a, value(i), 0, 600);
    else if (a == "--timeout") o.timeout = parse_seconds(a, value(i), 0.01, 600);
    else if (a == "--auth") {
      std::string up = value(i);
      if (up.find(':') == std::string::npos) usage_error("--auth wants user:pass");
      o.global_headers.push_back("Authorization: Basic " + base64(up));
    } else if (a == "--request") {
      std::string r = value(i);
      auto sp = r.find(' ');
      RequestKind k;
      if (sp == std::string::npos || sp == 0 || r[sp + 1] != '/' || r.find_first_of(" \r\n", sp + 1) != std::string::npos)
        usage_error("--request wants 'METHOD /path', got '" + r + "'");
      k.method = r.substr(0, sp);
      k.path = r.substr(sp + 1);
      k.name = r;
      o.kinds.push_back(std::move(k));
    } else if (a == "--header") {
      std::string h = value(i);
      check_header(h);
      (o.kinds.empty() ? o.global_headers : o.kinds.back().headers).push_back(h);
    } else if (a == "--name") current("--name").name = value(i);
    else if (a == "--body") {
      auto& k = current("--body");
      k.body = value(i);
      k.has_body = true;
    } else if (a == "--body-file") {
      auto& k = current("--body-file");
      std::string f = value(i);
      std::ifstream in(f, std::ios::binary);
      if (!in) usage_error("cannot read --body-file " + f);
      k.body.assign(std::istreambuf_iterator<char>(in), {});
      k.has_body = true;
    } else if (a == "--expect") current("--expect").expect = parse_int(a, value(i), 100, 599);
    else if (a == "--help" || a == "-h") {
      std::fprintf(stdout, "usage: see the comment at the top of bench/loadgen.cpp\n");
      std::exit(0);
    } else usage_error("unknown option " + a);
  }
  if (!o.port) usage_error("--port is required");
  if (o.kinds.empty()) usage_error("at least one --request is required");
  if (o.threads > o.connections) o.threads = o.connections;
  for (auto& k : o.kinds) {
    k.head = k.method == "HEAD";
    std::string w = k.method + " " + k.path + " HTTP/1.1\r\nHost: " + o.host + ":" + std::to_string(o.port) + "\r\n";
    for (auto& h : o.global_headers) w += h + "\r\n";
    for (auto& h : k.headers) w += h + "\r\n";
    if (k.has_body) w += "Content-Length: " + std::to_string(k.body.size()) + "\r\n";
    w += "\r\n";
    w += k.body;
    k.wire = std::move(w);
  }
  return o;
}

// ---------------------------------------------------------------- statistics

struct KindStats {
  uint64_t requests = 0, errors = 0;
  std::array<uint64_t, 600> status{};
  Histogram latency;
};

struct Stats {
  std::vector<KindStats> kinds;
  Histogram latency;
  uint64_t requests = 0, status_errors = 0, connect_errors = 0, resets = 0, timeouts = 0, parse_errors = 0;
  uint64_t reconnects = 0, closed_by_server = 0, bytes_in = 0;
};

// ---------------------------------------------------------------- HTTP/1.1 response parser

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return std::tolower(uint8_t(x)) == std::tolower(uint8_t(y)); });
}

bool icontains_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    auto comma = list.find(',');
    auto item = list.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (iequals(item, token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

// Incremental: feed() consumes what it can of the buffer and says whether the response is complete.
class ResponseParser {
 public:
  enum class Result { need_more, done, error };

  void reset(bool head) {
    state_ = State::headers;
    head_ = head;
    status_ = 0;
    close_ = false;
    remaining_ = 0;
  }
  int status() const { return status_; }
  bool close_after() const { return close_; }
  bool reads_until_close() const { return state_ == State::until_close; }

  // Consumes bytes from [data, data+len); `used` is how many were consumed.
  Result feed(const char* data, std::size_t len, std::size_t& used) {
    used = 0;
    for (;;) {
      const char* p = data + used;
      std::size_t n = len - used;
      switch (state_) {
        case State::headers: {
          std::string_view view(p, n);
          auto end = view.find("\r\n\r\n");
          if (end == std::string_view::npos) return n > kMaxHeader ? Result::error : Result::need_more;
          if (!parse_head(view.substr(0, end + 2))) return Result::error;
          used += end + 4;
          if (status_ >= 100 && status_ < 200) {  // interim (100 Continue): the final answer follows
            state_ = State::headers;
            continue;
          }
          if (state_ == State::complete) return Result::done;
          continue;
        }
        case State::length: {
          std::size_t take = std::min<uint64_t>(remaining_, n);
          used += take;
          remaining_ -= take;
          if (remaining_ == 0) return Result::done;
          return Result::need_more;
        }
        case State::chunk_size: {
          std::string_view view(p, n);
          auto eol = view.find("\r\n");
          if (eol == std::string_view::npos) return n > kMaxLine ? Result::error : Result::need_more;
          auto line = view.substr(0, std::min(eol, view.find(';')));
          while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
          uint64_t size = 0;
          auto [q, ec] = std::from_chars(line.data(), line.data() + line.size(), size, 16);
          if (line.empty() || ec != std::errc() || q != line.data() + line.size()) return Result::error;
          used += eol + 2;
          if (size == 0) state_ = State::trailers;
          else {
            state_ = State::chunk_data;
            remaining_ = size;
          }
          continue;
        }
        case State::chunk_data: {
          std::size_t take = std::min<uint64_t>(remaining_, n);
          used += take;
          remaining_ -= take;
          if (remaining_) return Result::need_more;
          state_ = State::chunk_crlf;
          continue;
        }
        case State::chunk_crlf: {
          if (n < 2) return Result::need_more;
          if (p[0] != '\r' || p[1] != '\n') return Result::error;
          used += 2;
          state_ = State::chunk_size;
          continue;
        }
        case State::trailers: {
          std::string_view view(p, n);
          auto eol = view.find("\r\n");
          if (eol == std::string_view::npos) return n > kMaxLine ? Result::error : Result::need_more;
          used += eol + 2;
          if (eol == 0) return Result::done;
          continue;
        }
        case State::until_close:
          used = len;  // the body ends with the connection (eof() completes it)
          return Result::need_more;
        case State::complete:
          return Result::done;
      }
    }
  }

 private:
  enum class State { headers, length, chunk_size, chunk_data, chunk_crlf, trailers, until_close, complete };
  static constexpr std::size_t kMaxHeader = 64 * 1024, kMaxLine = 4096;

  // The status line and header fields (each line ending in CRLF); sets how the body is framed.
  bool parse_head(std::string_view head) {
    auto eol = head.find("\r\n");
    auto line = head.substr(0, eol);
    if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[8] != ' ') return false;
    bool http10 = line[7] == '0';
    auto [q, ec] = std::from_chars(line.data() + 9, line.data() + 12, status_);
    if (ec != std::errc() || q != line.data() + 12 || status_ < 100 || status_ > 599) return false;
    bool chunked = false, have_length = false, keep_alive = false;
    uint64_t length = 0;
    close_ = false;
    head.remove_prefix(eol + 2);
    while (!head.empty()) {
      eol = head.find("\r\n");
      auto field = head.substr(0, eol);
      head.remove_prefix(eol + 2);
      auto colon = field.find(':');
      if (colon == std::string_view::npos) return false;
      auto name = field.substr(0, colon);
      auto value = field.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
      if (iequals(name, "content-length")) {
        auto [r, e] = std::from_chars(value.data(), value.data() + value.size(), length);
        if (e != std::errc() || r != value.data() + value.size()) return false;
        have_length = true;
      } else if (iequals(name, "transfer-encoding")) {
        chunked = icontains_token(value, "chunked");
      } else if (iequals(name, "connection")) {
        if (icontains_token(value, "close")) close_ = true;
        if (icontains_token(value, "keep-alive")) keep_alive = true;
      }
    }
    if (http10 && !keep_alive) close_ = true;
    if (status_ < 200) return true;  // interim: no body, the caller reads the next head
    if (head_ || status_ == 204 || status_ == 304) state_ = State::complete;
    else if (chunked) state_ = State::chunk_size;
    else if (have_length) {
      remaining_ = length;
      state_ = length ? State::length : State::complete;
    } else {
      state_ = State::until_close;
      close_ = true;
    }
    return true;
  }

  State state_ = State::headers;
  bool head_ = false, close_ = false;
  int status_ = 0;
  uint64_t remaining_ = 0;
};

// ---------------------------------------------------------------- the event loop

struct Connection {
  int fd = -1;
  std::size_t global_index = 0;
  std::size_t next_kind = 0;       // index into the request list, cycling
  std::size_t kind = 0;            // the request in flight
  bool connecting = false, in_flight = false, want_write = false;
  std::size_t written = 0;         // bytes of kind's wire sent
  Clock::time_point sent_at, deadline, retry_at;
  ResponseParser parser;
  std::vector<char> buf;
  std::size_t buf_len = 0;
};

class Worker {
 public:
  Worker(const Options& o, const sockaddr_storage& addr, socklen_t addr_len, Clock::time_point measure_from,
         Clock::time_point end)
      : o_(o), addr_(addr), addr_len_(addr_len), measure_from_(measure_from), end_(end) {
    stats_.kinds.resize(o.kinds.size());
  }

  void add_connection(std::size_t global_index) {
    auto c = std::make_unique<Connection>();
    c->global_index = global_index;
    c->next_kind = global_index % o_.kinds.size();
    c->buf.resize(64 * 1024);
    conns_.push_back(std::move(c));
  }

  void run() {
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    if (ep_ < 0) fatal(std::string("epoll_create1: ") + std::strerror(errno));
    for (auto& c : conns_) open(*c, false);
    std::vector<epoll_event> events(512);
    auto next_scan = Clock::now();
    for (;;) {
      auto now = Clock::now();
      if (now >= end_) break;
      auto wait_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::min(end_, next_scan) - now).count();
      int n = epoll_wait(ep_, events.data(), int(events.size()), int(std::clamp<long long>(wait_ms, 0, 10) + 1));
      if (n < 0 && errno != EINTR) fatal(std::string("epoll_wait: ") + std::strerror(errno));
      for (int i = 0; i < n; ++i) {
        const epoll_event& e = events[std::size_t(i)];
        auto* c = static_cast<Connection*>(e.data.ptr);
        if (c->fd < 0) continue;
        if (c->connecting) finish_connect(*c);
        else {
          if (e.events & EPOLLOUT) write_some(*c);
          if (c->fd >= 0 && (e.events & (EPOLLIN | EPOLLERR | EPOLLHUP))) read_some(*c);
        }
      }
      now = Clock::now();
      if (now >= next_scan) {  // request timeouts and delayed reconnects: a linear scan every 10 ms is cheap
        for (auto& c : conns_) {
          if (c->fd >= 0 && (c->connecting || c->in_flight) && now >= c->deadline) {
            count_error(stats_.timeouts, now);
            reopen(*c);
          } else if (c->fd < 0 && now >= c->retry_at) {
            open(*c, true);
          }
        }
        next_scan = now + std::chrono::milliseconds(10);
      }
    }
    for (auto& c : conns_) close_fd(*c);
    ::close(ep_);
  }

  Stats& stats() { return stats_; }

 private:
  bool measuring(Clock::time_point t) const { return t >= measure_from_ && t < end_; }
  void count_error(uint64_t& counter, Clock::time_point t) {
    if (measuring(t)) ++counter;
  }

  void close_fd(Connection& c) {
    if (c.fd >= 0) ::close(c.fd);  // close() also removes it from the epoll set
    c.fd = -1;
    c.connecting = c.in_flight = c.want_write = false;
  }

  // A failed or finished connection: a new one at once (counted), the request list continuing where it was.
  void reopen(Connection& c) {
    close_fd(c);
    open(c, true);
  }

  void open(Connection& c, bool again) {
    auto now = Clock::now();
    if (again && measuring(now)) ++stats_.reconnects;
    c.fd = ::socket(addr_.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
      count_error(stats_.connect_errors, now);
      c.retry_at = now + std::chrono::milliseconds(50);  // out of descriptors or ports: back off
      return;
    }
    int one = 1;
    ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c.buf_len = 0;
    c.deadline = now + nanoseconds(static_cast<int64_t>(o_.timeout * 1e9));
    epoll_event ev{};
    ev.data.ptr = &c;
    ev.events = EPOLLIN | EPOLLOUT;
    if (::connect(c.fd, reinterpret_cast<const sockaddr*>(&addr_), addr_len_) == 0) {
      c.connecting = false;
      ev.events = EPOLLIN;
      epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev);
      send_next(c);
      return;
    }
    if (errno != EINPROGRESS) {
      count_error(stats_.connect_errors, now);
      close_fd(c);
      c.retry_at = now + std::chrono::milliseconds(50);
      return;
    }
    c.connecting = true;
    c.want_write = true;
    epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev);
  }

  void finish_connect(Connection& c) {
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) {
      auto now = Clock::now();
      count_error(stats_.connect_errors, now);
      close_fd(c);
      c.retry_at = now + std::chrono::milliseconds(50);  // the server refuses: do not spin
      return;
    }
    c.connecting = false;
    send_next(c);
  }

  void set_want_write(Connection& c, bool want) {
    if (c.want_write == want) return;
    c.want_write = want;
    epoll_event ev{};
    ev.data.ptr = &c;
    ev.events = want ? uint32_t(EPOLLIN | EPOLLOUT) : uint32_t(EPOLLIN);
    epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
  }

  void send_next(Connection& c) {
    c.kind = c.next_kind;
    c.next_kind = (c.next_kind + 1) % o_.kinds.size();
    c.written = 0;
    c.in_flight = true;
    c.parser.reset(o_.kinds[c.kind].head);
    c.sent_at = Clock::now();
    c.deadline = c.sent_at + nanoseconds(static_cast<int64_t>(o_.timeout * 1e9));
    write_some(c);
  }

  void write_some(Connection& c) {
    const std::string& wire = o_.kinds[c.kind].wire;
    while (c.in_flight && c.written < wire.size()) {
      ssize_t n = ::send(c.fd, wire.data() + c.written, wire.size() - c.written, MSG_NOSIGNAL);
      if (n > 0) {
        c.written += std::size_t(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        set_want_write(c, true);
        return;
      }
      count_error(stats_.resets, Clock::now());
      reopen(c);
      return;
    }
    set_want_write(c, false);
  }

  void read_some(Connection& c) {
    for (;;) {
      if (c.buf_len == c.buf.size()) {  // a head or chunk line longer than the buffer: the parser rejects it
        count_error(stats_.parse_errors, Clock::now());
        reopen(c);
        return;
      }
      ssize_t n = ::recv(c.fd, c.buf.data() + c.buf_len, c.buf.size() - c.buf_len, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      auto now = Clock::now();
      if (n <= 0) {
        if (n == 0 && c.in_flight && c.parser.reads_until_close()) {  // the body ended with the connection
          complete(c, now);
          if (measuring(now)) ++stats_.closed_by_server;
        } else if (n == 0 && !c.in_flight) {
          if (measuring(now)) ++stats_.closed_by_server;
        } else {
          count_error(stats_.resets, now);  // reset, or closed before the answer was complete
        }
        reopen(c);
        return;
      }
      if (measuring(now)) stats_.bytes_in += uint64_t(n);
      c.buf_len += std::size_t(n);
      if (!c.in_flight) {  // bytes nobody asked for
        count_error(stats_.parse_errors, now);
        reopen(c);
        return;
      }
      std::size_t used = 0;
      auto r = c.parser.feed(c.buf.data(), c.buf_len, used);
      if (r == ResponseParser::Result::error) {
        count_error(stats_.parse_errors, now);
        reopen(c);
        return;
      }
      // Keep only what the parser has not consumed yet (a partial head or chunk-size line).
      if (used) {
        std::memmove(c.buf.data(), c.buf.data() + used, c.buf_len - used);
        c.buf_len -= used;
      }
      if (r == ResponseParser::Result::done) {
        complete(c, now);
        if (c.buf_len) {  // we never pipeline: more bytes after a whole answer are a protocol error
          count_error(stats_.parse_errors, now);
          reopen(c);
          return;
        }
        if (c.parser.close_after()) {
          if (measuring(now)) ++stats_.closed_by_server;
          reopen(c);
          return;
        }
        if (now >= end_) return;
        send_next(c);
        return;  // level-triggered epoll: the next answer's bytes come with a later event
      }
    }
  }

  void complete(Connection& c, Clock::time_point now) {
    c.in_flight = false;
    if (!measuring(now)) return;
    auto ns = uint64_t(std::chrono::duration_cast<nanoseconds>(now - c.sent_at).count());
    int status = c.parser.status();
    const auto& kind = o_.kinds[c.kind];
    bool ok = kind.expect ? status == kind.expect : status >= 200 && status < 400;
    auto& ks = stats_.kinds[c.kind];
    ++ks.requests;
    ++ks.status[std::size_t(status)];
    ks.latency.record(ns);
    ++stats_.requests;
    stats_.latency.record(ns);
    if (!ok) {
      ++ks.errors;
      ++stats_.status_errors;
    }
  }

  const Options& o_;
  sockaddr_storage addr_;
  socklen_t addr_len_;
  Clock::time_point measure_from_, end_;
  std::vector<std::unique_ptr<Connection>> conns_;
  int ep_ = -1;
  Stats stats_;
};

// ---------------------------------------------------------------- output

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    auto u = uint8_t(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (u < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", u);
      out += esc;
    } else out += ch;
  }
  return out + "\"";
}

std::string fixed(double v, int digits = 3) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

std::string latency_json(const Histogram& h) {
  auto ms = [](double ns) { return fixed(ns / 1e6); };
  return "{\"p50\": " + ms(h.quantile(0.50)) + ", \"p90\": " + ms(h.quantile(0.90)) + ", \"p99\": " +
         ms(h.quantile(0.99)) + ", \"max\": " + ms(double(h.max())) + ", \"mean\": " + ms(h.mean()) + "}";
}

std::string status_json(const std::array<uint64_t, 600>& st) {
  std::string out = "{";
  for (std::size_t s = 0; s < st.size(); ++s) {
    if (!st[s]) continue;
    if (out.size() > 1) out += ", ";
    out += '"';
    out += std::to_string(s);
    out += "\": ";
    out += std::to_string(st[s]);
  }
  return out + "}";
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse_options(argc, argv);
  ::signal(SIGPIPE, SIG_IGN);

  // Many connections need descriptors: raise the soft limit to the hard one (no privilege needed).
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }

  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(o.host.c_str(), std::to_string(o.port).c_str(), &hints, &res); rc != 0)
    fatal("cannot resolve " + o.host + ": " + gai_strerror(rc));
  sockaddr_storage addr{};
  std::memcpy(&addr, res->ai_addr, res->ai_addrlen);
  auto addr_len = socklen_t(res->ai_addrlen);
  ::freeaddrinfo(res);

  auto start = Clock::now();
  auto measure_from = start + nanoseconds(static_cast<int64_t>(o.warmup * 1e9));
  auto end = measure_from + nanoseconds(static_cast<int64_t>(o.duration * 1e9));
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < o.threads; ++t)
    workers.push_back(std::make_unique<Worker>(o, addr, addr_len, measure_from, end));
  for (int i = 0; i < o.connections; ++i) workers[std::size_t(i % o.threads)]->add_connection(std::size_t(i));
  std::vector<std::thread> threads;
  for (auto& w : workers) threads.emplace_back([&w] { w->run(); });
  for (auto& t : threads) t.join();
  auto finished = Clock::now();
  double seconds = std::chrono::duration<double>(std::min(finished, end) - measure_from).count();

  Stats total;
  total.kinds.resize(o.kinds.size());
  std::array<uint64_t, 600> status{};
  for (auto& w : workers) {
    auto& s = w->stats();
    total.latency.merge(s.latency);
    total.requests += s.requests;
    total.status_errors += s.status_errors;
    total.connect_errors += s.connect_errors;
    total.resets += s.resets;
    total.timeouts += s.timeouts;
    total.parse_errors += s.parse_errors;
    total.reconnects += s.reconnects;
    total.closed_by_server += s.closed_by_server;
    total.bytes_in += s.bytes_in;
    for (std::size_t k = 0; k < o.kinds.size(); ++k) {
      auto& dst = total.kinds[k];
      dst.requests += s.kinds[k].requests;
      dst.errors += s.kinds[k].errors;
      dst.latency.merge(s.kinds[k].latency);
      for (std::size_t st = 0; st < status.size(); ++st) {
        dst.status[st] += s.kinds[k].status[st];
        status[st] += s.kinds[k].status[st];
      }
    }
  }
  uint64_t errors = total.status_errors + total.connect_errors + total.resets + total.timeouts + total.parse_errors;

  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);  // our own CPU: the harness checks the load generator was not saturated
  double cpu = double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;

  std::ostringstream out;
  out << "{\"connections\": " << o.connections << ", \"threads\": " << o.threads
      << ", \"warmup_seconds\": " << fixed(o.warmup) << ", \"seconds\": " << fixed(seconds, 6)
      << ", \"requests\": " << total.requests << ", \"rps\": " << fixed(seconds > 0 ? double(total.requests) / seconds : 0, 1)
      << ", \"cpu_seconds\": " << fixed(cpu) << ", \"bytes_in\": " << total.bytes_in << ", \"errors\": " << errors
      << ", \"error_detail\": {\"status\": " << total.status_errors << ", \"connect\": " << total.connect_errors
      << ", \"reset\": " << total.resets << ", \"timeout\": " << total.timeouts << ", \"parse\": " << total.parse_errors
      << "}, \"reconnects\": " << total.reconnects << ", \"closed_by_server\": " << total.closed_by_server
      << ", \"status\": " << status_json(status) << ", \"latency_ms\": " << latency_json(total.latency)
      << ", \"kinds\": [";
  for (std::size_t k = 0; k < o.kinds.size(); ++k) {
    auto& ks = total.kinds[k];
    out << (k ? ", " : "") << "{\"name\": " << json_string(o.kinds[k].name) << ", \"requests\": " << ks.requests
        << ", \"errors\": " << ks.errors << ", \"status\": " << status_json(ks.status)
        << ", \"latency_ms\": " << latency_json(ks.latency) << "}";
  }
  out << "]}\n";
  std::fputs(out.str().c_str(), stdout);
  return 0;
}
