#!/usr/bin/env bash
# Overhead that `lab sweep` adds per trial beyond the child process itself.
# Runs N trivial trials (a /bin/sh child printing one @lab metric line) through `lab sweep`, and the
# same child N times from a plain loop, in one run; prints both and the difference per trial.
# Usage: bench/sweep/sweep-overhead.sh [N] [path/to/lab]   (default N=1000, lab from PATH or LAB_BIN)
set -euo pipefail
n="${1:-1000}"
lab="${2:-${LAB_BIN:-lab}}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
export LAB_WORKSPACE="$work/ws"
export NO_COLOR=1

now() { date +%s.%N; }

# The child alone, N times, sequentially (what any launcher must pay at least).
t0=$(now)
for ((i = 0; i < n; i++)); do
  /bin/sh -c 'echo "@lab y=0.5"' > /dev/null
done
t1=$(now)

# The same child as N sweep trials (random sampler, one slot), each a recorded run in a journal study.
t2=$(now)
"$lab" sweep --study bench --sampler random --seed 1 -s x=0..1 --objective y --direction minimize \
  --trials "$n" -- /bin/sh -c 'echo "@lab y={x}"' > /dev/null
t3=$(now)

trials=$("$lab" study export bench | tail -n +2 | grep -c COMPLETE || true)
awk -v n="$n" -v t="$trials" -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" 'BEGIN {
  base = (b - a) * 1000 / n; sweep = (d - c) * 1000 / n;
  printf "trials completed:           %d of %d\n", t, n;
  printf "child alone:                %.2f ms per run (plain loop)\n", base;
  printf "lab sweep:                  %.2f ms per trial\n", sweep;
  printf "overhead of lab sweep:      %.2f ms per trial (target <= 20 ms)\n", sweep - base;
}'
