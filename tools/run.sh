#!/usr/bin/env bash
# Installs what is missing, builds (Release) and runs the default job: FuseMax (+Binding) on a
# BERT-Base-shaped attention (batch 1, 12 heads, 1K tokens) with the numerical check. Extra
# arguments go to fusemax-sim (see build/testbench/fusemax-sim --help).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
mkdir -p "$FUSEMAX_ROOT/out"
exec "$FUSEMAX_BUILD/testbench/fusemax-sim" --stats "$FUSEMAX_ROOT/out/default_stats.json" "$@"
