#!/usr/bin/env bash
# Builds the training tables the shipped models were trained on, from the CTU-13 flow files
# in ../shared/data/ctu13 (see its README): each flow file as it is, and the capture that
# `flowhound synth` rebuilds from it, cut into windows as a live capture would be, with the
# labels from synth's sidecar. Infected hosts are those the dataset's scenario descriptions name.
#
# Usage: models/train/make-tables.sh OUT_DIR [DATA_DIR]   (needs ~6 GB free in OUT_DIR for the rebuilt captures)
set -euo pipefail
out=${1:?usage: make-tables.sh OUT_DIR [DATA_DIR]}
data=${2:-"$(dirname "$0")/../../../shared/data/ctu13"}
flowhound="node $(dirname "$0")/../../bin/flowhound.mjs"
mkdir -p "$out"
lan=(--lan 147.32.0.0/16)
ctu=(--utc-offset 120)
tables() { # NAME INPUT [options…]: the flow-file table and the table of its rebuilt capture
  local name=$1 input=$2; shift 2
  $flowhound features "$input" "${ctu[@]}" "${lan[@]}" "$@" -q -o "$out/$name.flowfile.arrow"
  $flowhound synth "$input" "${ctu[@]}" -q -o "$out/$name.pcap"
  $flowhound features "$out/$name.pcap" "${lan[@]}" "$@" -q -o "$out/$name.packets.arrow"
  rm -f "$out/$name.pcap" "$out/$name.labels.csv"
}
tables scenario6 "$data/capture20110816.binetflow.gz" --infected 147.32.84.165
tables scenario11 "$data/capture20110818-2.botnet.binetflow.gz" --infected 147.32.84.165 --infected 147.32.84.191 --infected 147.32.84.192
tables benign "$data/benign-sample.binetflow.gz"
# The 100-row samples of other scenarios are in random order: sorted by StartTime first, since
# windows close as time passes.
for sample in "$data"/samples/*.binetflow; do
  name=$(basename "$sample" .sample.binetflow)
  case $name in
    scenario9-*) hosts=(165 191 192 193 204 205 206 207 208 209) ;;
    *) hosts=(165) ;;
  esac
  infected=()
  for host in "${hosts[@]}"; do infected+=(--infected "147.32.84.$host"); done
  sorted="$out/sorted/$(basename "$sample")"
  mkdir -p "$out/sorted"
  { head -n 1 "$sample"; tail -n +2 "$sample" | sort -t, -k1,1; } > "$sorted"
  $flowhound features "$sorted" "${ctu[@]}" "${lan[@]}" "${infected[@]}" -q -o "$out/$name.flowfile.arrow"
  rm -rf "$out/sorted"
done
ls -la "$out"
