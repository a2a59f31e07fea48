// The production TLS client path end to end: fake115 serves the passport, the API and the CDN over HTTPS
// with a certificate from a throw-away CA made here with the openssl CLI, and the gateway trusts it only
// through cloud115.ca_file (verification stays on). Token refresh, a listing and a local_proxy download
// all go over it; a gateway without the CA refuses to talk to the impostor.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "support/digest.hpp"
#include "support/fake115.hpp"
#include "support/gateway.hpp"
#include "support/multistatus.hpp"

using namespace dav115::test;
using nlohmann::json;

namespace {

struct Pki {
  std::string ca_cert, server_cert, server_key;
};

void openssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_command(argv, std::chrono::seconds(60));
  INFO("openssl " << args.front() << ": " << r.err);
  REQUIRE(r.exit_code == 0);
}

// A CA and a server certificate for IP 127.0.0.1 (and localhost), both valid for a day.
Pki make_pki() {
  const std::string dir = temp_dir("dav115-pki");
  Pki p{dir + "/ca.pem", dir + "/server.pem", dir + "/server.key"};
  openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
           "-subj", "/CN=dav115 test CA", "-keyout", dir + "/ca.key", "-out", p.ca_cert, "-addext",
           "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"});
  openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj",
           "/CN=127.0.0.1", "-keyout", p.server_key, "-out", dir + "/server.csr"});
  write_text_file(dir + "/ext.cnf",
                  "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n"
                  "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  openssl({"x509", "-req", "-in", dir + "/server.csr", "-CA", p.ca_cert, "-CAkey", dir + "/ca.key",
           "-CAcreateserial", "-days", "1", "-extfile", dir + "/ext.cnf", "-out", p.server_cert});
  return p;
}

std::string tls_base_url(Fake115& emu) {
  std::string url = read_text_file(emu.state_dir() + "/tls_base_url");
  while (!url.empty() && (url.back() == '\n' || url.back() == '\r')) url.pop_back();
  return url;
}

}  // namespace

TEST_CASE("token refresh, listing and local_proxy delivery over HTTPS trusted through cloud115.ca_file") {
  const Pki pki = make_pki();
  // 2-second access tokens: the gateway refreshes over TLS at start-up and again while serving.
  Fake115 emu({"--tls-cert", pki.server_cert, "--tls-key", pki.server_key, "--access-ttl", "2"});
  const std::string https = tls_base_url(emu);
  REQUIRE(https.rfind("https://127.0.0.1:", 0) == 0);

  Gateway gw(emu, {{"cloud115", {{"api_base", https}, {"passport_base", https}, {"ca_file", pki.ca_cert},
                                 {"verify_tls", true}, {"refresh_margin_s", 1}}},
                   {"delivery", {{"policy", "local_proxy"}, {"allow_plain_http_cdn", false}}}});

  // Listing (and with it the token refresh at start-up) over TLS.
  auto root = dav(gw, "PROPFIND", "/", {{"Depth", "1"}}, "", {std::chrono::seconds(30)});
  INFO(gw.log());
  REQUIRE(root.status == 207);
  CHECK(parse_multistatus(root.body).size() > 3);
  CHECK(wait_until([&] { return emu.stats()["refresh_count"].get<int>() >= 2; }, std::chrono::seconds(30)));
  CHECK(emu.stats()["dead_refresh_token_uses"].get<int>() == 0);

  // A CDN link is https now, and local_proxy fetches it through the same trust.
  const json entry = emu.entry("sizes/1m7.bin");
  auto file = dav(gw, "GET", "/sizes/1m7.bin", {}, "", {std::chrono::seconds(60)});
  REQUIRE(file.status == 200);
  CHECK(file.body.size() == entry["size"].get<std::size_t>());
  CHECK(sha1_hex(file.body) == lower(entry["sha1"]));
  CHECK(emu.stats()["cdn_downloads"].get<int>() >= 1);
  CHECK(http("GET", gw.base_url() + "/healthz").status == 200);
}

TEST_CASE("without the CA in cloud115.ca_file the gateway does not trust the HTTPS emulator") {
  const Pki pki = make_pki();
  Fake115 emu({"--tls-cert", pki.server_cert, "--tls-key", pki.server_key});
  const std::string https = tls_base_url(emu);
  Gateway gw(emu, {{"cloud115", {{"api_base", https}, {"passport_base", https}, {"verify_tls", true},
                                 {"access_token", ""}}},
                   {"limits", {{"client_deadline_s", 5}}}});
  auto r = dav(gw, "PROPFIND", "/", {{"Depth", "1"}}, "", {std::chrono::seconds(30)});
  CHECK(r.status == 503);
  CHECK(emu.stats()["refresh_count"].get<int>() == 0);  // no request ever got through
  CHECK(gw.log().find("certificate") != std::string::npos);
}
