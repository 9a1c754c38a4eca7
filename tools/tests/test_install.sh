#!/usr/bin/env bash
# Installs the build tree into a temporary prefix, then configures, builds and runs an
# out-of-tree consumer project against it (find_package(FuseMaxTLM), FuseMaxTLM::fusemax).
#   test_install.sh BUILD_DIR SOURCE_DIR [CXX_COMPILER]
# The consumer is built with the build's own compiler (an instrumented build needs its runtime).
set -euo pipefail
build=$1
src=$2
cxx=${3:-c++}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
test -f "$tmp/prefix/lib/cmake/FuseMaxTLM/FuseMaxTLMConfig.cmake"
test -f "$tmp/prefix/include/fusemax/top/fusemax.h"
# Every header under the one prefix, and none of them reaching another but through it.
test ! -e "$tmp/prefix/include/fusemax/hw" && test ! -e "$tmp/prefix/include/memory"
if grep -rhE '#include "[a-z_]+/' "$tmp/prefix/include/fusemax" | grep -v '#include "fusemax/'; then
  echo "an installed header includes another without the fusemax/ prefix" >&2
  exit 1
fi
test -f "$tmp/prefix/share/fusemax/configs/arch/fusemax.yaml"
cmake -S "$src/testbench/tests/consumer" -B "$tmp/consumer" -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER="$cxx" >/dev/null
cmake --build "$tmp/consumer" -j 2 >/dev/null
SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 "$tmp/consumer/consumer"
# The executables and tools are installed, and so is the Python package (in a build that has it):
# from the prefix alone it runs a job, a sweep point and the explorer.
test -x "$tmp/prefix/bin/fusemax-sim" && test -x "$tmp/prefix/bin/fusemax-explore"
test -x "$tmp/prefix/share/fusemax/tools/sweep"
package=$(ls -d "$tmp"/prefix/lib/python3*/dist-packages 2>/dev/null || true)
if [ -n "$package" ] && [ -d "$package/fusemax" ]; then
  (cd "$tmp" && env -u FUSEMAX_DATA_DIR SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 PYTHONPATH="$package" /usr/bin/python3 -c "
import fusemax
assert fusemax.DATA_DIR.startswith('$tmp/prefix'), fusemax.DATA_DIR
assert fusemax.run(seq=256, seed=1).stats['check']['passed']
assert fusemax.sweep(designs=['binding'], models=['bert'], seq_lens=['1K'])['cycles'].item() == 1892839
assert len(fusemax.explore(seq=512, space={'mapping': {'p1': ['auto', 1]}})) == 3
")
fi
