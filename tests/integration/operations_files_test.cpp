// The files operators install: config/dav115.service (checked by `systemd-analyze verify`) and
// docker/compose.yml (checked by `docker compose config`, and structurally through python3-yaml).
// A missing tool makes that part say it skipped and pass: the files are still read for their promises.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <regex>
#include <sstream>

#include "support/process.hpp"

using namespace dav115::test;
using nlohmann::json;

namespace {

const std::string kUnit = std::string(DAV115_SOURCE_DIR) + "/config/dav115.service";
const std::string kCompose = std::string(DAV115_SOURCE_DIR) + "/docker/compose.yml";

bool tool_works(const std::vector<std::string>& argv) { return run_command(argv, std::chrono::seconds(30)).exit_code == 0; }

// The unit with ExecStart pointing at the built binary (verify insists that the program exists), in a
// scratch directory named like the original so verify reports it as dav115.service.
std::string unit_copy(const std::string& extra_line = "") {
  std::string text = read_text_file(kUnit);
  text = std::regex_replace(text, std::regex("/usr/local/bin/dav115"), dav115_binary());
  if (!extra_line.empty()) text = std::regex_replace(text, std::regex("\\n\\[Install\\]"), "\n" + extra_line + "\n\n[Install]");
  const std::string path = temp_dir("dav115-unit") + "/dav115.service";
  write_text_file(path, text);
  return path;
}

// What systemd-analyze says about our unit (lines naming other units on this machine are not ours).
std::string verify_complaints(const std::string& unit) {
  auto r = run_command({"systemd-analyze", "verify", unit}, std::chrono::seconds(60));
  std::string ours;
  std::istringstream in(r.out + r.err);
  for (std::string line; std::getline(in, line);)
    if (line.find("dav115") != std::string::npos) ours += line + "\n";
  if (r.exit_code != 0) ours += "exit " + std::to_string(r.exit_code) + "\n";
  return ours;
}

bool has_line(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (l == line) return true;
  return false;
}

}  // namespace

TEST_CASE("the systemd unit asks for the sandbox and the lifecycle the README promises") {
  const std::string unit = read_text_file(kUnit);
  REQUIRE_FALSE(unit.empty());
  for (const char* line :
       {"DynamicUser=yes", "StateDirectory=dav115", "ProtectSystem=strict", "NoNewPrivileges=yes", "Restart=on-failure",
        "RestartPreventExitStatus=2", "ExecReload=/bin/kill -HUP $MAINPID", "PrivateTmp=yes", "ProtectHome=yes",
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX", "WorkingDirectory=%S/dav115",
        "ExecStart=/usr/local/bin/dav115 serve --config /etc/dav115/dav115.json"}) {
    INFO(line);
    CHECK(has_line(unit, line));
  }
}

TEST_CASE("systemd-analyze verify accepts the unit") {
  if (!tool_works({"systemd-analyze", "--version"})) {
    SUCCEED("skipped: systemd-analyze is not installed");
    return;
  }
  INFO(read_text_file(kUnit));
  CHECK(verify_complaints(unit_copy()).empty());
  // The oracle can fail: a misspelt directive is reported (verify still exits 0 for it).
  CHECK_FALSE(verify_complaints(unit_copy("ProtectHom=yes")).empty());
}

TEST_CASE("docker/compose.yml runs the image with the state volume and the health check") {
  // Structure, through python3-yaml (YAML -> JSON) when available.
  auto parsed = run_command({"python3", "-c",
                             "import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))", kCompose});
  if (parsed.exit_code != 0) {
    SUCCEED("skipped the structural check: python3 with yaml is not installed (" << parsed.err.substr(0, 200) << ")");
  } else {
    json doc = json::parse(parsed.out);
    INFO(doc.dump(2));
    const json& svc = doc.at("services").at("dav115");
    CHECK(svc.at("build").at("dockerfile") == "docker/Dockerfile");
    CHECK(svc.at("healthcheck").at("test") == json({"CMD", "/usr/local/bin/dav115-healthcheck"}));
    bool state_volume = false;
    for (const auto& v : svc.at("volumes")) state_volume |= v.get<std::string>() == "state:/var/lib/dav115";
    CHECK(state_volume);
    CHECK(doc.at("volumes").contains("state"));
    CHECK(svc.at("read_only") == true);
  }

  if (!tool_works({"docker", "compose", "version"})) {
    SUCCEED("skipped `docker compose config`: Docker Compose is not installed");
    return;
  }
  // The config file it mounts need not exist for `config`; the project directory is the file's own.
  auto r = run_command({"docker", "compose", "-f", kCompose, "config", "--quiet"}, std::chrono::seconds(60));
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
}
