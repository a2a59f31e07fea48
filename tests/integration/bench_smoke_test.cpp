// The benchmark harness (bench/harness.py) in --smoke mode: a tiny fixture and 1-second runs against the
// binaries of this build, so the harness cannot rot. No performance target is asserted here; only that
// every scenario produced figures for dav115 and its anchors and that the report and its charts were written.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "support/process.hpp"

using namespace dav115::test;

namespace {

// The first line of `report` that starts with `prefix` ("" if none).
std::string line_starting(const std::string& report, const std::string& prefix) {
  auto at = report.find("\n" + prefix);
  if (at == std::string::npos) return "";
  ++at;
  return report.substr(at, report.find('\n', at) - at);
}

}  // namespace

TEST_CASE("bench smoke: every scenario runs against dav115 and the anchors and the report is written") {
  // The report's charts need gnuplot: say so plainly rather than as a harness failure.
  auto gnuplot = run_command({"sh", "-c", "command -v gnuplot"});
  if (gnuplot.exit_code != 0)
    FAIL("gnuplot is not installed: scripts/setup.sh --bench (or --test) installs gnuplot-nox for the bench charts");

  const std::string build_dir = std::filesystem::path(dav115_binary()).parent_path().string();
  const std::string dir = temp_dir("dav115-bench-smoke");
  const std::string out = dir + "/PERFORMANCE.md";
  auto r = run_command({"python3", std::string(DAV115_SOURCE_DIR) + "/bench/harness.py", "--smoke", "--build-dir",
                        build_dir, "--out", out},
                       std::chrono::minutes(4));
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  REQUIRE(r.exit_code == 0);

  const std::string report = read_text_file(out);
  // smoke_tree.json: Depth-1 folders of 20, 100, 300 and 600 entries (the full fixture's 100 ... 50,000).
  for (const char* row : {"| PROPFIND Depth 1, 20 entries, rclone 4-prop |", "| PROPFIND Depth 1, 100 entries, rclone 4-prop |",
                          "| PROPFIND Depth 1, 300 entries, rclone 4-prop |", "| PROPFIND Depth 1, 600 entries, rclone 4-prop |",
                          "| PROPFIND Depth 1, 100 entries, allprop |",
                          "| PROPFIND Depth 0 on a file |", "| HEAD on a file |",
                          "| GET → 302, warm link cache, anonymous |",
                          "| GET → 302, warm link cache, Basic auth (cached verification) |",
                          "| local_proxy stream 8 MiB, 1 client |", "| local_proxy, 8 clients, random 1 MiB ranges |",
                          "### Uploads", "PUT 8 MiB, end to end", "instant upload of the same 8 MiB",
                          "## Depth-1 cost per entry", "| 20 | ", "| 600 | ", "| largest ÷ smallest across sizes |",
                          "## Cold listing under the 115 rate limit", "## Restart: first Depth-1 answer of the big folder",
                          "## Memory (VmRSS from /proc)", "## Metadata index: disk, memory and time for 1,000 entries",
                          "| entries written (read back) | 1,000 (1,000) |",
                          "## Is the harness the bottleneck?", "## Targets", "## Exact commands",
                          "![Depth-1 µs per entry against folder size, dav115, rclone and nginx](perf-depth1-per-entry.svg)",
                          "![Each target's ratio divided by its target; 1.0 is the target](perf-targets.svg)"}) {
    INFO(row);
    CHECK(report.find(row) != std::string::npos);
  }
  // A scenario whose requests failed is flagged in its row; the smoke run must have none.
  CHECK(report.find("errors |") == std::string::npos);
  // Figures were measured, not left at zero: no "0.00 req/s" cell for any server.
  CHECK(report.find(" 0.00 req/s") == std::string::npos);
  CHECK(report.find(" 0.00 MiB/s") == std::string::npos);
  // Every throughput figure carries its min–max: "N req/s (min–max)".
  {
    const std::string row = line_starting(report, "| HEAD on a file |");
    INFO(row);
    CHECK(row.find(" req/s (") != std::string::npos);
  }
  // The cold listing answered and was counted by the emulator.
  CHECK(report.find("status 207") != std::string::npos);
  // The restart rows: both answered; the warm one from the metadata index, with no listing call.
  CHECK(report.find("| cold ⚠") == std::string::npos);
  CHECK(report.find("| warm ⚠") == std::string::npos);
  auto warm = report.find("| warm |");
  REQUIRE(warm != std::string::npos);
  auto warm_row = report.substr(warm, report.find('\n', warm) - warm);
  CHECK(warm_row.substr(warm_row.size() - 6) == " | 0 |");  // listing pages

  // The charts beside the report: SVG documents drawn by gnuplot, with their data files.
  for (const char* chart : {"perf-depth1-per-entry", "perf-targets"}) {
    INFO(chart);
    const std::string svg = read_text_file(dir + "/" + chart + ".svg");
    CHECK(svg.find("<svg") != std::string::npos);
    CHECK(svg.find("</svg>") != std::string::npos);
    CHECK(!read_text_file(dir + "/" + chart + ".dat").empty());
  }
}

TEST_CASE("bench smoke: the load generator parses every response framing (bench/loadgen_check.py)") {
  const std::string build_dir = std::filesystem::path(dav115_binary()).parent_path().string();
  auto r = run_command({"python3", std::string(DAV115_SOURCE_DIR) + "/bench/loadgen_check.py", build_dir + "/bench_loadgen"},
                       std::chrono::minutes(2));
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  CHECK(r.exit_code == 0);
}
