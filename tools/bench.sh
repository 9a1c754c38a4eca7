#!/usr/bin/env bash
# Installs what is missing, builds (Release) and runs the speed and memory benchmarks
# (tools/bench.py). Results: stdout and out/bench.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
exec /usr/bin/python3 "$FUSEMAX_ROOT/tools/bench.py"
