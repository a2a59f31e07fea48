#include "endpoints.hpp"

namespace dav115::fake115 {

// POST /open/refreshToken, form refresh_token: a new pair every time; the old refresh token is dead.
ApiReply handle_refresh_token(Emulator& emu, const ApiRequest& req) {
  RefreshResult r = emu.auth.refresh(req.param("refresh_token"));
  if (r.code != 0) return passport_error(r.code, r.message);
  return passport_ok({{"access_token", r.access_token}, {"refresh_token", r.refresh_token}, {"expires_in", r.expires_in}});
}

const std::map<std::string, ApiHandler>& passport_handlers() {
  static const std::map<std::string, ApiHandler> handlers = {{"/open/refreshToken", handle_refresh_token}};
  return handlers;
}

const std::map<std::string, ApiHandler>& proapi_handlers() {
  static const std::map<std::string, ApiHandler> handlers = {
      {"/open/ufile/files", handle_list_files},   {"/open/ufile/search", handle_search},
      {"/open/folder/get_info", handle_get_info}, {"/open/user/info", handle_user_info},
      {"/open/ufile/downurl", handle_downurl},
  };
  return handlers;
}

}  // namespace dav115::fake115
