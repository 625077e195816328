#!/usr/bin/env bash
# lab ui: API latency and server memory on generated workspaces.
# usage: bench/ui/bench.sh [LAB_BINARY] [RUNS...]   (default: artifacts/aot/lab, 2000 and 10000 runs)
# Each workspace: RUNS finished runs, 4 metrics x 50 steps each (the listing reads summaries only),
# plus one run of 1,000,000 points of one metric for the downsampled series. Needs python3 and curl.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
lab="${1:-artifacts/aot/lab}"; shift || true
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(2000 10000)
tmp="$(mktemp -d)"; trap 'kill "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
pid=""
ms() { curl -s -o /dev/null -w '%{time_total}' "$1" | awk '{printf "%.1f", $1 * 1000}'; }
for n in "${sizes[@]}"; do
  ws="$tmp/ws$n"
  python3 "$here/make_workspace.py" "$ws" "$n" 50 4
  python3 "$here/make_workspace.py" "$tmp/big" 1 1000000 1 28 && mv "$tmp/big/runs/"* "$ws/runs/" && rm -rf "$tmp/big"
  big=$(ls "$ws/runs" | sort | tail -1)
  start=$(date +%s.%N)
  LAB_WORKSPACE="$ws" "$lab" ui --port 0 > "$tmp/out" 2>/dev/null & pid=$!
  until [ -s "$tmp/out" ]; do sleep 0.05; done
  ready=$(echo "$(date +%s.%N) - $start" | bc)
  url=$(head -1 "$tmp/out" | sed 's/^Labbook UI: //; s:/$::')
  cold=$(ms "$url/api/runs")
  warm=(); for i in 1 2 3 4 5 6 7; do warm+=("$(ms "$url/api/runs")"); done
  filt=(); for i in 1 2 3 4 5; do filt+=("$(ms "$url/api/runs?fields=id&where=val_loss%3C0.3")"); done
  series_cold=$(ms "$url/api/runs/$big/metrics?buckets=1000")
  series_warm=$(ms "$url/api/runs/$big/metrics?buckets=1000")
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
  echo "runs=$n  start-to-URL ${ready}s  /api/runs first ${cold} ms, warm median $(median "${warm[@]}") ms  filter median $(median "${filt[@]}") ms  1M-point series first ${series_cold} ms, again ${series_warm} ms  server RSS $((rss / 1024)) MB"
  kill -INT "$pid"; wait "$pid" || true; pid=""
done
