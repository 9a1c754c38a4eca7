#!/usr/bin/env bash
# Runs each libFuzzer harness for a bounded time on a copy of its committed seed corpus, under
# AddressSanitizer, UndefinedBehaviorSanitizer and LeakSanitizer, and reports executions and
# findings. Needs the sanitizer tree (tools/test.sh builds it in build-sanitize/).
#   tools/fuzz.sh [--seconds N] [--build DIR] [--out DIR] [HARNESS ...]
# Exit 0 when no harness found anything; 1 when one crashed, leaked, timed out or broke an invariant
# (its reproducer is kept in OUT, by default out/fuzz/).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds=30
build="${FUSEMAX_SANITIZE_BUILD:-$root/build-sanitize}"
out="$root/out/fuzz"
harnesses=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    -*) echo "fuzz: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) harnesses+=("$1"); shift ;;
  esac
done
[ ${#harnesses[@]} -gt 0 ] || harnesses=(npy_fuzz config_fuzz trace_fuzz registers_fuzz)
mkdir -p "$out"
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
export ASAN_OPTIONS="allocator_may_return_null=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export LSAN_OPTIONS="suppressions=$root/testbench/fuzz/lsan.supp:print_suppressions=0"
failed=0
printf '%-16s %10s %8s %8s  %s\n' harness executions exec/s corpus result
for h in "${harnesses[@]}"; do
  bin="$build/testbench/fuzz/$h"
  [ -x "$bin" ] || { echo "fuzz: $bin not built (configure with -DFUSEMAX_FUZZ=ON, clang++)" >&2; exit 2; }
  work=$(mktemp -d)
  cp -r "$root/testbench/fuzz/corpus/$h" "$work/corpus"
  log="$out/$h.log"
  # LeakSanitizer cannot see what a suspended SystemC thread keeps on its coroutine stack, so in
  # the harness that keeps a simulation running across inputs it reports live objects as leaked.
  # There leaks are left to the sanitizer test suite, whose processes finish their simulations
  # (and valgrind finds none in this harness's corpus).
  leaks=1
  [ "$h" = registers_fuzz ] && leaks=0
  status=0
  (cd "$work" && ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=$leaks" "$bin" -max_total_time="$seconds" -timeout=25 \
      -rss_limit_mb=4096 -print_final_stats=1 -detect_leaks=$leaks -artifact_prefix="$out/$h-" corpus) \
      >"$log" 2>&1 || status=$?
  runs=$( (grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" || echo 0) | tail -1 | grep -o '[0-9]*$')
  rate=$( (grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" || echo 0) | tail -1 | grep -o '[0-9]*$')
  size=$(find "$work/corpus" -type f | wc -l)
  if [ "$status" -eq 0 ]; then result="no findings"; else result="FINDING (exit $status): see $log"; failed=1; fi
  printf '%-16s %10s %8s %8s  %s\n' "$h" "$runs" "$rate" "$size" "$result"
  rm -rf "$work"
done
exit $failed
