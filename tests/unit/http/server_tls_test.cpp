// HTTPS: a self-signed certificate made with the openssl CLI in a temp dir, one request over TLS.
#include <catch2/catch.hpp>

#include <openssl/ssl.h>

#include <cstdlib>
#include <filesystem>

#include "raw_client.hpp"
#include "test_server.hpp"

using namespace dav115;
using namespace dav115::test;
namespace fs = std::filesystem;

TEST_CASE("an HTTPS listener serves a request over TLS 1.2+") {
  auto dir = fs::temp_directory_path() / ("dav115-http-tls-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
  std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
                    "-subj /CN=localhost -keyout '" + key + "' -out '" + cert + "' >/dev/null 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);

  auto cfg = test_config();
  cfg.listen = {{true, "127.0.0.1", 0}, {false, "127.0.0.1", 0}};
  cfg.tls = {cert, key};
  {
    TestServer s(cfg);
    REQUIRE(s.server->bound_ports().size() == 2);
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    {
      RawClient c(s.port(0), ctx);
      c.send(request("GET", "/over-tls", basic("alice", "secret")));
      auto r = c.read_response();
      REQUIRE(r);
      CHECK(r->status == 200);
      CHECK(r->body == "GET /over-tls user=alice body= secure=1\n");
    }
    SSL_CTX_set_max_proto_version(ctx, TLS1_1_VERSION);  // old protocols are refused
    CHECK_THROWS(RawClient(s.port(0), ctx));
    SSL_CTX_free(ctx);

    RawClient plain(s.port(1));  // the plain listener next to it still speaks HTTP
    plain.send(request("GET", "/plain", basic("alice", "secret")));
    auto r = plain.read_response();
    REQUIRE(r);
    CHECK(r->body.find("secure=0") != std::string::npos);
  }
  fs::remove_all(dir);
}
