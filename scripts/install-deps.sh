#!/usr/bin/env bash
# Installs what building and testing The Messenger needs on Debian 12, and nothing when it is
# all there already. Runs as root, or through sudo otherwise. Safe to run again.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libboost-dev libssl-dev nlohmann-json3-dev libsqlite3-dev libsodium-dev
  libspdlog-dev libfmt-dev libgtest-dev libtomlplusplus-dev libcli11-dev
  libmongoc-dev libbson-dev
  qt6-base-dev qt6-websockets-dev libgl-dev
  clang-format
  xvfb xauth imagemagick fonts-dejavu-core
  python3 python3-pytest python3-websockets python3-pymongo
)
# The MongoDB tests also need Go >= 1.24 (not a Debian package here) to build their FerretDB test
# server: tests/ferretdb/build.sh finds it on PATH or at /usr/local/go/bin/go.

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  if [[ "$status" != "installed" ]]; then
    missing+=("$package")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "install-deps: missing packages (${missing[*]}); run this script as root or install sudo" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt_install() {
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
}
# Update the package lists only when there are none yet, or when they are too old to find
# what is missing.
if ! compgen -G "/var/lib/apt/lists/*_Packages" >/dev/null; then
  "${as_root[@]}" apt-get update
fi
if ! apt_install; then
  "${as_root[@]}" apt-get update
  apt_install
fi
