#!/usr/bin/env bash
# Debian packages the build and the tests need: clang and zlib for Native AOT, Python with
# Optuna 3.1 for the interop tests and benchmarks. Idempotent; needs root.
set -euo pipefail
packages=(clang zlib1g-dev python3 python3-optuna python3-numpy chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
