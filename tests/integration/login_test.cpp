// `dav115 login` against the emulator's QR login (115-open-api.md §2.1): the pair it stores is the one
// `serve` then uses; expired, cancelled and refused logins leave the stored tokens as they were; a
// login beside a running gateway hands the pair to it; serve without any token says to log in.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>

#include "support/fake115.hpp"
#include "support/gateway.hpp"

using namespace dav115::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr const char* kAppId = "100000001";  // fake115's default --app-id

// A gateway config without a refresh token, set up for the QR login; not started.
json login_overrides(Fake115& emu) {
  return {{"cloud115", {{"refresh_token", nullptr}, {"app_id", kAppId}, {"qrcode_base", emu.base_url()}}}};
}

void script(Fake115& emu, const json& statuses) { emu.control({{"device_login", {{"script", statuses}}}}); }

// Bounded by the command's own timeout, never by a sleep: the script ends in a final status within a
// few polls (one a second).
CommandResult login(Gateway& gw, bool no_qr = true) {
  std::vector<std::string> argv{dav115_binary(), "login", "--config", gw.config_path()};
  if (no_qr) argv.push_back("--no-qr");
  return run_command(argv, std::chrono::seconds(30));
}

std::string tokens_file(Gateway& gw) { return gw.state_dir() + "/tokens.json"; }

bool in_order(const std::string& text, const std::vector<std::string>& parts) {
  std::size_t at = 0;
  for (const auto& p : parts) {
    at = text.find(p, at);
    if (at == std::string::npos) return false;
    at += p.size();
  }
  return true;
}

}  // namespace

TEST_CASE("login: waiting -> scanned -> confirmed stores the pair serve then uses, with no dead token") {
  Fake115 emu;
  Gateway gw(emu, login_overrides(emu), /*start_now=*/false);
  script(emu, json::array({"waiting", "scanned", "confirmed"}));

  auto r = login(gw);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("two logins per app") != std::string::npos);  // 115's limit, said before the QR code
  CHECK(r.out.find("https://115.com/scan/dg-") != std::string::npos);  // --no-qr: the content
  CHECK(in_order(r.out, {"two logins", "https://115.com/scan/dg-", "\nwaiting:", "\nscanned:", "\nconfirmed",
                         "Logged in"}));
  const json stored = json::parse(read_text_file(tokens_file(gw)));
  CHECK(stored["refresh_token"] == emu.refresh_token());
  CHECK(stored["access_token"] == emu.access_token());
  CHECK(fs::status(tokens_file(gw)).permissions() == (fs::perms::owner_read | fs::perms::owner_write));

  gw.start();
  CHECK(dav(gw, "PROPFIND", "/", {{"Depth", "1"}}).status == 207);
  CHECK(emu.stats()["dead_refresh_token_uses"] == 0);

  // While the gateway runs, a second login hands its pair to the gateway (state_dir + SIGHUP) instead of
  // writing tokens.json beside it: one refresher per token. The emulator's new login ends the old pair,
  // so a gateway that kept it would show up as a dead-token use.
  const std::string old_refresh = stored["refresh_token"];
  auto handed = login(gw);
  INFO(handed.out << handed.err);
  CHECK(handed.exit_code == 0);
  CHECK(handed.out.find("A gateway is running") != std::string::npos);
  CHECK(handed.out.find("now uses the new token") != std::string::npos);
  CHECK(emu.stats()["device_logins_started"] == 2);
  CHECK(emu.refresh_token() != old_refresh);
  CHECK_FALSE(fs::exists(gw.state_dir() + "/tokens.login.json"));  // taken and removed by the gateway
  CHECK(json::parse(read_text_file(tokens_file(gw)))["refresh_token"] == emu.refresh_token());
  CHECK(dav(gw, "PROPFIND", "/docs/", {{"Depth", "1"}}).status == 207);
  CHECK(emu.stats()["dead_refresh_token_uses"] == 0);
  CHECK(gw.process().log().find("adopted the pair of a new QR login") != std::string::npos);
}

TEST_CASE("login: a pair handed over to a gateway that stopped before taking it is used at the next start") {
  Fake115 emu;
  Gateway gw(emu, login_overrides(emu), /*start_now=*/false);
  script(emu, json::array({"confirmed"}));
  REQUIRE(login(gw).exit_code == 0);
  // As if `dav115 login` had run beside a gateway that was stopped before its SIGHUP arrived.
  fs::rename(tokens_file(gw), gw.state_dir() + "/tokens.login.json");
  gw.start();
  CHECK(dav(gw, "PROPFIND", "/", {{"Depth", "1"}}).status == 207);
  CHECK_FALSE(fs::exists(gw.state_dir() + "/tokens.login.json"));
  CHECK(json::parse(read_text_file(tokens_file(gw)))["refresh_token"] == emu.refresh_token());
  CHECK(emu.stats()["dead_refresh_token_uses"] == 0);
}

TEST_CASE("login: expired and cancelled QR codes exit non-zero and leave the stored tokens byte for byte") {
  Fake115 emu;
  Gateway gw(emu, login_overrides(emu), /*start_now=*/false);
  script(emu, json::array({"confirmed"}));
  REQUIRE(login(gw).exit_code == 0);
  const std::string before = read_text_file(tokens_file(gw));
  REQUIRE(!before.empty());
  const std::string rt = emu.refresh_token();

  script(emu, json::array({"waiting", "expired"}));
  auto expired = login(gw);
  INFO(expired.out << expired.err);
  CHECK(expired.exit_code == 1);
  CHECK(expired.out.find("\nexpired:") != std::string::npos);
  CHECK(expired.err.find("expired") != std::string::npos);
  CHECK(expired.err.find("unchanged") != std::string::npos);
  CHECK(read_text_file(tokens_file(gw)) == before);

  script(emu, json::array({"scanned", "cancelled"}));
  auto cancelled = login(gw);
  INFO(cancelled.out << cancelled.err);
  CHECK(cancelled.exit_code == 1);
  CHECK(cancelled.out.find("\ncancelled") != std::string::npos);
  CHECK(cancelled.err.find("cancelled") != std::string::npos);
  CHECK(read_text_file(tokens_file(gw)) == before);
  CHECK(emu.refresh_token() == rt);  // nothing was exchanged

  // The stored pair still serves.
  gw.start();
  CHECK(dav(gw, "PROPFIND", "/", {{"Depth", "1"}}).status == 207);
  CHECK(emu.stats()["dead_refresh_token_uses"] == 0);
}

TEST_CASE("login: a wrong app id shows 115's own error and stores nothing") {
  Fake115 emu;
  Gateway gw(emu, login_overrides(emu), /*start_now=*/false);
  gw.config()["cloud115"]["app_id"] = "999999";
  gw.write_config();
  auto r = login(gw);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("client_id 错误") != std::string::npos);  // fake115's message for it
  CHECK(r.err.find("40140100") != std::string::npos);
  CHECK_FALSE(fs::exists(tokens_file(gw)));

  // Without any app id the login does not start at all.
  gw.config()["cloud115"].erase("app_id");
  gw.write_config();
  auto usage = login(gw);
  CHECK(usage.exit_code == 2);
  CHECK(usage.err.find("cloud115.app_id") != std::string::npos);
}

TEST_CASE("login: the QR code is drawn with half blocks unless --no-qr") {
  Fake115 emu;
  Gateway gw(emu, login_overrides(emu), /*start_now=*/false);
  script(emu, json::array({"confirmed"}));
  auto r = login(gw, /*no_qr=*/false);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("\u2588\u2588\u2588\u2588") != std::string::npos);
  CHECK(r.out.find("https://115.com/scan/dg-") == std::string::npos);
  CHECK(r.out.find("\x1b[") == std::string::npos);  // not a terminal: no colours
}

TEST_CASE("serve with neither a refresh token nor stored tokens exits 2 saying to run dav115 login") {
  Fake115 emu;
  Gateway gw(emu, login_overrides(emu), /*start_now=*/false);
  auto r = run_command({dav115_binary(), "serve", "--config", gw.config_path()}, std::chrono::seconds(30));
  INFO(r.out << r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("dav115 login") != std::string::npos);
  CHECK_FALSE(fs::exists(gw.state_dir() + "/port"));  // it never served
}
