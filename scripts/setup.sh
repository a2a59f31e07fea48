#!/usr/bin/env bash
# Installs whatever is missing (Debian 12 packages only), then configures and builds dav115.
# Idempotent and quick when everything is already there.
#   scripts/setup.sh [--test] [--build-dir DIR] [--target T ...]
#     --test      also install the tools the test suite drives (rclone, cadaver, ffmpeg, curl, chromium, ...)
#                 and the bench tools (the suite runs the bench smoke test)
#     --bench     install the benchmark's tools (wrk, hyperfine, ab, nginx with dav_ext, rclone, gnuplot; bench/run.sh)
#     --target T  build only these targets (default: everything)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
want_bench=0
build_dir=build
targets=()
cmake_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --test) want_test=1; want_bench=1 ;;
    --bench) want_bench=1 ;;
    --build-dir) build_dir=$2; shift ;;
    --target) targets+=("$2"); shift ;;
    -D*) cmake_args+=("$1") ;;
    *) echo "setup.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

build_pkgs=(g++ cmake ninja-build ccache pkg-config media-types
  libboost1.81-dev libboost-url1.81-dev libssl-dev nlohmann-json3-dev libpugixml-dev
  libspdlog-dev libcli11-dev catch2 libutf8proc-dev libsqlite3-dev libqrencode-dev)
test_pkgs=(rclone cadaver davfs2 litmus ffmpeg curl procps openssl
  chromium  # integration.admin_browser_test renders the admin page headless
  clang-14 libclang-rt-14-dev)  # the sanitizer build and the libFuzzer targets (scripts/test)

bench_pkgs=(wrk hyperfine apache2-utils nginx-extras rclone curl python3 procps
  gnuplot-nox)  # the report's charts (bench/harness.py)

missing=()
for p in "${build_pkgs[@]}" $([ $want_test = 1 ] && echo "${test_pkgs[@]}") \
         $([ $want_bench = 1 ] && echo "${bench_pkgs[@]}"); do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" = 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The npm `webdav` client that integration.webdav_npm_client_test drives: one install fills npm's cache
# with it and its dependencies, so the test itself installs offline. Best effort: without node/npm (or the
# registry) that test says it skipped.
if [ $want_test = 1 ] && command -v npm >/dev/null 2>&1 && [ ! -d "$build_dir/npm-webdav/node_modules/webdav" ]; then
  npm install --no-audit --no-fund --loglevel=error --prefix "$build_dir/npm-webdav" webdav@5.11.0 >/dev/null 2>&1 \
    || echo "setup: could not install npm webdav@5.11.0; its integration test will skip" >&2
fi

if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "${cmake_args[@]}"
elif [ ${#cmake_args[@]} -gt 0 ]; then
  cmake "$build_dir" "${cmake_args[@]}"
fi
if [ ${#targets[@]} -gt 0 ]; then
  cmake --build "$build_dir" --target "${targets[@]}"
else
  cmake --build "$build_dir"
fi
