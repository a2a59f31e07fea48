// POST /open/ufile/downurl: form pick_code (several may be joined with commas); data keyed by file id.
#include <sstream>

#include "cdn.hpp"
#include "endpoints.hpp"

namespace dav115::fake115 {

ApiReply handle_downurl(Emulator& emu, const ApiRequest& req) {
  auto tree = emu.tree();
  const std::string codes = req.param("pick_code");
  if (codes.empty()) return proapi_error(50003, "提取码不存在");
  nlohmann::json data = nlohmann::json::object();
  std::stringstream ss(codes);
  std::string pc;
  bool any_known = false;
  while (std::getline(ss, pc, ',')) {
    const Node* n = tree->find_by_pick_code(pc);
    if (!n) continue;
    any_known = true;
    if (n->is_dir) continue;  // folders have no link: they are simply absent from data
    data[n->id] = {{"file_name", n->name},
                   {"file_size", n->size},
                   {"pick_code", n->pick_code},
                   {"sha1", emu.sha1_of(*n)},
                   {"url", {{"url", make_cdn_url(emu, *n, req.user_agent)}}}};
  }
  if (!any_known) return proapi_error(50003, "提取码不存在");
  return proapi_ok(std::move(data));
}

}  // namespace dav115::fake115
