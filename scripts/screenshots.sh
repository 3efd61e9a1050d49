#!/usr/bin/env bash
# Saves the screenshots of docs/user-guide.md into docs/images/: builds the release preset's
# messenger-desktop-screenshots (and messenger-server), then runs it under Xvfb, which starts a
# real server with a demo company on 127.0.0.1 and shows the real desktop windows. Look at the
# pictures before committing them.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build build/release --target messenger-desktop-screenshots messenger-server \
  --parallel "${MESSENGER_BUILD_JOBS:-$(nproc)}"
# A fixed screen and the DejaVu fonts, so the pictures do not depend on the machine.
xvfb-run -a -s "-screen 0 1280x800x24" \
  build/release/client/desktop/tools/messenger-desktop-screenshots --out docs/images "$@"
