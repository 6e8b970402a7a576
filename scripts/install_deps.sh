#!/usr/bin/env bash
# Installs, from Debian's packages, whatever kfm needs that is missing.
# Idempotent: does nothing (and needs no network) when all is present.
set -euo pipefail

packages=(
  build-essential cmake ninja-build git
  libeigen3-dev libtbb-dev libfmt-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3-numpy python3-matplotlib libopenblas0-pthread
  clang libclang-rt-14-dev
)
# Extra packages a caller asks for (e.g. python3-torch for the peers' benchmark).
packages+=("$@")

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  echo "kfm: installing missing packages: ${missing[*]}" >&2
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
