#!/usr/bin/env bash
# Builds the FerretDB 1.24.2 test server (tests/ferretdb/main.go) into a cache folder and
# prints the binary's absolute path on stdout (build output goes to stderr).
#
#   tests/ferretdb/build.sh [CACHE_DIR]      # default: <repo>/build/ferretdb
#
# It rebuilds only when the binary is missing or when go.mod, go.sum, main.go or the Go
# version changed (a SHA-256 of them is stored next to the binary). Concurrent calls are
# serialised with flock, so parallel tests can all call it.
#
# Environment: GO (the go command; default: `go` on PATH, else /usr/local/go/bin/go).
# Needs the Go module proxy (or a filled module cache) on the first build.
set -euo pipefail

src_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$src_dir/../.." && pwd)

cache_dir=${1:-"$repo_root/build/ferretdb"}
mkdir -p "$cache_dir"
cache_dir=$(cd "$cache_dir" && pwd)

if [[ -n "${GO:-}" ]]; then
    go_cmd=$GO
elif command -v go >/dev/null 2>&1; then
    go_cmd=$(command -v go)
elif [[ -x /usr/local/go/bin/go ]]; then
    go_cmd=/usr/local/go/bin/go
else
    echo "tests/ferretdb/build.sh: no Go toolchain found (set GO=/path/to/go); FerretDB needs Go >= 1.24" >&2
    exit 1
fi

# Use the Go found here, never download another toolchain; pure-Go SQLite, so no cgo.
export GOTOOLCHAIN=local
export CGO_ENABLED=0
# go.sum is complete (go mod tidy), so the module graph is read-only; -mod=mod is not needed
# and would let a build rewrite the files in the source tree.
export GOFLAGS="-mod=readonly -buildvcs=false -trimpath"

bin="$cache_dir/messenger-test-ferretdb"
stamp="$bin.sha256"

want=$(
    {
        cat "$src_dir/go.mod" "$src_dir/go.sum" "$src_dir/main.go"
        "$go_cmd" version
    } | sha256sum | cut -d' ' -f1
)

up_to_date() {
    [[ -x "$bin" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]
}

if up_to_date; then
    echo "$bin"
    exit 0
fi

exec 9>"$cache_dir/.build.lock"
flock 9

# Another caller may have built it while this one waited for the lock.
if ! up_to_date; then
    echo "tests/ferretdb/build.sh: building FerretDB 1.24.2 test server into $cache_dir (first build downloads modules and takes a few minutes)" >&2
    tmp="$bin.tmp.$$"
    rm -f "$tmp"
    if ! (cd "$src_dir" && "$go_cmd" build -ldflags="-s -w" -o "$tmp" .) >&2; then
        rm -f "$tmp"
        echo "tests/ferretdb/build.sh: go build failed (is the Go module proxy reachable? GOPROXY=$("$go_cmd" env GOPROXY))" >&2
        exit 1
    fi
    mv -f "$tmp" "$bin"
    echo "$want" >"$stamp"
fi

echo "$bin"
