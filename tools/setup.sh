#!/usr/bin/env bash
# Shared by tools/run.sh and tools/test.sh: installs the Debian 12 packages the build needs (only
# those missing), then configures and builds the Release tree in build/. Idempotent.
# fusemax_build_sanitized builds the sanitizer tree (clang++, ASan + UBSan, fuzz harnesses) in
# build-sanitize/ for tools/test.sh and tools/fuzz.sh.
set -euo pipefail

FUSEMAX_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FUSEMAX_BUILD="${FUSEMAX_BUILD:-$FUSEMAX_ROOT/build}"
FUSEMAX_SANITIZE_BUILD="${FUSEMAX_SANITIZE_BUILD:-$FUSEMAX_ROOT/build-sanitize}"

fusemax_packages=(
  g++ make cmake pkg-config
  libsystemc-dev libyaml-cpp-dev libboost-program-options-dev nlohmann-json3-dev libgtest-dev libopenblas-dev
  python3 python3-numpy python3-matplotlib python3-pandas gtkwave
  python3-dev pybind11-dev python3-pytest python3-tqdm python3-nbclient python3-nbformat python3-ipykernel
  munge slurmctld slurmd slurm-client
  clang libclang-rt-14-dev
)

fusemax_install_missing() {
  local missing=()
  for p in "${fusemax_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "setup: installing ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Builds into $1 with the cmake arguments after it, the full output in $1/build.log and the
# progress on stderr (one line per 10% when stderr is a terminal or CI log: no silent minutes).
fusemax_cmake_build() {
  local dir=$1; shift
  mkdir -p "$dir"
  local log="$dir/build.log"
  echo "setup: building $dir (log: $log)" >&2
  local status=0
  { cmake -S "$FUSEMAX_ROOT" -B "$dir" "$@" && cmake --build "$dir" -j "$(nproc)"; } 2>&1 | tee "$log" |
    awk '/^\[ *[0-9]+%\]/ { p = int(substr($0, 2, 3) / 10) * 10; if (p > last) { last = p; printf "setup: build %d%%\n", p > "/dev/stderr"; fflush("/dev/stderr") } }' ||
    status=$?
  if [ "$status" -ne 0 ]; then
    tail -n 60 "$log" >&2
    echo "setup: build failed (full log: $log)" >&2
    exit 1
  fi
}

fusemax_build() {
  fusemax_cmake_build "$FUSEMAX_BUILD" -DCMAKE_BUILD_TYPE=Release -DFUSEMAX_WERROR=ON
}

# AddressSanitizer, UndefinedBehaviorSanitizer (and LeakSanitizer with ASan) over every target,
# and the libFuzzer harnesses: clang++, optimised enough to run the suite in reasonable time.
fusemax_build_sanitized() {
  fusemax_cmake_build "$FUSEMAX_SANITIZE_BUILD" -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
    -DFUSEMAX_WERROR=ON -DFUSEMAX_SANITIZE=address,undefined -DFUSEMAX_FUZZ=ON
}

fusemax_install_missing
fusemax_build
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
