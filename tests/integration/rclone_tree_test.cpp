// The whole mount, as rclone and cadaver see it, equals the emulator's tree: every path, size and mtime,
// nasty names and same-name siblings included.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <ctime>
#include <map>
#include <set>

#include "support/fake115.hpp"
#include "support/gateway.hpp"

using namespace dav115::test;
using nlohmann::json;

namespace {

std::int64_t parse_rfc3339(const std::string& s) {
  std::tm tm{};
  if (!strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) throw std::runtime_error("bad time " + s);
  std::int64_t t = timegm(&tm);
  // rclone prints the zone as Z or +hh:mm; fractional seconds may precede it.
  auto zone = s.find_first_of("Z+-", 19);
  if (zone != std::string::npos && s[zone] != 'Z') {
    int sign = s[zone] == '-' ? -1 : 1;
    int hh = std::stoi(s.substr(zone + 1, 2)), mm = std::stoi(s.substr(zone + 4, 2));
    t -= sign * (hh * 3600 + mm * 60);
  }
  return t;
}

std::vector<std::string> rclone_args(Gateway& gw, std::vector<std::string> args) {
  auto obscured = run_command({"rclone", "obscure", Gateway::kPassword});
  REQUIRE(obscured.exit_code == 0);
  std::string pass = obscured.out.substr(0, obscured.out.find('\n'));
  std::vector<std::string> argv = {"rclone", "--config", "/dev/null", "--webdav-url", gw.dav_url(),
                                   "--webdav-vendor", "other", "--webdav-user", Gateway::kUser, "--webdav-pass", pass};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

}  // namespace

TEST_CASE("rclone lsjson -R of the mount equals the fixture tree") {
  setenv("TZ", "UTC", 1);
  Fake115 emu;
  Gateway gw(emu);

  auto res = run_command(rclone_args(gw, {"lsjson", "-R", ":webdav:"}), std::chrono::minutes(5));
  INFO(res.err.substr(0, 2000));
  REQUIRE(res.exit_code == 0);
  json listed = json::parse(res.out);

  // rclone's view, by path.
  std::map<std::string, json> by_path;
  for (auto& e : listed) by_path[e["Path"].get<std::string>()] = e;

  // Walk the emulator's tree parents-first, mapping each upstream id to the path the gateway gave it.
  // Same-name siblings must each appear once, under the plain name or a name carrying their id.
  json entries = emu.tree()["entries"];
  std::vector<json> sorted(entries.begin(), entries.end());
  std::sort(sorted.begin(), sorted.end(), [](const json& a, const json& b) {
    auto depth = [](const json& e) { auto p = e["path"].get<std::string>(); return std::count(p.begin(), p.end(), '/'); };
    return depth(a) < depth(b);
  });
  std::map<std::string, std::string> path_of_id;  // upstream id -> gateway path
  std::set<std::string> claimed;
  std::size_t renamed = 0;
  for (const auto& e : sorted) {
    std::string parent_id = e["parent_id"], name = e["name"], id = e["id"];
    std::string parent_path = path_of_id.count(parent_id) ? path_of_id[parent_id] + "/" : "";
    std::string plain = parent_path + name;
    std::string found;
    if (by_path.count(plain) && !claimed.count(plain) && by_path[plain]["IsDir"] == e["is_dir"] &&
        (e["is_dir"].get<bool>() || by_path[plain]["Size"] == e["size"])) {
      found = plain;
    } else {
      for (const auto& [p, le] : by_path)
        if (!claimed.count(p) && p.rfind(parent_path, 0) == 0 && p.find('/', parent_path.size()) == std::string::npos &&
            p.find(id) != std::string::npos) {
          found = p;
          ++renamed;
          break;
        }
    }
    INFO("upstream entry " << e.dump());
    REQUIRE_FALSE(found.empty());
    claimed.insert(found);
    path_of_id[id] = found;
    const json& le = by_path[found];
    CHECK(le["IsDir"] == e["is_dir"]);
    if (!e["is_dir"].get<bool>()) {
      CHECK(le["Size"] == e["size"]);
      CHECK(parse_rfc3339(le["ModTime"]) == e["mtime"].get<std::int64_t>());
    }
  }
  CHECK(claimed.size() == by_path.size());  // nothing extra either
  CHECK(renamed >= 2);                      // the fixture's same-name pairs were disambiguated
  CHECK(by_path.size() > 5000);
}

TEST_CASE("cadaver lists the nasty-name folders") {
  Fake115 emu;
  Gateway gw(emu);
  std::string home = temp_dir("cadaver-home");
  write_text_file(home + "/.netrc", std::string("machine 127.0.0.1 login ") + Gateway::kUser + " password " +
                                        Gateway::kPassword + "\n");
  // Folders (top level) whose names need escaping.
  std::vector<std::string> folders;
  json entries = emu.tree()["entries"];
  for (const auto& e : entries) {
    std::string p = e["path"];
    if (e["is_dir"].get<bool>() && p.find('/') == std::string::npos &&
        p.find_first_of(" &#%?+'();=") != std::string::npos)
      folders.push_back(p);
    if (e["is_dir"].get<bool>() && p.find('/') == std::string::npos && static_cast<unsigned char>(p[0]) >= 0x80)
      folders.push_back(p);
  }
  REQUIRE(folders.size() >= 2);
  for (const auto& folder : folders) {
    std::string url = gw.dav_url() + url_encode(folder) + "/";
    auto r = run_command({"sh", "-c", "printf 'ls\\nquit\\n' | HOME='" + home + "' cadaver '" + url + "'"},
                         std::chrono::seconds(60));
    INFO(folder << "\n" << r.out << r.err);
    CHECK(r.exit_code == 0);
    // Every child of that folder is listed by name.
    for (const auto& e : entries) {
      std::string p = e["path"];
      if (p.rfind(folder + "/", 0) == 0 && p.find('/', folder.size() + 1) == std::string::npos)
        CHECK(r.out.find(e["name"].get<std::string>()) != std::string::npos);
    }
    CHECK(r.out.find("failed") == std::string::npos);
  }
}
