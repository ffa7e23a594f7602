#!/usr/bin/env bash
# Rebuilds the demo capture that `flowhound demo` analyses: eight and a half minutes of CTU-13
# scenario 6 (2011/08/16 10:30-10:38:30 CEST, so that the last window still holds the bot), the
# hosts of 147.32.84.128/25 (the Menti bot 147.32.84.165 and the verified normal hosts .134,
# .164, .170 among them), flows of at most 60 packets and 60 s, plus every botnet flow (bulk
# transfers are left out to keep the file at 3 MB), rebuilt by `flowhound synth` with 64-byte
# snapshots.
# Usage: models/demo/make-demo.sh [capture20110816.binetflow.gz]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
flows=${1:-"$here/../../../shared/data/ctu13/capture20110816.binetflow.gz"}
selected=$(mktemp --suffix=.binetflow)
trap 'rm -f "$selected"' EXIT
zcat -f "$flows" | awk -F, 'NR == 1 || ($1 >= "2011/08/16 10:30:00" && $1 < "2011/08/16 10:38:30" && ($12 + 0 <= 60 || $15 ~ /Botnet/) && $2 + 0 <= 60)' > "$selected"
node "$here/../../bin/flowhound.mjs" synth "$selected" --utc-offset 120 --hosts 147.32.84.128/25 --snaplen 64 --seed 0 --no-labels \
  -o "$here/ctu13-scenario6-slice.pcap"
