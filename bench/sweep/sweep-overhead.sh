#!/usr/bin/env bash
# Overhead that `lab sweep` adds per trial beyond the child process itself.
# Runs N trivial trials (a /bin/sh child printing one @lab metric line) through `lab sweep`, and the
# same child N times from a plain bash loop, in one run; prints wall-clock and CPU time (user + sys,
# children included) per trial for both, and the differences. CPU time is the figure to trust on a
# loaded machine; wall-clock includes waiting for a core.
# Usage: bench/sweep/sweep-overhead.sh [N] [path/to/lab]   (default N=1000; lab from LAB_BIN or PATH)
set -euo pipefail
n="${1:-1000}"
lab="${2:-${LAB_BIN:-lab}}"
case "$lab" in
  */*) lab="$(cd "$(dirname "$lab")" && pwd)/$(basename "$lab")" ;;
  *) lab="$(command -v "$lab")" ;;
esac
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
export LAB_WORKSPACE="$work/ws"
export NO_COLOR=1
TIMEFORMAT='%R %U %S'

baseline() {
  for ((i = 0; i < n; i++)); do
    /bin/sh -c 'echo "@lab y=0.5"' > /dev/null
  done
}
sweep() {
  "$lab" sweep --study bench --sampler random --seed 1 -s x=0..1 --objective y --direction minimize \
    --trials "$n" -- /bin/sh -c 'echo "@lab y={x}"' > /dev/null 2> "$work/sweep.err"
}

read -r b_real b_user b_sys < <({ time baseline; } 2>&1)
read -r s_real s_user s_sys < <({ time sweep; } 2>&1)
if [ -s "$work/sweep.err" ]; then echo "lab sweep wrote to stderr:"; tail -5 "$work/sweep.err"; fi
trials=$("$lab" study export bench | tail -n +2 | grep -c COMPLETE || true)
awk -v n="$n" -v t="$trials" -v br="$b_real" -v bu="$b_user" -v bs="$b_sys" -v sr="$s_real" -v su="$s_user" -v ss="$s_sys" 'BEGIN {
  printf "trials completed: %d of %d\n", t, n;
  printf "                      wall ms/trial   cpu ms/trial\n";
  printf "child alone (loop)    %13.2f   %12.2f\n", br * 1000 / n, (bu + bs) * 1000 / n;
  printf "lab sweep             %13.2f   %12.2f\n", sr * 1000 / n, (su + ss) * 1000 / n;
  printf "overhead per trial    %13.2f   %12.2f   (target <= 20 ms)\n", (sr - br) * 1000 / n, (su + ss - bu - bs) * 1000 / n;
}'
