#!/usr/bin/env bash
# Installs what is missing, builds the release server, and starts it with its data in ./data.
# Extra arguments go to messenger-server (see --help and docs/admin-guide.md).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target messenger-server
exec build/release/server/messenger-server --data-dir ./data "$@"
