#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (CI runs this through .ci/run):
#   1. the Release build (warnings as errors) and its suite;
#   2. the sanitizer build (clang++ with AddressSanitizer, UndefinedBehaviorSanitizer and
#      LeakSanitizer, in build-sanitize/) and the same suite under it: any sanitizer report fails;
#   3. a bounded run of each fuzz harness under the sanitizers (FUSEMAX_FUZZ_SECONDS, default 30).
#   tools/test.sh [--release-only] [ctest arguments]
set -euo pipefail
release_only=0
if [ "${1:-}" = "--release-only" ]; then release_only=1; shift; fi
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

echo "== Release suite ($FUSEMAX_BUILD)"
(cd "$FUSEMAX_BUILD" && ctest --output-on-failure -j "$(nproc)" "$@")
[ "$release_only" -eq 1 ] && exit 0

echo "== Sanitizer suite ($FUSEMAX_SANITIZE_BUILD): ASan, UBSan, LSan"
fusemax_build_sanitized
logs="$FUSEMAX_SANITIZE_BUILD/sanitizer-logs"
rm -rf "$logs" && mkdir -p "$logs"
# Reports go to files (SystemC 2.3.4 announces its switches back to the main stack to ASan with an
# empty range, so ASan warns on stderr that it cannot unpoison the stack when an exception is thrown
# there, and the tests of one-line error messages would see the warning) and are read back below:
# any report fails the run. The fuzz harness that drives one simulation across thousands of inputs
# names the main stack again after each sc_start (testbench/fuzz/registers_fuzz.cpp).
# Distinct exit codes keep a sanitizer stop from passing for an expected exit code.
export ASAN_OPTIONS="log_path=$logs/asan:exitcode=86:detect_leaks=1:strict_string_checks=1"
export UBSAN_OPTIONS="log_path=$logs/ubsan:halt_on_error=1:print_stacktrace=1:exitcode=87"
export LSAN_OPTIONS="exitcode=88"
(cd "$FUSEMAX_SANITIZE_BUILD" && ctest --output-on-failure -j "$(nproc)" "$@")
reports=$(grep -l -E "ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer)|runtime error:" "$logs"/* 2>/dev/null || true)
if [ -n "$reports" ]; then
  echo "test: sanitizer reports:" >&2
  for f in $reports; do echo "== $f" >&2; head -n 40 "$f" >&2; done
  exit 1
fi
echo "sanitizers: no reports ($(ls "$logs" | wc -l) log files)"
unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

echo "== Fuzzing, ${FUSEMAX_FUZZ_SECONDS:-30} s per harness"
bash "$FUSEMAX_ROOT/tools/fuzz.sh" --build "$FUSEMAX_SANITIZE_BUILD" --seconds "${FUSEMAX_FUZZ_SECONDS:-30}"
