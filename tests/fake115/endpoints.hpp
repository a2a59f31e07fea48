#pragma once
// The emulated endpoints, one function each, grouped by file: endpoints_passport.cpp,
// endpoints_files.cpp (list, search), endpoints_info.cpp (get_info, user info),
// endpoints_download.cpp (downurl). Auth, rate limits and faults are applied before these run.
// endpoints_write.cpp and endpoints_upload.cpp (the writes). All registered in proapi_handlers().
#include <functional>
#include <map>
#include <string>

#include "emulator.hpp"

namespace dav115::fake115 {

using ApiHandler = std::function<ApiReply(Emulator&, const ApiRequest&)>;

ApiReply handle_refresh_token(Emulator& emu, const ApiRequest& req);
// endpoints_device.cpp: the QR login (passport host, and the qrcode host's status long poll)
ApiReply handle_auth_device_code(Emulator& emu, const ApiRequest& req);
ApiReply handle_qr_status(Emulator& emu, const ApiRequest& req);
ApiReply handle_device_code_to_token(Emulator& emu, const ApiRequest& req);
ApiReply handle_list_files(Emulator& emu, const ApiRequest& req);
ApiReply handle_search(Emulator& emu, const ApiRequest& req);
ApiReply handle_get_info(Emulator& emu, const ApiRequest& req);
ApiReply handle_user_info(Emulator& emu, const ApiRequest& req);
ApiReply handle_downurl(Emulator& emu, const ApiRequest& req);
// endpoints_write.cpp
ApiReply handle_folder_add(Emulator& emu, const ApiRequest& req);
ApiReply handle_move(Emulator& emu, const ApiRequest& req);
ApiReply handle_copy(Emulator& emu, const ApiRequest& req);
ApiReply handle_update(Emulator& emu, const ApiRequest& req);
ApiReply handle_delete(Emulator& emu, const ApiRequest& req);
ApiReply handle_rb_list(Emulator& emu, const ApiRequest& req);
ApiReply handle_rb_revert(Emulator& emu, const ApiRequest& req);
ApiReply handle_rb_del(Emulator& emu, const ApiRequest& req);
// endpoints_upload.cpp (the OSS side is oss.hpp)
ApiReply handle_upload_init(Emulator& emu, const ApiRequest& req);
ApiReply handle_upload_get_token(Emulator& emu, const ApiRequest& req);
ApiReply handle_upload_resume(Emulator& emu, const ApiRequest& req);

// proapi path -> handler (every one needs the bearer token).
const std::map<std::string, ApiHandler>& proapi_handlers();
// passportapi (and qrcodeapi) path -> handler (no bearer token).
const std::map<std::string, ApiHandler>& passport_handlers();

// Shared by the handlers: 115's JSON for one entry in a listing / in search results.
nlohmann::json listing_entry(Emulator& emu, const TreeModel& tree, const Node& n);
std::string extension_of(const std::string& name);
std::string format_size(std::uint64_t bytes);

}  // namespace dav115::fake115
