#!/usr/bin/env bash
# Whole-process benchmark of the queue runner: N trivial items (`true`) through
# `lab queue start -j 2`, against the same N children run 2 at a time by xargs -P 2.
# Prints the per-item overhead of the queue beyond the child itself.
#
#   bench/queue/queue-overhead.sh [path/to/lab] [items]
#
# Use the Native AOT binary for figures:
#   dotnet publish src/Labbook.Cli -r linux-x64 -p:PublishAot=true -o /tmp/q-aot
#   bench/queue/queue-overhead.sh /tmp/q-aot/lab 1000
set -euo pipefail

lab=${1:-${LAB_BIN:-lab}}
items=${2:-1000}
slots=2
work=$(mktemp -d "${TMPDIR:-/tmp}/lab-queue-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export LAB_WORKSPACE="$work" NO_COLOR=1
cd "$work"
mkdir -p .labbook

now() { date +%s.%N; }

# CPU time (user + system, children included) of a command, in seconds, on fd 3.
TIMEFORMAT='%3U %3S'
cpu() { { time "$@" >/dev/null 2>&1; } 2>&1 | awk '{ print $1 + $2 }'; }

# Baseline: the children alone, two at a time.
t0=$(now)
base_cpu=$(cpu sh -c "seq $items | xargs -P $slots -n 1 true")
t1=$(now)

"$lab" queue add --why bench --grid "i=$(seq -s, 1 "$items")" -- true >/dev/null 2>&1

t2=$(now)
queue_cpu=$(cpu "$lab" queue start -j "$slots")
t3=$(now)

done_count=$(grep -c '"op":"end".*"state":"done"' queue.jsonl || true)
if [ "$done_count" -ne "$items" ]; then
  echo "expected $items done items, found $done_count" >&2
  exit 1
fi

awk -v n="$items" -v s="$slots" -v b0="$t0" -v b1="$t1" -v q0="$t2" -v q1="$t3" -v bc="$base_cpu" -v qc="$queue_cpu" 'BEGIN {
  base = b1 - b0; queue = q1 - q0;
  wall = (queue - base) / n * 1000;
  slot = wall * s;
  printf "items: %d, slots: %d\n", n, s;
  printf "children alone (xargs -P %d): %.2f s\n", s, base;
  printf "lab queue start -j %d:         %.2f s\n", s, queue;
  printf "overhead per item (wall):      %.2f ms\n", wall;
  printf "overhead per item (slot time): %.2f ms  (target <= 10 ms)\n", slot;
  printf "CPU (user+sys): children alone %.2f s, queue %.2f s, overhead per item %.2f ms\n", bc, qc, (qc - bc) / n * 1000;
}'
