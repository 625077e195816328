#!/usr/bin/env bash
# Regenerates src/Labbook.Cli/Vendor/dejavu/glyphs.bin: the printable ASCII glyphs of DejaVu Sans
# (11 px, 13 px, bold 14 px) as anti-aliased alpha masks, drawn by headless Chromium's canvas.
# `lab` draws the text of its PNG charts from them (docs/decisions/0034-charts-without-native-libraries.md).
# Needs chromium and fonts-dejavu-core.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../../src/Labbook.Cli/Vendor/dejavu/glyphs.bin"
chromium --headless --no-sandbox --disable-gpu --dump-dom "file://$here/atlas.html" 2>/dev/null \
    | grep -o 'ATLAS:[A-Za-z0-9+/=]*:END' | sed 's/^ATLAS://; s/:END$//' | base64 -d > "$out.tmp"
# Replace the committed file only with a non-empty atlas: a failed Chromium or grep must not empty it.
[ -s "$out.tmp" ] || { rm -f "$out.tmp"; echo "no atlas from Chromium; $out left as it was" >&2; exit 1; }
mv "$out.tmp" "$out"
echo "wrote $out ($(wc -c < "$out") bytes)"
