#!/usr/bin/env python3
"""A Slurm job array of independent tasks: what tools/sweep and fusemax-explore run on a cluster.

Task t runs its command (an argv list) on a node and must leave WORK/task-t.json. The submitter
waits for the array, resubmits once the tasks that left nothing (a node lost, a task killed) and
reports those that failed twice with the last line of their log (WORK/task-t.log).

As a program (how fusemax-explore calls it):
  slurm_array.py --work DIR --commands FILE.json --name NAME [--cpus N] [--partition P]
                 [--time T] [--account A] [--wait SECONDS]
FILE.json holds one argv list per task. Prints {"job": id, "failed": {task: reason}} as JSON and
exits 0 once the array has ended, whatever its tasks did; exits 2 with one line on standard error
when Slurm cannot take it (no sbatch, sbatch refused, the wait ran out).
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import time


class SlurmError(Exception):
    """Slurm could not run the array at all."""


class Options:
    def __init__(self, name, cpus=1, partition=None, time_limit=None, account=None, wait=86400):
        self.name, self.cpus, self.partition, self.time_limit, self.account = name, str(cpus), partition, time_limit, account
        self.wait = int(wait)


def _submit(work, commands, tasks, opts):
    # One script for the array: task t execs its own command.
    script = os.path.join(work, "task.sh")
    with open(script, "w") as f:
        f.write("#!/bin/bash\ncase $SLURM_ARRAY_TASK_ID in\n")
        for t in tasks:
            f.write(f"  {t}) exec {' '.join(shlex.quote(str(x)) for x in commands[t])} ;;\n")
        f.write("esac\necho \"no command for array task $SLURM_ARRAY_TASK_ID\" >&2\nexit 2\n")
    os.chmod(script, 0o755)
    cmd = ["sbatch", "--parsable", "--job-name", opts.name, f"--array={','.join(map(str, tasks))}",
           "--output", os.path.join(work, "task-%a.log"), "--cpus-per-task", opts.cpus]
    for flag, value in (("--partition", opts.partition), ("--time", opts.time_limit), ("--account", opts.account)):
        if value:
            cmd += [flag, value]
    try:
        r = subprocess.run(cmd + [script], capture_output=True, text=True)
    except FileNotFoundError:
        raise SlurmError("sbatch is not installed (Debian: slurm-client)") from None
    if r.returncode != 0:
        raise SlurmError(f"sbatch failed: {r.stderr.strip()}")
    return r.stdout.strip().split(";")[0]


def _wait(job, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = subprocess.run(["squeue", "-h", "-j", job, "-o", "%i"], capture_output=True, text=True)
        if r.returncode == 0 and not r.stdout.strip():
            return
        time.sleep(1)
    subprocess.run(["scancel", job], capture_output=True)
    raise SlurmError(f"job {job} did not finish within {timeout} s (cancelled)")


def _results(work, tasks):
    done = {}
    for t in tasks:
        path = os.path.join(work, f"task-{t}.json")
        if os.path.exists(path):
            with open(path) as f:
                done[t] = json.load(f)
    return done


def _last_line(path):
    if not os.path.exists(path):
        return ""
    with open(path) as f:
        lines = [x.strip() for x in f if x.strip()]
    return lines[-1] if lines else ""


def run_array(work, commands, opts, log=sys.stderr):
    """Runs commands[t] as array task t. Returns ({task: its task-t.json}, {task: why it failed})
    and the last job id."""
    os.makedirs(work, exist_ok=True)
    tasks = list(range(len(commands)))
    for t in tasks:
        for old in (f"task-{t}.json", f"task-{t}.log"):
            if os.path.exists(os.path.join(work, old)):
                os.remove(os.path.join(work, old))
    job = _submit(work, commands, tasks, opts)
    print(f"{opts.name}: slurm job {job}: {len(tasks)} array tasks ({work})", file=log)
    _wait(job, opts.wait)
    done = _results(work, tasks)
    missing = [t for t in tasks if t not in done]
    if missing:
        print(f"{opts.name}: slurm tasks {','.join(map(str, missing))} left no result; resubmitting them once", file=log)
        job = _submit(work, commands, missing, opts)
        _wait(job, opts.wait)
        done.update(_results(work, missing))
    failed = {}
    for t in tasks:
        if t not in done:
            log_path = os.path.join(work, f"task-{t}.log")
            failed[t] = f"slurm task {t} failed twice ({_last_line(log_path) or 'no output'}; log {log_path})"
    return done, failed, job


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", required=True)
    ap.add_argument("--commands", required=True)
    ap.add_argument("--name", default="fusemax")
    ap.add_argument("--cpus", default="1")
    ap.add_argument("--partition")
    ap.add_argument("--time")
    ap.add_argument("--account")
    ap.add_argument("--wait", default="86400")
    a = ap.parse_args()
    with open(a.commands) as f:
        commands = json.load(f)
    try:
        _, failed, job = run_array(os.path.abspath(a.work), commands,
                                   Options(a.name, a.cpus, a.partition, a.time, a.account, a.wait))
    except SlurmError as e:
        print(f"{a.name}: --backend slurm: {e}", file=sys.stderr)
        sys.exit(2)
    print(json.dumps({"job": job, "failed": {str(t): r for t, r in failed.items()}}))


if __name__ == "__main__":
    main()
