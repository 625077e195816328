#!/usr/bin/env bash
# Runs the whole test suite the way CI does: builds the Native AOT `lab`, then every test project
# against it (end-to-end tests start the real binary). Installs what the tests need when run as
# root on Debian (python3-optuna for the interop tests). Prints "N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  bash scripts/install-deps.sh
fi

configuration=${CONFIGURATION:-Release}
if [ -z "${LAB_BIN:-}" ] || [ ! -x "$LAB_BIN" ]; then
  aot_dir=artifacts/aot
  echo "== publishing the Native AOT lab binary"
  dotnet publish src/Labbook.Cli -c "$configuration" -r linux-x64 -p:PublishAot=true -o "$aot_dir" -nologo -v quiet
  export LAB_BIN="$PWD/$aot_dir/lab"
fi
echo "== testing with $LAB_BIN"

echo "== running the tests"
log=$(mktemp)
set +e
dotnet test Labbook.slnx -c "$configuration" -nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
passed=0 failed=0 skipped=0
while IFS= read -r line; do
  p=$(sed -n 's/.*Passed: *\([0-9]*\).*/\1/p' <<<"$line")
  f=$(sed -n 's/.*Failed: *\([0-9]*\).*/\1/p' <<<"$line")
  s=$(sed -n 's/.*Skipped: *\([0-9]*\).*/\1/p' <<<"$line")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${s:-0}))
done < <(grep -E '^(Passed|Failed)! +- ' "$log")
rm -f "$log"
echo "$passed passed, $failed failed, $skipped skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
