#!/usr/bin/env bash
# Start-up of `lab` as a ratio to a hello-world Native AOT binary built with the same SDK on the same machine
# (interleaved, median of ROUNDS=31 runs each). LAB_BIN: the published lab (default artifacts/aot/lab).
# Usage: bash bench/startup/run.sh   (publishes the hello world once into artifacts/hello-aot, ~2 CPU-min)
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
lab="${LAB_BIN:-$repo/artifacts/aot/lab}"
[[ -x "$lab" ]] || { echo "no lab binary at $lab: dotnet publish src/Labbook.Cli -c Release -r linux-x64 -p:PublishAot=true -o artifacts/aot" >&2; exit 1; }
hello="$repo/artifacts/hello-aot/hello"
if [[ ! -x "$hello" ]]; then
    src="$(mktemp -d)"
    cp "$repo/bench/startup/hello.cs.txt" "$src/Program.cs"
    cp "$repo/bench/startup/hello.csproj.txt" "$src/hello.csproj"
    cp "$repo/global.json" "$src/" 2>/dev/null || true
    dotnet publish "$src" -c Release -r linux-x64 -o "$repo/artifacts/hello-aot" >/dev/null
    rm -rf "$src"
fi
ws="$(mktemp -d)"
trap 'rm -rf "$ws"' EXIT
true_bin="$(command -v true)"
sep=$'\x1f'
# Each `lab run` records a run in a throwaway workspace (LAB_WORKSPACE), as a user's would.
LAB_WORKSPACE="$ws" python3 "$repo/bench/startup/time.py" \
    "$hello" "$lab${sep}--version" "$lab${sep}run${sep}--${sep}$true_bin"
