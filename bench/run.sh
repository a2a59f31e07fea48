#!/usr/bin/env bash
# The benchmark: builds dav115 and fake115 in Release, starts them and the anchors (rclone serve webdav,
# nginx with dav_ext) on 127.0.0.1, runs every scenario several times and writes docs/PERFORMANCE.md.
#   bench/run.sh [--smoke] [--build-dir DIR] [--runs N] [--duration S] [--only SECTIONS] [--out FILE]
#     --smoke      seconds-long run on a tiny fixture, no targets asserted, report only printed (the test suite runs it)
#     --build-dir  where to build (default build-bench, Release)
#     --only       comma-separated sections of harness.py (listings,small,redirect,mix,stream,upload,cold,restart,index);
#                  a partial run only prints its report (docs/PERFORMANCE.md is left alone unless --out is given)
# With a report file, the charts (docs/perf-*.svg, drawn by gnuplot) and their data (perf-*.dat) are written beside it.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=build-bench
smoke=0
partial=0
harness_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir=$2; shift ;;
    --smoke) smoke=1; harness_args+=("$1") ;;
    --runs|--duration|--out) harness_args+=("$1" "$2"); shift ;;
    --only) partial=1; harness_args+=("$1" "$2"); shift ;;
    *) echo "bench/run.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

# bench_index_size: the "Metadata index" section (harness section `index`); bench_loadgen: the `mix` section.
target_args=()
for t in dav115 fake115 bench_index_size bench_loadgen; do target_args+=(--target "$t"); done
scripts/setup.sh --bench --build-dir "$build_dir" -DCMAKE_BUILD_TYPE=Release "${target_args[@]}"
if [ $smoke = 0 ] && [ $partial = 0 ] && [[ " ${harness_args[*]-} " != *" --out "* ]]; then
  harness_args+=(--out docs/PERFORMANCE.md)
fi
exec python3 bench/harness.py --build-dir "$build_dir" "${harness_args[@]}"
