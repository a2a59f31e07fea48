// The access log: one line per request, with user and status, and without secrets.
#include <catch2/catch.hpp>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "raw_client.hpp"
#include "test_server.hpp"

using namespace dav115;
using namespace dav115::test;

TEST_CASE("access log lines carry user and status but no query secrets or credentials") {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  auto logger = std::make_shared<spdlog::logger>("access", sink);
  logger->set_pattern("%v");
  logger->flush_on(spdlog::level::info);
  spdlog::drop("access");
  spdlog::register_logger(logger);
  auto cfg = test_config();
  cfg.access_log = "-";
  {
    TestServer s(cfg);
    RawClient c(s.port());
    c.send(request("GET", "/file.mkv?sign=TOPSECRET&t=1", basic("alice", "secret") + "User-Agent: VLC/3.0\r\n"));
    REQUIRE(c.read_response());
    c.send(request("GET", "/other"));  // unauthenticated
    REQUIRE(c.read_response());
    // A session logs a request after answering it and before reading the next one: a third exchange on
    // the same connection guarantees the second line is written before the server goes away.
    c.send(request("GET", "/last", basic("alice", "secret")));
    REQUIRE(c.read_response());
  }
  spdlog::drop("access");
  auto text = out.str();
  CHECK(text.find("127.0.0.1 alice \"GET /file.mkv?<redacted>\" 200 ") != std::string::npos);
  CHECK(text.find("\"VLC/3.0\"") != std::string::npos);
  CHECK(text.find("\"GET /other\" 401 ") != std::string::npos);
  CHECK(text.find("TOPSECRET") == std::string::npos);
  CHECK(text.find(http::base64_encode("alice:secret")) == std::string::npos);
}
