#!/usr/bin/env bash
# Builds and runs every test twice: the release build, then the ASan/UBSan build (unit and
# end-to-end tests against the sanitized server). Build folders are reused between runs.
# The MongoDB tests (label mongo) run in both: the CTest fixture `ferretdb` builds the FerretDB
# test server once into build/ferretdb (shared by the presets; needs Go >= 1.24, see
# tests/ferretdb/README.md), or, with MESSENGER_TEST_MONGO_URI set, they use that server instead.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

# libmongoc, loaded by every test binary and server, maps its counters from /dev/shm/mongoc-PID as
# it loads and removes the file only at a normal exit; the tests that kill servers on purpose
# left one per kill (~1,100 files after a day of runs here). In process memory instead.
export MONGOC_DISABLE_SHM=1

jobs="${MESSENGER_BUILD_JOBS:-$(nproc)}"
summary=()
total=0

run_preset() {
  local preset="$1"
  local log="build/${preset}-ctest.log"
  echo "==> ${preset}: configure and build"
  # Called in an || list, where set -e does not apply: check each step.
  cmake --preset "$preset" >/dev/null || return 1
  cmake --build --preset "$preset" --parallel "$jobs" || { summary+=("${preset}: build failed"); return 1; }
  echo "==> ${preset}: test"
  local status=0
  ctest --preset "$preset" -j2 --no-tests=error 2>&1 | tee "$log" || status=$?
  local result
  result=$(grep -E 'tests passed|tests failed' "$log" | tail -1 || true)
  summary+=("${preset}: ${result:-no result}")
  if [[ "$result" =~ out\ of\ ([0-9]+) ]]; then
    total=$((total + BASH_REMATCH[1]))
  fi
  return "$status"
}

failed=0
run_preset release || failed=1

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:strict_string_checks=1:check_initialization_order=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
run_preset asan-ubsan || failed=1

echo
echo "==> total: ${total} tests run"
for line in "${summary[@]}"; do
  echo "    $line"
done
if [[ $failed -ne 0 ]]; then
  echo "FAILED"
  exit 1
fi
echo "all tests passed"
