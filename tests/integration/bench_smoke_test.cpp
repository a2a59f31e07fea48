// The benchmark harness (bench/harness.py) in --smoke mode: a tiny fixture and 1-second runs against the
// binaries of this build, so the harness cannot rot. No performance target is asserted here; only that
// every scenario produced figures for dav115 and its anchors and that the report was written.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "support/process.hpp"

using namespace dav115::test;

TEST_CASE("bench smoke: every scenario runs against dav115 and the anchors and the report is written") {
  const std::string build_dir = std::filesystem::path(dav115_binary()).parent_path().string();
  const std::string out = temp_dir("dav115-bench-smoke") + "/PERFORMANCE.md";
  auto r = run_command({"python3", std::string(DAV115_SOURCE_DIR) + "/bench/harness.py", "--smoke", "--build-dir",
                        build_dir, "--out", out},
                       std::chrono::minutes(4));
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  REQUIRE(r.exit_code == 0);

  const std::string report = read_text_file(out);
  for (const char* row : {"| PROPFIND Depth 1, 100 entries, rclone 4-prop |", "| PROPFIND Depth 1, 300 entries, allprop |",
                          "| PROPFIND Depth 0 on a file |", "| HEAD on a file |", "| GET → 302, warm link cache |",
                          "| local_proxy stream 8 MiB, 1 client |", "| local_proxy, 8 clients, random 1 MiB ranges |",
                          "### Uploads", "PUT 8 MiB, end to end", "instant upload of the same 8 MiB",
                          "## Cold listing under the 115 rate limit", "## Restart: first Depth-1 answer of the big folder",
                          "## Memory (VmRSS from /proc)",
                          "## Is the harness the bottleneck?", "## Exact commands"}) {
    INFO(row);
    CHECK(report.find(row) != std::string::npos);
  }
  // A scenario whose requests failed is flagged in its row; the smoke run must have none.
  CHECK(report.find("errors |") == std::string::npos);
  // Figures were measured, not left at zero: no "0.00 req/s" cell for any server.
  CHECK(report.find(" 0.00 req/s") == std::string::npos);
  CHECK(report.find(" 0.00 MiB/s") == std::string::npos);
  // The cold listing answered and was counted by the emulator.
  CHECK(report.find("status 207") != std::string::npos);
  // The restart rows: both answered; the warm one from the metadata index, with no listing call.
  CHECK(report.find("| cold ⚠") == std::string::npos);
  CHECK(report.find("| warm ⚠") == std::string::npos);
  auto warm = report.find("| warm |");
  REQUIRE(warm != std::string::npos);
  auto warm_row = report.substr(warm, report.find('\n', warm) - warm);
  CHECK(warm_row.substr(warm_row.size() - 6) == " | 0 |");  // listing pages
}
