#!/usr/bin/env bash
# The VCD fusemax-sim writes is readable by GTKWave's own reader: vcd2fst converts it and fst2vcd
# gives back every timestamp. Skips (77) where GTKWave is not installed.
#   test_vcd_gtkwave.sh FUSEMAX_SIM
set -euo pipefail
command -v vcd2fst >/dev/null && command -v fst2vcd >/dev/null || exit 77
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 "$1" --seq 1024 --heads 1 --mode timing --quiet --vcd "$tmp/w.vcd"
vcd2fst "$tmp/w.vcd" "$tmp/w.fst" >/dev/null
fst2vcd "$tmp/w.fst" >"$tmp/back.vcd"  # once, to a file: grep -q on a pipe would SIGPIPE it under pipefail
before=$(grep -c '^#' "$tmp/w.vcd")
after=$(grep -c '^#' "$tmp/back.vcd")
echo "timestamps: $before in the VCD, $after after GTKWave's vcd2fst/fst2vcd"
test "$before" -gt 100 && test "$before" -eq "$after"
for sig in pe2d busy op tile_step occupancy_bytes bytes_in_flight irq; do
  grep -q "$sig" "$tmp/back.vcd" || { echo "missing $sig"; exit 1; }
done
