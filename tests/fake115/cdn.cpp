#include "cdn.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <boost/url/url_view.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <atomic>
#include <chrono>
#include <cstdio>

namespace dav115::fake115 {
namespace {

std::int64_t now_unix() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// What the signature binds: file, expiry, cap and the UA the link was minted for.
std::string sign(const std::string& secret, const std::string& fid, const std::string& t, const std::string& c,
                 const std::string& n, const std::string& ua) {
  const std::string msg = fid + "\n" + t + "\n" + c + "\n" + n + "\n" + ua;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), md, &len);
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (unsigned i = 0; i < 16; ++i) {
    s += hex[md[i] >> 4];
    s += hex[md[i] & 15];
  }
  return s;
}

bool parse_u64(const std::string& s, std::uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  out = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return false;
    out = out * 10 + static_cast<std::uint64_t>(ch - '0');
  }
  return true;
}

CdnAnswer refuse(unsigned status, std::string why) {
  CdnAnswer a;
  a.status = status;
  a.error_body = std::move(why);
  return a;
}

}  // namespace

std::string make_cdn_url(Emulator& emu, const Node& file, const std::string& user_agent) {
  const std::string t = std::to_string(now_unix() + emu.opts.link_ttl);
  const std::string c = std::to_string(emu.opts.cdn_max_conns);
  // `n` makes every minted link distinct, so each has its own concurrency budget.
  static std::atomic<std::uint64_t> counter{0};
  const std::string n = std::to_string(++counter);
  const std::string s = sign(emu.cdn_secret, file.id, t, c, n, user_agent);
  return emu.cdn_base() + "/cdn/" + file.id + "/" + boost::urls::encode(file.name, boost::urls::unreserved_chars) +
         "?t=" + t + "&c=" + c + "&f=1&n=" + n + "&s=" + s;
}

RangeResult evaluate_range(const std::string& header, std::uint64_t size) {
  const std::string prefix = "bytes=";
  if (header.size() <= prefix.size() || header.compare(0, prefix.size(), prefix) != 0) return {};
  const std::string spec = header.substr(prefix.size());
  if (spec.find(',') != std::string::npos) return {};  // multi-range: answered with the whole body
  const auto dash = spec.find('-');
  if (dash == std::string::npos) return {};
  const std::string first = spec.substr(0, dash), last = spec.substr(dash + 1);
  std::uint64_t a = 0, b = 0;
  if (first.empty()) {  // suffix: the last `b` bytes
    if (!parse_u64(last, b)) return {};
    if (b == 0 || size == 0) return {RangeKind::Unsatisfiable};
    b = std::min(b, size);
    return {RangeKind::Partial, size - b, b};
  }
  if (!parse_u64(first, a)) return {};
  if (last.empty()) {
    b = size == 0 ? 0 : size - 1;
  } else {
    if (!parse_u64(last, b) || b < a) return {};  // invalid: ignored, like RFC 9110 says
    b = std::min(b, size == 0 ? 0 : size - 1);
  }
  if (a >= size) return {RangeKind::Unsatisfiable};
  return {RangeKind::Partial, a, b - a + 1};
}

CdnAnswer answer_cdn(Emulator& emu, const std::string& target, bool is_get, const std::string& user_agent,
                     const std::string& range_header) {
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) return refuse(400, "bad request target\n");
  const boost::urls::url_view& u = *parsed;
  std::vector<std::string> segs(u.segments().begin(), u.segments().end());
  if (segs.size() != 3 || segs[0] != "cdn") return refuse(404, "not found\n");
  const std::string& fid = segs[1];
  auto q = [&](const char* k) -> std::string {
    auto it = u.params().find(k);
    return it == u.params().end() ? "" : std::string((*it).value);
  };
  const std::string t = q("t"), c = q("c"), nonce = q("n"), s = q("s");
  const std::string expected = sign(emu.cdn_secret, fid, t, c, nonce, user_agent);
  // One answer for a tampered link and for another UA: the signature covers the UA.
  if (s.size() != expected.size() || CRYPTO_memcmp(s.data(), expected.data(), s.size()) != 0)
    return refuse(403, "403 Forbidden: bad signature or User-Agent differs from the one the link was issued for\n");
  std::uint64_t expiry = 0, max_conns = 0;
  if (!parse_u64(t, expiry) || !parse_u64(c, max_conns)) return refuse(403, "403 Forbidden: malformed link\n");
  if (static_cast<std::int64_t>(expiry) < now_unix()) return refuse(403, "403 Forbidden: link expired\n");

  auto tree = emu.tree();
  const Node* n = tree->find(fid);
  if (!n || n->is_dir) return refuse(404, "404 Not Found: file no longer exists\n");

  CdnAnswer a;
  a.size = n->size;
  a.source = Emulator::source_of(*n);
  a.sha1 = emu.sha1_of(*n);
  a.mtime = n->mtime;
  RangeResult r = evaluate_range(range_header, n->size);
  if (r.kind == RangeKind::Unsatisfiable) {
    a.status = 416;
    a.content_range = "bytes */" + std::to_string(n->size);
    a.error_body = "416 Range Not Satisfiable\n";
    return a;
  }
  if (r.kind == RangeKind::Partial) {
    a.status = 206;
    a.start = r.start;
    a.length = r.length;
    a.content_range = "bytes " + std::to_string(r.start) + "-" + std::to_string(r.start + r.length - 1) + "/" +
                      std::to_string(n->size);
  } else {
    a.status = 200;
    a.length = n->size;
  }
  if (is_get) {
    // The `c` cap: a link may be open at most c times at once (c = 0: unlimited).
    const std::string key = fid + "|" + t + "|" + s;
    int active = 0;
    {
      std::lock_guard lk(emu.cdn_mu);
      active = emu.cdn_active[key];
      if (max_conns > 0 && active >= static_cast<int>(max_conns))
        return refuse(403, "403 Forbidden: too many concurrent connections for this link (limit " + c + ")\n");
      active = ++emu.cdn_active[key];
    }
    emu.stats.cdn_started(key, active);
    Emulator* e = &emu;
    a.slot = std::shared_ptr<void>(nullptr, [e, key](void*) {
      std::lock_guard lk(e->cdn_mu);
      if (--e->cdn_active[key] <= 0) e->cdn_active.erase(key);
    });
  }
  return a;
}

}  // namespace dav115::fake115
