#!/usr/bin/env bash
# Installs podwall's build and test dependencies from Debian 12 packages (only those missing)
# and configures the build directory. Safe to run again; needs root for apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  g++ clang libclang-rt-14-dev meson ninja-build pkg-config
  dpdk dpdk-dev libdpdk-dev libhyperscan-dev libyaml-cpp-dev libboost-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  iproute2 ethtool iputils-ping procps python3 python3-yaml python3-matplotlib libpcap-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: need root to install packages (run with sudo)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# build/: the release-style build every script uses.
build_dir=${PODWALL_BUILD:-build}
if [[ ! -f $build_dir/build.ninja ]]; then
  meson setup "$build_dir" --buildtype=debugoptimized >/dev/null
fi
ninja -C "$build_dir" >/dev/null
echo "setup: built $build_dir"
