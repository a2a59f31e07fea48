// The upload flow on the 115 side (115-open-api.md §3.12): POST /open/upload/init (status 1 real upload,
// 2 instant, 7 sign check), GET /open/upload/get_token (STS credentials), POST /open/upload/resume, and the
// callback OSS makes when the bytes have arrived (run_upload_callback; in-process, no HTTP).
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <openssl/evp.h>

#include <chrono>
#include <ctime>
#include <random>

#include "endpoints.hpp"
#include "oss.hpp"

namespace dav115::fake115 {
namespace {

constexpr std::uint64_t kMaxSignRange = 128 * 1024;

bool is_sha1_hex(const std::string& s) {
  return s.size() == 40 && s.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
}

// "U_1_<cid>" (SDK-OL adds the prefix), a bare cid is accepted too.
std::string cid_of_target(const std::string& target) {
  if (target.rfind("U_1_", 0) == 0) return target.substr(4);
  return target;
}

std::string sha1_of_range(const Node& file, std::uint64_t first, std::uint64_t last) {
  ContentReader reader(Emulator::source_of(file));
  std::string buf(static_cast<std::size_t>(last - first + 1), '\0');
  reader.read(first, buf.data(), buf.size());
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_Digest(buf.data(), buf.size(), md, &len, EVP_sha1(), nullptr);
  static const char* hex = "0123456789ABCDEF";
  std::string s;
  for (unsigned i = 0; i < len; ++i) {
    s += hex[md[i] >> 4];
    s += hex[md[i] & 15];
  }
  return s;
}

// A live (not recycled) file with these bytes, for instant upload.
const Node* find_same_content(Emulator& emu, const TreeModel& tree, const std::string& sha1, std::uint64_t size) {
  for (const Node* n : tree.all())
    if (!n->is_dir && n->size == size && emu.sha1_of(*n) == sha1) return n;
  return nullptr;
}

nlohmann::json init_data(int status) {
  return {{"status", status}, {"pick_code", ""}, {"file_id", ""},    {"target", ""},
          {"bucket", ""},     {"object", ""},    {"sign_key", ""}, {"sign_check", ""},
          {"callback", nlohmann::json::array()}};
}

std::string iso8601(std::int64_t t) {
  std::time_t tt = t;
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// 115's callback description, as upload/init hands it to the client (who base64s it into x-oss-callback).
nlohmann::json callback_for(Emulator& emu, const UploadSession& s) {
  nlohmann::json cb = {
      {"callbackUrl", emu.cdn_base() + "/__upload_callback"},
      {"callbackBody",
       "bucket=${bucket}&object=${object}&etag=${etag}&size=${size}&mimeType=${mimeType}&sha1=${x:sha1}"
       "&pick_code=${x:pick_code}&target=${x:target}&user_id=${x:user_id}"},
      {"callbackBodyType", "application/x-www-form-urlencoded"}};
  nlohmann::json var = {{"x:pick_code", s.pick_code}, {"x:sha1", s.sha1}, {"x:target", s.target}, {"x:user_id", "100000001"}};
  return {{"callback", cb.dump()}, {"callback_var", var.dump()}};
}

// The file an upload creates, with its bytes taken from `content` (instant) or from an OSS object.
Node new_file(const std::string& parent_id, const std::string& name, std::uint64_t size, const std::string& sha1,
              const std::string& pick_code) {
  Node n;
  n.parent_id = parent_id;
  n.name = name;
  n.size = size;
  n.sha1 = sha1;
  n.pick_code = pick_code;
  n.mtime = n.ctime = unix_now();
  return n;
}

ApiReply instant_upload(Emulator& emu, std::shared_ptr<TreeModel> tree, const Node& same, const std::string& parent_id,
                        const std::string& name) {
  Node n = new_file(parent_id, name, same.size, emu.sha1_of(same), "");
  n.local_path = same.local_path;
  n.content_id = same.content_id.empty() ? same.id : same.content_id;
  const Node& added = tree->add(std::move(n));
  nlohmann::json data = init_data(2);
  data["file_id"] = added.id;
  data["pick_code"] = added.pick_code;
  emu.replace_tree(tree);
  return proapi_ok(std::move(data));
}

}  // namespace

ApiReply handle_upload_init(Emulator& emu, const ApiRequest& req) {
  const std::string name = req.param("file_name"), size_s = req.param("file_size"), target = req.param("target");
  const std::string sha1 = to_upper(req.param("fileid")), preid = to_upper(req.param("preid"));
  if (name.empty() || size_s.empty() || target.empty() || sha1.empty()) return proapi_error(40100000, "参数缺失");
  if (!is_sha1_hex(sha1) || (!preid.empty() && !is_sha1_hex(preid))) return proapi_error(40100000, "参数错误: fileid/preid");
  std::uint64_t size = 0;
  try {
    std::size_t used = 0;
    size = std::stoull(size_s, &used);
    if (used != size_s.size()) throw std::invalid_argument(size_s);
  } catch (...) {
    return proapi_error(40100000, "参数错误: file_size");
  }
  const std::string cid = cid_of_target(target);

  std::lock_guard lk(emu.write_mu);
  auto tree = std::make_shared<TreeModel>(*emu.tree());
  const Node* parent = tree->find(cid);
  if (!parent || !parent->is_dir) return proapi_error(430004, "文件（夹）不存在或已删除");
  const Node* same = find_same_content(emu, *tree, sha1, size);

  // The second round of a sign check.
  if (const std::string key = req.param("sign_key"); !key.empty()) {
    auto it = emu.uploads.challenges.find(key);
    if (it != emu.uploads.challenges.end() && it->second.sha1 == sha1 && it->second.size == size) {
      const bool right = to_upper(req.param("sign_val")) == it->second.expected;
      emu.uploads.challenges.erase(it);
      if (!right) return proapi_error(701, "sign_val 校验失败");
      if (same) return instant_upload(emu, tree, *same, cid, name);
      // The file went away in between: fall through to a real upload.
    }
    // An unknown or stale sign_key: answered like a first call.
  }

  if (same && size < emu.opts.sign_check_min) return instant_upload(emu, tree, *same, cid, name);
  if (same) {
    // Prove you have the bytes: the SHA-1 of an inclusive byte range of them.
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    const std::uint64_t first = std::uniform_int_distribution<std::uint64_t>(0, size - 1)(rng);
    const std::uint64_t len =
        std::uniform_int_distribution<std::uint64_t>(1, std::min(kMaxSignRange, size - first))(rng);
    const std::string key = random_hex(40);
    emu.uploads.challenges[key] = {sha1, size, sha1_of_range(*same, first, first + len - 1)};
    nlohmann::json data = init_data(7);
    data["sign_key"] = key;
    data["sign_check"] = std::to_string(first) + "-" + std::to_string(first + len - 1);
    data["target"] = "U_1_" + cid;
    // The doc pairs status 7 with code 701; the call itself succeeded (state true).
    nlohmann::json j = {{"state", true}, {"code", 701}, {"message", "需要二次认证"}, {"data", data}};
    return {200, "application/json; charset=utf-8", j.dump(), "701"};
  }

  UploadSession s;
  s.pick_code = pick_code_for(random_hex(24));
  s.bucket = emu.opts.oss_bucket;
  s.object = "fake115/" + random_hex(40);
  s.target = "U_1_" + cid;
  s.parent_id = cid;
  s.file_name = name;
  s.sha1 = sha1;
  s.preid = preid;
  s.size = size;
  nlohmann::json data = init_data(1);
  data["pick_code"] = s.pick_code;
  data["target"] = s.target;
  data["bucket"] = s.bucket;
  data["object"] = s.object;
  data["callback"] = callback_for(emu, s);
  emu.uploads.sessions[s.pick_code] = s;
  return proapi_ok(std::move(data));
}

// Temporary OSS credentials. The doc spells the secret `AccessKeySecrett` and types data as an array;
// what SDK-OL decodes (an object with AccessKeySecret) is sent, or a one-element array with
// --get-token-shape array (R115 saw both shapes live).
ApiReply handle_upload_get_token(Emulator& emu, const ApiRequest&) {
  StsCredentials c;
  c.key_id = "STS." + random_hex(24, true);
  c.secret = AuthState::random_token().substr(0, 40);
  c.token = "CAIS" + AuthState::random_token() + AuthState::random_token();
  c.expires_at = unix_now() + emu.opts.sts_ttl;
  {
    std::lock_guard lk(emu.write_mu);
    emu.uploads.sts[c.key_id] = c;
  }
  nlohmann::json data = {{"endpoint", emu.cdn_base() + "/oss"},
                         {"AccessKeyId", c.key_id},
                         {"AccessKeySecret", c.secret},
                         {"SecurityToken", c.token},
                         {"Expiration", iso8601(c.expires_at)}};
  if (emu.opts.get_token_shape == "array") return proapi_ok(nlohmann::json::array({data}));
  return proapi_ok(std::move(data));
}

// The session of an earlier status-1 init, by pick_code (fileid and file_size are not checked, as P115 notes).
ApiReply handle_upload_resume(Emulator& emu, const ApiRequest& req) {
  const std::string pc = req.param("pick_code");
  if (pc.empty()) return proapi_error(40100000, "参数缺失");
  std::lock_guard lk(emu.write_mu);
  auto it = emu.uploads.sessions.find(pc);
  if (it == emu.uploads.sessions.end() || !it->second.file_id.empty())
    return proapi_error(430004, "文件（夹）不存在或已删除");
  const UploadSession& s = it->second;
  return proapi_ok({{"pick_code", s.pick_code},
                    {"target", s.target},
                    {"version", ""},
                    {"bucket", s.bucket},
                    {"object", s.object},
                    {"callback", callback_for(emu, s)}});
}

CallbackOutcome run_upload_callback(Emulator& emu, const StoredObject& obj, const std::string& callback_b64,
                                    const std::string& callback_var_b64) {
  auto fail = [](CallbackOutcome::Kind k, std::string why) { return CallbackOutcome{k, std::move(why)}; };
  nlohmann::json cb, var = nlohmann::json::object();
  {
    auto raw = base64_decode(callback_b64);
    if (!raw || !nlohmann::json::accept(*raw)) return fail(CallbackOutcome::BadConfig, "The callback configuration is not json format.");
    cb = nlohmann::json::parse(*raw);
    if (!cb.is_object() || !cb.contains("callbackUrl") || !cb.contains("callbackBody"))
      return fail(CallbackOutcome::BadConfig, "The callback configuration lacks callbackUrl or callbackBody.");
  }
  if (!callback_var_b64.empty()) {
    auto raw = base64_decode(callback_var_b64);
    if (!raw || !nlohmann::json::accept(*raw) || !nlohmann::json::parse(*raw).is_object())
      return fail(CallbackOutcome::BadConfig, "The callback-var configuration is not json format.");
    var = nlohmann::json::parse(*raw);
  }
  // What OSS does: fill in the ${...} variables of callbackBody.
  std::string body = cb["callbackBody"].is_string() ? cb["callbackBody"].get<std::string>() : "";
  const std::map<std::string, std::string> system = {{"bucket", obj.bucket}, {"object", obj.key},
                                                     {"etag", obj.etag},     {"size", std::to_string(obj.size)},
                                                     {"mimeType", "application/octet-stream"}};
  std::string filled;
  for (std::size_t pos = 0; pos < body.size();) {
    auto open = body.find("${", pos);
    auto close = open == std::string::npos ? std::string::npos : body.find('}', open);
    if (close == std::string::npos) {
      filled += body.substr(pos);
      break;
    }
    filled += body.substr(pos, open - pos);
    const std::string name = body.substr(open + 2, close - open - 2);
    if (auto it = system.find(name); it != system.end())
      filled += it->second;
    else if (var.contains(name) && var[name].is_string())
      filled += var[name].get<std::string>();
    pos = close + 1;
  }
  std::map<std::string, std::string> form;
  if (auto u = boost::urls::parse_origin_form("/?" + filled))
    for (auto p : u->params()) form.emplace(p.key, p.value);

  // What 115 does with it.
  std::lock_guard lk(emu.write_mu);
  auto& sessions = emu.uploads.sessions;
  auto it = sessions.find(form["pick_code"]);
  if (it == sessions.end())  // no callback-var: found by the object key instead
    it = std::find_if(sessions.begin(), sessions.end(), [&](auto& kv) { return kv.second.object == obj.key; });
  if (it == sessions.end()) return fail(CallbackOutcome::Failed, "no upload/init session for this object");
  UploadSession& s = it->second;
  if (s.object != obj.key || s.bucket != obj.bucket)
    return fail(CallbackOutcome::Failed, "object " + obj.bucket + "/" + obj.key + " is not the one upload/init gave");
  if (obj.size != s.size)
    return fail(CallbackOutcome::Failed, "size " + std::to_string(obj.size) + " differs from the declared " + std::to_string(s.size));
  if (obj.sha1 != s.sha1) return fail(CallbackOutcome::Failed, "sha1 " + obj.sha1 + " differs from the declared " + s.sha1);
  auto tree = std::make_shared<TreeModel>(*emu.tree());
  const Node* existing = s.file_id.empty() ? nullptr : tree->find(s.file_id);
  if (!existing) {
    const Node* parent = tree->find(s.parent_id);
    if (!parent || !parent->is_dir) return fail(CallbackOutcome::Failed, "target folder " + s.parent_id + " is gone");
    Node n = new_file(s.parent_id, s.file_name, s.size, s.sha1, s.pick_code);
    n.local_path = obj.path;
    s.file_id = tree->add(std::move(n)).id;
    emu.replace_tree(tree);
  }
  nlohmann::json j = {{"state", true},
                      {"code", 0},
                      {"message", ""},
                      {"data",
                       {{"pick_code", s.pick_code},
                        {"file_name", s.file_name},
                        {"file_size", s.size},
                        {"file_id", s.file_id},
                        {"thumb_url", ""},
                        {"sha1", s.sha1},
                        {"aid", 1},
                        {"cid", s.parent_id}}}};
  return {CallbackOutcome::Ok, j.dump()};
}

}  // namespace dav115::fake115
