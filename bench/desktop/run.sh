#!/usr/bin/env bash
# The desktop client's figures (bench/README.md, "Desktop client"): builds the release preset's
# messenger-desktop-bench and messenger-server (with --build), then runs the whole measurement
# twice, offscreen and under Xvfb, each bounded in time. Writes OUT_DIR/{offscreen,xvfb}.json,
# the progress logs and summary.txt (one line per platform).
#
# Usage: bench/desktop/run.sh [--build] [extra messenger-desktop-bench flags...]
# Environment:
#   BUILD_DIR   build tree (default: build/release)
#   OUT_DIR     results (default: BUILD_DIR/bench-results/desktop-DATE)
#   PLATFORMS   which runs (default: "offscreen xvfb")
#   BENCH_FLAGS flags for every run (default: "--scroll-max 100000 --scroll-budget-s 240")
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=${BUILD_DIR:-$root/build/release}
if [[ ${1:-} == --build ]]; then
  shift
  (cd "$root" && cmake --preset release >/dev/null &&
    cmake --build "$build_dir" --target messenger-desktop-bench messenger-server -j2)
fi
bench=$build_dir/bench/desktop/messenger-desktop-bench
[[ -x $bench ]] || { echo "no $bench: run with --build" >&2; exit 1; }
out_dir=${OUT_DIR:-$build_dir/bench-results/desktop-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out_dir"
read -r -a flags <<<"${BENCH_FLAGS:---scroll-max 100000 --scroll-budget-s 240}"

status=0
for platform in ${PLATFORMS:-offscreen xvfb}; do
  echo "== $platform (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  case $platform in
    offscreen) runner=(env QT_QPA_PLATFORM=offscreen) ;;
    xvfb) runner=(xvfb-run -a -s "-screen 0 1280x1024x24" env QT_QPA_PLATFORM=xcb) ;;
    *) echo "unknown platform $platform" >&2; exit 2 ;;
  esac
  if "${runner[@]}" "$bench" --json "$out_dir/$platform.json" "${flags[@]}" "$@" \
      >"$out_dir/$platform.summary" 2>"$out_dir/$platform.log"; then
    :
  else
    status=1
    echo "$platform run failed; see $out_dir/$platform.log" >&2
  fi
  tee -a "$out_dir/summary.txt" <"$out_dir/$platform.summary"
done
echo "results in $out_dir" >&2
exit $status
