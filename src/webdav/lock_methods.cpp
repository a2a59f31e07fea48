// LOCK and UNLOCK (RFC 4918 §9.10, §9.11), and the check every write makes first: the If header
// (412) and the locks that cover what it touches (423).
#include "dav115/serve/entity_tags.hpp"
#include "dav115/serve/path_codec.hpp"
#include "dav115/serve/request_path.hpp"
#include "dav115/webdav/depth_header.hpp"
#include "dav115/webdav/if_evaluation.hpp"
#include "dav115/webdav/if_header.hpp"
#include "dav115/webdav/lock_xml.hpp"
#include "dav115/webdav/timeout_header.hpp"
#include "write_support.hpp"

namespace dav115::webdav {
namespace {

util::HttpResponse xml_response(unsigned status, std::string body) {
  util::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.set("Content-Type", "application/xml; charset=utf-8");
  return r;
}

std::string strip_angle_brackets(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (v.size() >= 2 && v.front() == '<' && v.back() == '>') return std::string(v.substr(1, v.size() - 2));
  return {};
}

}  // namespace

std::string Handler::lock_path(const std::vector<std::string>& segments) {
  std::string out;
  for (const auto& s : segments) {
    out += '/';
    out += s;
  }
  return out;
}

std::string Handler::href_of_lock_path(std::string_view path) const {
  std::string href = mount_href_;
  std::size_t i = 1;
  while (i <= path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) {
      if (href.back() != '/') href += '/';
      serve::append_encoded_segment(href, path.substr(i, j - i));
    }
    i = j + 1;
  }
  return href;
}

boost::asio::awaitable<std::optional<util::HttpResponse>> Handler::check_write_conditions(
    const util::HttpRequest& req, const std::vector<std::string>& segments, const std::optional<vfs::Node>& node,
    WriteScope scope, bool check_locks) {
  const std::string path = lock_path(segments);
  std::vector<std::string> tokens;
  if (auto header = req.header("If")) {
    IfHeader parsed;
    try {
      parsed = parse_if_header(*header);
    } catch (const IfHeaderError& e) {
      co_return util::text_response(400, std::string("bad If header: ") + e.what());
    }
    // The state of every resource the header names, fetched before the (synchronous) evaluation.
    std::map<std::string, std::optional<std::string>, std::less<>> etags;
    etags[path] = node ? std::optional<std::string>(serve::strong_etag(*node)) : std::nullopt;
    std::map<std::string, std::optional<std::string>, std::less<>> tag_paths;
    for (const auto& list : parsed.lists) {
      if (!list.resource || tag_paths.count(*list.resource)) continue;
      serve::PathDecodeResult decoded = serve::decode_request_path(*list.resource, opts_.mount_path);
      if (!decoded.ok()) {
        tag_paths[*list.resource] = std::nullopt;
        continue;
      }
      std::string p = lock_path(decoded.path.lookup_segments);
      tag_paths[*list.resource] = p;
      if (etags.count(p)) continue;
      std::optional<vfs::Node> tagged;
      try {
        auto finding = tree_.stat(decoded.path.lookup_segments, std::chrono::steady_clock::now() + opts_.client_deadline);
        tagged = co_await std::move(finding);
      } catch (const std::exception&) {
        // Unknown state reads as unmapped: conditions on it fail, and the client learns 412.
      }
      etags[p] = tagged ? std::optional<std::string>(serve::strong_etag(*tagged)) : std::nullopt;
    }
    ResolveTag resolve_tag = [&](std::string_view tag) -> std::optional<std::string> {
      auto it = tag_paths.find(tag);
      return it == tag_paths.end() ? std::nullopt : it->second;
    };
    StateOf state_of = [&](std::string_view p) {
      ResourceState st;
      if (auto it = etags.find(p); it != etags.end()) st.etag = it->second;
      for (const auto& l : locks_.locks_covering(p)) st.lock_tokens.push_back(l.token);
      return st;
    };
    if (!if_header_holds(parsed, path, resolve_tag, state_of))
      co_return precondition_failed("the If header's conditions do not hold");
    tokens = submitted_lock_tokens(parsed);
  }
  if (!check_locks) co_return std::nullopt;
  if (auto blocked = locks_.check_write(path, scope, tokens, req.user))
    co_return xml_response(423, precondition_body("lock-token-submitted", href_of_lock_path(*blocked)));
  co_return std::nullopt;
}

std::optional<util::HttpResponse> Handler::check_locks_only(const util::HttpRequest& req,
                                                            const std::vector<std::string>& segments,
                                                            WriteScope scope) {
  std::vector<std::string> tokens;
  if (auto header = req.header("If")) {
    try {
      tokens = submitted_lock_tokens(parse_if_header(*header));
    } catch (const IfHeaderError& e) {
      return util::text_response(400, std::string("bad If header: ") + e.what());
    }
  }
  if (auto blocked = locks_.check_write(lock_path(segments), scope, tokens, req.user))
    return xml_response(423, precondition_body("lock-token-submitted", href_of_lock_path(*blocked)));
  return std::nullopt;
}

boost::asio::awaitable<util::HttpResponse> Handler::lock(const util::HttpRequest& req) {
  serve::PathDecodeResult target = serve::decode_request_path(req.target, opts_.mount_path);
  if (!target.ok()) co_return util::text_response(target.status, target.reason);
  std::optional<LockInfo> info;
  try {
    info = parse_lock_body(req.body);
  } catch (const LockBodyError& e) {
    co_return util::text_response(400, std::string("bad LOCK body: ") + e.what());
  }
  std::optional<Depth> depth = parse_depth(req.header("Depth"));
  if (!depth || *depth == Depth::One) co_return util::text_response(400, "LOCK takes Depth 0 or infinity");
  const auto& segments = target.path.lookup_segments;
  const std::string path = lock_path(segments);
  const auto timeout = parse_timeout(req.header("Timeout"));

  if (!info) {  // refresh: the token comes in the If header
    std::optional<Lock> refreshed;
    if (auto header = req.header("If")) {
      try {
        for (const auto& token : submitted_lock_tokens(parse_if_header(*header)))
          if ((refreshed = locks_.refresh(path, token, timeout))) break;
      } catch (const IfHeaderError& e) {
        co_return util::text_response(400, std::string("bad If header: ") + e.what());
      }
    }
    if (!refreshed) co_return precondition_failed("no lock of the submitted tokens covers this resource");
    co_return xml_response(200, lock_response_body(*refreshed, href_of_lock_path(refreshed->root), locks_.now()));
  }

  const auto deadline = std::chrono::steady_clock::now() + opts_.client_deadline;
  std::exception_ptr failure;
  Target t;
  try {
    auto resolving = resolve(segments, deadline);
    t = co_await std::move(resolving);
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) co_return write_failure_response(failure, 409);
  if (!t.node && !t.parent) co_return conflict("the parent folder does not exist");
  if (!t.node) {
    auto checking = check_write_conditions(req, segments, t.node, WriteScope{false, true});
    if (auto refusal = co_await std::move(checking)) co_return std::move(*refusal);
  }
  LockRequest request;
  request.scope = info->scope;
  request.infinite = *depth == Depth::Infinity;
  request.is_collection = t.node && t.node->is_dir;
  request.owner_xml = info->owner_xml;
  request.principal = req.user;
  request.timeout = timeout;
  LockOutcome outcome = locks_.lock(path, std::move(request));
  if (outcome.status == LockOutcome::Status::Conflict)
    co_return xml_response(423, precondition_body("no-conflicting-lock", href_of_lock_path(outcome.conflict)));
  if (outcome.status == LockOutcome::Status::TooManyLocks) {
    auto r = util::text_response(503, "too many locks are held; try again later");
    r.set("Retry-After", "60");
    co_return r;
  }
  bool created = false;
  if (!t.node) {
    // LOCK on an unmapped URL creates an empty resource (RFC 4918 §7.3), a real 0-byte file on 115.
    std::optional<util::HttpResponse> body_error;
    util::HttpRequest empty;
    auto staging = receive_body(empty, body_error);
    auto staged = co_await std::move(staging);
    if (!staged) {
      locks_.unlock(path, outcome.lock.token, req.user);
      co_return std::move(*body_error);
    }
    try {
      auto storing = tree_.put_file(*t.parent, t.name, {staged->path.string(), 0, staged->sha1, staged->pre_sha1},
                                    std::nullopt, deadline);
      co_await std::move(storing);
    } catch (...) {
      failure = std::current_exception();
    }
    if (failure) {
      locks_.unlock(path, outcome.lock.token, req.user);
      co_return write_failure_response(failure, 409);
    }
    created = true;
  }
  auto r = xml_response(created ? 201 : 200,
                        lock_response_body(outcome.lock, href_of_lock_path(outcome.lock.root), locks_.now()));
  r.set("Lock-Token", "<" + outcome.lock.token + ">");
  co_return r;
}

boost::asio::awaitable<util::HttpResponse> Handler::unlock(const util::HttpRequest& req) {
  serve::PathDecodeResult target = serve::decode_request_path(req.target, opts_.mount_path);
  if (!target.ok()) co_return util::text_response(target.status, target.reason);
  auto header = req.header("Lock-Token");
  std::string token = header ? strip_angle_brackets(*header) : std::string();
  if (token.empty()) co_return util::text_response(400, "UNLOCK needs a Lock-Token header: <token>");
  switch (locks_.unlock(lock_path(target.path.lookup_segments), token, req.user)) {
    case UnlockStatus::Unlocked: {
      util::HttpResponse r;
      r.status = 204;
      co_return r;
    }
    case UnlockStatus::Forbidden:
      co_return util::text_response(403, "that lock belongs to another user");
    case UnlockStatus::NoSuchLock:
      break;
  }
  co_return xml_response(409, precondition_body("lock-token-matches-request-uri"));
}

}  // namespace dav115::webdav
