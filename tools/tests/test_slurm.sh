#!/usr/bin/env bash
# tools/sweep --backend slurm on a real (one-node) Slurm cluster started here: the rows equal the
# local backend's; a task that dies leaves no result and is resubmitted once; a task that dies
# twice is reported with its log, and the sweep exits 1. fusemax-explore --backend slurm: its
# points.csv equals the local one with --no-prune. Skips (77) where the daemons cannot run.
#   test_slurm.sh FUSEMAX_SIM
set -uo pipefail
sim=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
sweep="$here/../sweep"
tmp=$(mktemp -d /tmp/fusemax-slurm-XXXXXX)
cluster="$tmp/cluster"
mkdir -p "$cluster"
cleanup() { bash "$here/../slurm_local.sh" stop "$cluster"; rm -rf "$tmp"; }
trap cleanup EXIT
conf=$(bash "$here/../slurm_local.sh" start "$cluster")
status=$?
[ $status -eq 77 ] && exit 77
[ $status -ne 0 ] && { echo "test_slurm: the cluster did not start" >&2; exit 1; }
export SLURM_CONF=$conf SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
fail() { echo "test_slurm: $*" >&2; exit 1; }
points=(--designs flat,binding --models bert --seq-lens 1K,4K,16K --jobs 1)

/usr/bin/python3 "$sweep" --out "$tmp/local.csv" --sim "$sim" "${points[@]}" >/dev/null || fail "local sweep failed"
/usr/bin/python3 "$sweep" --out "$tmp/slurm.csv" --sim "$sim" "${points[@]}" --backend slurm --slurm-tasks 3 \
  --slurm-partition debug --slurm-time 00:10:00 >/dev/null 2>"$tmp/err" || fail "slurm sweep failed: $(cat "$tmp/err")"
same() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import csv, sys
rows = [[{k: v for k, v in r.items() if k not in ("wall_s", "cpu_s")} for r in csv.DictReader(open(p))] for p in sys.argv[1:]]
sys.exit(0 if rows[0] == rows[1] and len(rows[0]) == 6 else 1)
PY
}
same "$tmp/local.csv" "$tmp/slurm.csv" || fail "slurm rows differ from the local rows"

# A simulator that kills its task the first time it is run for a point of 4K tokens: that task is
# resubmitted once and the rows come out complete and equal.
cat >"$tmp/flaky" <<SH
#!/bin/bash
if [[ " \$* " == *" --seq 4096 "* ]] && [ ! -f "$tmp/died" ]; then touch "$tmp/died"; kill -9 \$PPID; exit 9; fi
exec "$sim" "\$@"
SH
chmod +x "$tmp/flaky"
/usr/bin/python3 "$sweep" --out "$tmp/flaky.csv" --sim "$tmp/flaky" "${points[@]}" --backend slurm --slurm-tasks 3 \
  >/dev/null 2>"$tmp/err" || fail "the resubmitted sweep failed: $(cat "$tmp/err")"
grep -q "left no result; resubmitting them once" "$tmp/err" || fail "no resubmission reported: $(cat "$tmp/err")"
same "$tmp/local.csv" "$tmp/flaky.csv" || fail "rows after resubmission differ from the local rows"

# ...and one that always kills its task: reported per point of the task, exit 1, the other rows kept.
cat >"$tmp/dies" <<SH
#!/bin/bash
if [[ " \$* " == *" --seq 4096 "* ]]; then kill -9 \$PPID; exit 9; fi
exec "$sim" "\$@"
SH
chmod +x "$tmp/dies"
/usr/bin/python3 "$sweep" --out "$tmp/dead.csv" --sim "$tmp/dies" "${points[@]}" --backend slurm --slurm-tasks 3 \
  >/dev/null 2>"$tmp/err" && fail "a task that always dies did not fail the sweep"
grep -q "slurm task [0-9] failed twice" "$tmp/err" || fail "no per-task failure reported: $(cat "$tmp/err")"
# Points go to tasks round-robin: tasks 0 and 2 each hold a 4K point, task 1 holds none.
rows=$(($(wc -l <"$tmp/dead.csv") - 1))
[ "$rows" -eq 2 ] || fail "expected task 1's 2 rows, got $rows"
[ "$(grep -c "slurm task [02] failed twice" "$tmp/err")" -eq 4 ] || fail "expected 4 points of tasks 0 and 2 reported: $(cat "$tmp/err")"

# The explorer: its tasks rerun it on their share of the points; the same points.csv, row for row.
explore="$(dirname "$sim")/fusemax-explore"
job=(--seq 1024 --batch 2 --no-plot --quiet --space "$here/../../configs/explore/attention_mappings.yaml")
"$explore" "${job[@]}" --no-prune --out "$tmp/explore-local" || fail "local explorer failed"
"$explore" "${job[@]}" --backend slurm --slurm-tasks 4 --out "$tmp/explore-slurm" 2>"$tmp/err" ||
  fail "slurm explorer failed: $(cat "$tmp/err")"
cmp -s "$tmp/explore-local/points.csv" "$tmp/explore-slurm/points.csv" || fail "explorer rows on Slurm differ from the local rows"
echo "test_slurm: local and Slurm rows equal (sweep: 6 points, 3 tasks; explorer: $(($(wc -l <"$tmp/explore-slurm/points.csv") - 1)) points, 4 tasks); a dead task resubmitted once; one dead twice reported"
