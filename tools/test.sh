#!/usr/bin/env bash
# Installs what is missing, builds (Release, warnings as errors) and runs the whole test suite.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$FUSEMAX_BUILD"
ctest --output-on-failure -j "$(nproc)" "$@"
