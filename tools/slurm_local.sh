#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for testing the sweep's Slurm backend for real:
#   tools/slurm_local.sh start DIR   (prints the SLURM_CONF to export; state, logs, sockets in DIR)
#   tools/slurm_local.sh stop DIR
# Debian's munge, slurmctld and slurmd, as root: a generated slurm.conf with proctrack/linuxproc
# and task/none (no cgroups), one partition of this node's cores, ports picked from DIR's name.
# Exit 77 (skip) with the reason when the daemons cannot run here.
set -euo pipefail
cmd=${1:?start or stop}
dir=${2:?a folder for the cluster}
skip() { echo "slurm_local: $*" >&2; exit 77; }

if [ "$cmd" = stop ]; then
  for pid in "$dir"/slurmd.pid "$dir"/slurmctld.pid "$dir"/munged.pid; do
    [ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null || true
  done
  exit 0
fi

[ "$(id -u)" -eq 0 ] || skip "needs root to start munged, slurmctld and slurmd"
for tool in munged slurmctld slurmd sbatch squeue; do
  command -v "$tool" >/dev/null || skip "$tool is not installed (Debian: munge slurmctld slurmd slurm-client)"
done
[ -r /etc/munge/munge.key ] || skip "no /etc/munge/munge.key"
mkdir -p "$dir/state" "$dir/spool"
host=$(hostname -s)
port=$((20000 + $(cksum <<<"$dir" | cut -d' ' -f1) % 20000))
cpus=$(nproc)
memory=$(awk '/MemTotal/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)
cat >"$dir/slurm.conf" <<CONF
ClusterName=fusemax
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$dir/munge.sock
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
munged --force --socket="$dir/munge.sock" --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" \
  --seed-file="$dir/munged.seed" --key-file=/etc/munge/munge.key || skip "munged did not start ($dir/munged.log)"
export SLURM_CONF="$dir/slurm.conf"
slurmctld -f "$SLURM_CONF" || skip "slurmctld did not start ($dir/slurmctld.log)"
slurmd -f "$SLURM_CONF" || skip "slurmd did not start ($dir/slurmd.log)"
for _ in $(seq 1 60); do
  if sinfo -h -o "%T" 2>/dev/null | grep -qE "^idle"; then
    echo "$SLURM_CONF"
    exit 0
  fi
  sleep 0.5
done
skip "the node did not come up within 30 s ($dir/slurmctld.log, $dir/slurmd.log)"
