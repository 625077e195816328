#!/usr/bin/env bash
# Whole-process timing of `lab morning` on a workspace of 10,000 runs and 100 entries.
# Usage: bench/notebook/morning-10k.sh [path/to/lab]   (default: the Debug build; pass the AOT binary for real numbers)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lab=${1:-$here/../../src/Labbook.Cli/bin/Debug/net10.0/lab}
ws=$(mktemp -d)
trap 'rm -rf "$ws"' EXIT
/usr/bin/python3 "$here/make-workspace.py" "$ws" 10000 100
export LAB_WORKSPACE=$ws NO_COLOR=1
cd "$ws"
cp NOTEBOOK.md NOTEBOOK.orig
for i in 1 2 3 4 5; do
  cp NOTEBOOK.orig NOTEBOOK.md
  s=$(date +%s.%N)
  "$lab" morning --since 12h > /dev/null
  e=$(date +%s.%N)
  echo "lab morning, 10000 runs: $(echo "$e - $s" | bc) s"
done
