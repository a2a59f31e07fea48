// What can be checked of the container image without a container engine: the runtime package list
// covers every shared library the binary loads, the Dockerfile has the shape the README promises, and
// the health-check command it runs works against a real gateway.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include "support/fake115.hpp"
#include "support/gateway.hpp"
#include "support/process.hpp"

using namespace dav115::test;

namespace {

const std::string kDocker = std::string(DAV115_SOURCE_DIR) + "/docker";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::string trimmed(std::string s) {
  s.erase(0, s.find_first_not_of(" \t\r"));
  s.erase(s.find_last_not_of(" \t\r") + 1);
  return s;
}

std::set<std::string> runtime_packages() {
  std::set<std::string> out;
  for (auto l : lines_of(read_text_file(kDocker + "/runtime-packages.txt"))) {
    l = trimmed(l);
    if (!l.empty() && l[0] != '#') out.insert(l);
  }
  return out;
}

// The Debian package owning a library path; dpkg knows each file under one spelling of the merged /usr.
std::string owning_package(const std::string& path) {
  std::vector<std::string> candidates{path};
  if (path.rfind("/usr/", 0) == 0) candidates.push_back(path.substr(4));
  else candidates.push_back("/usr" + path);
  for (const auto& p : candidates) {
    auto r = run_command({"/usr/bin/dpkg", "-S", p});
    if (r.exit_code == 0) return r.out.substr(0, r.out.find_first_of(":,"));
  }
  return "";
}

// Sanitizer runtimes appear only in instrumented test builds, never in the release image.
bool sanitizer_runtime(const std::string& package) {
  for (const char* p : {"libasan", "libubsan", "liblsan", "libtsan", "libclang-rt"})
    if (package.rfind(p, 0) == 0) return true;
  return false;
}

}  // namespace

TEST_CASE("docker/runtime-packages.txt provides every shared library dav115 loads") {
  auto ldd = run_command({"/usr/bin/ldd", dav115_binary()});
  REQUIRE(ldd.exit_code == 0);
  auto packages = runtime_packages();
  REQUIRE_FALSE(packages.empty());
  int libraries = 0;
  for (const auto& line : lines_of(ldd.out)) {
    INFO(line);
    CHECK(line.find("not found") == std::string::npos);
    // "libssl.so.3 => /lib/x86_64-linux-gnu/libssl.so.3 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)"
    auto arrow = line.find("=> ");
    std::string path = trimmed(arrow == std::string::npos ? line : line.substr(arrow + 3));
    path = path.substr(0, path.find(" ("));
    if (path.empty() || path[0] != '/') continue;  // linux-vdso
    auto package = owning_package(path);
    INFO("package: " << package);
    REQUIRE_FALSE(package.empty());
    if (sanitizer_runtime(package)) continue;
    CHECK(packages.count(package) == 1);
    ++libraries;
  }
  CHECK(libraries >= 8);  // libc, libstdc++, OpenSSL, Boost.URL, spdlog, fmt, pugixml, utf8proc, ...
  // Files the binary reads at run time, not libraries: Content-Type comes from /etc/mime.types.
  auto mime_package = owning_package("/etc/mime.types");
  REQUIRE_FALSE(mime_package.empty());
  CHECK(packages.count(mime_package) == 1);
}

TEST_CASE("the Dockerfile installs that list, smoke-runs the binary, has a WORKDIR and no fixed health port") {
  const auto dockerfile = read_text_file(kDocker + "/Dockerfile");
  REQUIRE_FALSE(dockerfile.empty());
  const auto runtime = dockerfile.substr(dockerfile.rfind("\nFROM "));  // the last stage is the image
  CHECK(runtime.find("runtime-packages.txt") != std::string::npos);
  CHECK(runtime.find("RUN /usr/local/bin/dav115 --version") != std::string::npos);
  CHECK(runtime.find("\nWORKDIR /var/lib/dav115\n") != std::string::npos);
  CHECK(runtime.find("VOLUME [\"/var/lib/dav115\"]") != std::string::npos);
  CHECK(runtime.find("COPY docker/healthcheck.sh /usr/local/bin/dav115-healthcheck") != std::string::npos);
  auto healthcheck = runtime.substr(runtime.find("\nHEALTHCHECK "));
  healthcheck = healthcheck.substr(0, healthcheck.find('\n', 1));
  CHECK(healthcheck.find("dav115-healthcheck") != std::string::npos);
  CHECK(healthcheck.find("8080") == std::string::npos);

  std::set<std::string> ignored;
  for (auto l : lines_of(read_text_file(std::string(DAV115_SOURCE_DIR) + "/.dockerignore"))) ignored.insert(trimmed(l));
  for (const char* must : {".git", "build", "build-*", "state"}) CHECK(ignored.count(must) == 1);
}

TEST_CASE("the image's health-check command follows the port the gateway bound") {
  Fake115 emu;
  Gateway gw(emu);  // listens on port 0: only the port file knows the port
  const std::string script = kDocker + "/healthcheck.sh";
  const std::string port = gw.base_url().substr(gw.base_url().rfind(':') + 1);
  auto check = [&](const std::string& env) {
    return run_command({"/usr/bin/env", "-u", "DAV115_HEALTH_PORT", env, "/bin/sh", script}).exit_code;
  };
  CHECK(check("DAV115_HEALTH_STATE_DIR=" + gw.state_dir()) == 0);
  CHECK(check("DAV115_HEALTH_PORT=" + port) == 0);
  gw.stop();  // the port file stays behind; nothing answers on it
  CHECK(check("DAV115_HEALTH_STATE_DIR=" + gw.state_dir()) == 1);
  CHECK(check("DAV115_HEALTH_STATE_DIR=/nonexistent") == 1);
}
