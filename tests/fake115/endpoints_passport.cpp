#include "endpoints.hpp"

namespace dav115::fake115 {

// POST /open/refreshToken, form refresh_token: a new pair every time; the old refresh token is dead.
ApiReply handle_refresh_token(Emulator& emu, const ApiRequest& req) {
  RefreshResult r = emu.auth.refresh(req.param("refresh_token"));
  if (r.code != 0) return passport_error(r.code, r.message);
  return passport_ok({{"access_token", r.access_token}, {"refresh_token", r.refresh_token}, {"expires_in", r.expires_in}});
}

const std::map<std::string, ApiHandler>& passport_handlers() {
  static const std::map<std::string, ApiHandler> handlers = {
      {"/open/refreshToken", handle_refresh_token},
      {"/open/authDeviceCode", handle_auth_device_code},
      {"/open/deviceCodeToToken", handle_device_code_to_token},
      {"/get/status/", handle_qr_status},  // qrcodeapi.115.com: every host is this one port
  };
  return handlers;
}

const std::map<std::string, ApiHandler>& proapi_handlers() {
  static const std::map<std::string, ApiHandler> handlers = {
      {"/open/ufile/files", handle_list_files},   {"/open/ufile/search", handle_search},
      {"/open/folder/get_info", handle_get_info}, {"/open/user/info", handle_user_info},
      {"/open/ufile/downurl", handle_downurl},
      // writes (endpoints_write.cpp, endpoints_upload.cpp)
      {"/open/folder/add", handle_folder_add},    {"/open/ufile/move", handle_move},
      {"/open/ufile/copy", handle_copy},          {"/open/ufile/update", handle_update},
      {"/open/ufile/delete", handle_delete},      {"/open/rb/list", handle_rb_list},
      {"/open/rb/revert", handle_rb_revert},      {"/open/rb/del", handle_rb_del},
      {"/open/upload/init", handle_upload_init},  {"/open/upload/get_token", handle_upload_get_token},
      {"/open/upload/resume", handle_upload_resume},
  };
  return handlers;
}

}  // namespace dav115::fake115
