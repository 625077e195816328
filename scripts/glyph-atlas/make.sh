#!/usr/bin/env bash
# Regenerates src/Labbook.Cli/Vendor/dejavu/glyphs.bin: the printable ASCII glyphs of DejaVu Sans
# (11 px, 13 px, bold 14 px) as anti-aliased alpha masks, drawn by headless Chromium's canvas.
# `lab` draws the text of its PNG charts from them (docs/decisions/0034-charts-without-native-libraries.md).
# Needs chromium and fonts-dejavu-core.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../../src/Labbook.Cli/Vendor/dejavu/glyphs.bin"
chromium --headless --no-sandbox --disable-gpu --dump-dom "file://$here/atlas.html" 2>/dev/null \
    | grep -o 'ATLAS:[A-Za-z0-9+/=]*:END' | sed 's/^ATLAS://; s/:END$//' | base64 -d > "$out"
echo "wrote $out ($(wc -c < "$out") bytes)"
