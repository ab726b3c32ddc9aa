#!/usr/bin/env bash
# Installs everything the test suite needs, idempotently: Debian packages (compilers,
# emulators, wine, debootstrap) and the package itself with its test extras.
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(gcc g++ clang gcc-multilib g++-multilib mingw-w64 qemu-user wine64 debootstrap make cmake)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  echo "install-deps: apt-get install ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

python -m pip install -q --disable-pip-version-check -e '.[test,lint,type]'
