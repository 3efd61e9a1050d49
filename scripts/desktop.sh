#!/usr/bin/env bash
# Installs what is missing, builds the release desktop client, and starts it. Extra arguments go
# to messenger-desktop (--server URL prefills the address, --profile-dir DIR keeps its data
# elsewhere; see docs/user-guide.md).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target messenger-desktop
exec build/release/client/desktop/messenger-desktop "$@"
