#!/usr/bin/env bash
# Rebuilds the demo capture that `flowhound demo` analyses: ten minutes of CTU-13 scenario 6
# (2011/08/16 10:30-10:40 CEST), the hosts of 147.32.84.128/25 (the Menti bot 147.32.84.165
# and the verified normal hosts .134, .164, .170 among them), flows of at most 60 packets plus
# every botnet flow (the long bulk transfers are left out to keep the file at 6 MB), rebuilt by
# `flowhound synth` with 64-byte snapshots.
# Usage: models/demo/make-demo.sh [capture20110816.binetflow.gz]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
flows=${1:-"$here/../../../shared/data/ctu13/capture20110816.binetflow.gz"}
selected=$(mktemp --suffix=.binetflow)
trap 'rm -f "$selected"' EXIT
zcat -f "$flows" | awk -F, 'NR == 1 || ($1 >= "2011/08/16 10:30:00" && $1 < "2011/08/16 10:40:00" && ($12 + 0 <= 60 || $15 ~ /Botnet/))' > "$selected"
node "$here/../../bin/flowhound.mjs" synth "$selected" --utc-offset 120 --hosts 147.32.84.128/25 --snaplen 64 --seed 0 --no-labels \
  -o "$here/ctu13-scenario6-slice.pcap"
