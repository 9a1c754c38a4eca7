"""FuseMax SystemC/TLM-2.0 model from Python.

    import fusemax
    r = fusemax.run(workload={"batch": 1, "heads": 2, "seq_len": 512, "head_dim": 64}, seed=3)
    r.o, r.stats["cycles"]
    r = fusemax.run(q=q, k=k, v=v)                       # shape from the arrays, O checked against fp64
    r = fusemax.run(arch={"glb": {"capacity_bytes": 8 << 20}}, seq=4096, mode="timing")
    df = fusemax.sweep(designs=["flat", "binding"], models=["bert"], seq_lens=["1K", "4K"])
    points = fusemax.explore(seq=4096, batch=8)          # the explorer's points.csv; .attrs["summary"]

Each job runs in this process's image: the native module forks a child that elaborates and
simulates (SystemC allows one simulation per process) and returns the statistics, so any number of
jobs can run one after another or from threads (`run_many`), with the GIL released while they work.
Errors raise `fusemax.Error` with the one-line message fusemax-sim prints.
"""
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from . import _config
from ._fusemax import describe_stats as _describe_stats
from ._fusemax import simulate as _simulate

__all__ = ["Error", "Result", "run", "run_many", "sweep", "explore", "describe_stats", "DATA_DIR"]
# The model reads its configurations from here (the forked simulations inherit it).
DATA_DIR = os.environ.setdefault("FUSEMAX_DATA_DIR", _config.DATA_DIR)
_ARCH_PATH_KEYS = ("base", "energy_table", "gemm_energy_table", "area_table", "glb_energy_table")


class Error(Exception):
    """A job the model refused or could not run; the message is fusemax-sim's one line."""

    def __init__(self, message, stats=None):
        super().__init__(message)
        self.stats = stats


class Result:
    """A finished job: `o` (numpy, functional mode: O [B,H,P,F], Z [M,N] for a GEMM, the layer's
    output [B*P,D]) and `stats` (the statistics fusemax-sim writes with --stats, as a dict)."""

    def __init__(self, o, stats):
        self.o = o
        self.stats = stats

    def __repr__(self):
        s = self.stats
        return f"Result(cycles={s.get('cycles')}, energy_pj={s.get('energy_pj')}, o={None if self.o is None else self.o.shape})"


def _yaml(value):
    """A dict as YAML flow text (JSON is YAML): no dependency beyond the standard library."""
    return json.dumps(value, indent=1)


def _arch_file(arch, folder):
    if arch is None or isinstance(arch, (str, os.PathLike)):
        return arch
    doc = dict(arch)
    doc.setdefault("base", "fusemax.yaml")
    for key in _ARCH_PATH_KEYS:  # relative paths are the shipped configs/arch folder's
        if key in doc and not os.path.isabs(str(doc[key])):
            doc[key] = os.path.join(DATA_DIR, "arch", str(doc[key]))
    path = os.path.join(folder, "arch.yaml")
    with open(path, "w") as f:
        f.write(_yaml(doc))
    return path


def _workload_file(workload, folder):
    if workload is None or isinstance(workload, (str, os.PathLike)):
        return workload
    doc = dict(workload)
    doc.setdefault("name", "python")
    path = os.path.join(folder, "workload.yaml")
    with open(path, "w") as f:
        f.write(_yaml(doc))
    return path


def _flag(name, value):
    """keyword -> fusemax-sim flag: seq=4096 -> --seq 4096, causal=True -> --causal,
    fast_forward=False -> --no-fast-forward, check=False -> --no-check."""
    flag = "--" + name.replace("_", "-")
    if name in ("fast_forward", "check") and value is False:
        return ["--no-" + name.replace("_", "-")]
    if value is True:
        return [flag]
    if value is False or value is None:
        return []
    if isinstance(value, (list, tuple)):
        value = ",".join(str(x) for x in value)
    return [flag, str(value)]


def _array(folder, name, x):
    x = np.asarray(x)
    if x.dtype not in (np.float16, np.float32):
        x = x.astype(np.float32)
    path = os.path.join(folder, name + ".npy")
    np.save(path, np.ascontiguousarray(x))
    return path


def _scratch():
    return tempfile.TemporaryDirectory(prefix="fusemax-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)


def run(arch=None, workload=None, q=None, k=None, v=None, a=None, w=None, mode="functional", **flags):
    """Runs one job and returns a Result.

    arch, workload: a YAML path, or a dict with the file's keys (an arch dict is laid over
    `base`, by default the shipped fusemax.yaml; its relative paths are the shipped configs/arch
    folder's). q, k, v (attention) or a, w (with gemm="M,K,N"): numpy arrays, float32 or float16;
    the shape comes from them unless a workload or shape flags say otherwise. mode: functional
    (computes O, checked against fp64) or timing. Any other fusemax-sim flag as a keyword: seq=4096,
    batch=8, causal=True, kv_heads=2, layer=True, gemm="512,256,512", fast_forward=False,
    check=False, pe_dim=128, ...
    """
    with _scratch() as folder:
        args = ["--mode", mode, "--quiet", "--stats", os.path.join(folder, "stats.json")]
        arch_path = _arch_file(arch, folder)
        if arch_path is not None:
            args += ["--arch", str(arch_path)]
        workload_path = _workload_file(workload, folder)
        if workload_path is not None:
            args += ["--workload", str(workload_path)]
        for name, x in (("q", q), ("k", k), ("v", v), ("a", a), ("w", w)):
            if x is not None:
                args += ["--" + name, _array(folder, name, x)]
        out = os.path.join(folder, "out.npy")
        if mode == "functional":
            args += ["--out", out]
        for name, value in flags.items():
            args += _flag(name, value)
        try:
            reply = json.loads(_simulate(args))
        except RuntimeError as e:
            raise Error(str(e)) from None
        stats = reply.get("stats", {})
        if reply["exit"] == 1:
            raise Error("numerical check failed: " + json.dumps(stats.get("check")), stats)
        if reply["exit"] != 0:
            raise Error(f"the job ended with exit code {reply['exit']}", stats)
        o = np.load(out) if mode == "functional" and os.path.exists(out) else None
        return Result(o, stats)


def run_many(jobs, workers=None, progress=True):
    """Runs a list of jobs (each a dict of run()'s keywords) on `workers` threads (default: the
    cores), each simulation in its own forked child; returns their Results in order. A progress
    bar (tqdm: a widget in a notebook, text on a terminal) unless progress=False."""
    workers = workers or os.cpu_count() or 1
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(run, **job) for job in jobs]
        if progress:
            from tqdm.auto import tqdm
            for f in tqdm(futures, desc="fusemax", unit="job"):
                f.exception()
        return [f.result() for f in futures]


def describe_stats():
    """Every statistic with its unit, scope and meaning, as a DataFrame (path, unit, scope,
    description): the keys of Result.stats and the columns of sweep() and explore(). Paths join keys
    with '.', "*" stands for any key, "{a,b}" for either, "[]" for each element of a list; unit
    "cycle" is a timestamp counted from stats["origin_cycle"], scope "host" lives in stats["host"]."""
    import pandas as pd
    return pd.DataFrame(json.loads(_describe_stats("json")), columns=["path", "unit", "scope", "description"])


def _tool(command, what):
    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
    r = subprocess.run(command, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        lines = [line for line in r.stderr.strip().splitlines() if line]
        raise Error(lines[-1] if lines else f"{what} failed (exit {r.returncode})")
    return r


def sweep(designs=None, models=None, seq_lens=None, kernel="attention", batch=None, jobs=None, fast_forward=True,
          pe_dims=None, backend="local", **slurm):
    """tools/sweep as a pandas DataFrame with its CSV's columns: designs x models x sequence
    lengths (names as the CLI takes them, or YAML paths), kernel attention, linear, layer or pareto.
    backend="slurm" spreads the points over a Slurm job array (slurm_partition=, slurm_time=,
    slurm_account=, slurm_tasks=, slurm_dir= as tools/sweep's flags); the rows are the same."""
    import pandas as pd
    with _scratch() as folder:
        out = os.path.join(folder, "sweep.csv")
        command = [sys.executable, _config.SWEEP, "--out", out, "--kernel", kernel, "--sim", _config.SIM]
        for flag, value in (("--designs", designs), ("--models", models), ("--seq-lens", seq_lens),
                            ("--batch", batch), ("--jobs", jobs), ("--pe-dims", pe_dims)):
            if value is not None:
                command += [flag, ",".join(str(x) for x in value) if isinstance(value, (list, tuple)) else str(value)]
        if not fast_forward:
            command.append("--no-fast-forward")
        command += ["--backend", backend]
        for name, value in slurm.items():
            if not name.startswith("slurm_"):
                raise TypeError(f"sweep() got an unexpected keyword argument '{name}'")
            command += _flag(name, value)
        _tool(command, "sweep")
        return pd.read_csv(out)


def explore(out=None, space=None, objective="edp", jobs=None, prune=True, arch=None, workload=None, **flags):
    """fusemax-explore: every point it looked at as a DataFrame (its points.csv); .attrs["summary"]
    is summary.json, .attrs["out"] the folder (best_*.yaml, pareto.csv, front.png). `space`: a
    search-space YAML path or dict; arch, workload and the job flags as run() takes them.
    backend="slurm" evaluates the points that fit on a Slurm job array (slurm_tasks=,
    slurm_partition=, slurm_time=, slurm_account=, slurm_dir= on a filesystem the nodes share), with
    no pruning by bounds: the rows equal the local backend's with prune=False."""
    import pandas as pd
    keep = out is not None
    scratch = _scratch()
    folder = scratch.name
    out = str(out) if keep else os.path.join(folder, "explore")
    try:
        command = [_config.EXPLORE, "--out", out, "--objective", objective, "--quiet"]
        if isinstance(space, dict):
            path = os.path.join(folder, "space.yaml")
            with open(path, "w") as f:
                f.write(_yaml(space))
            space = path
        if space is not None:
            command += ["--space", str(space)]
        if jobs:
            command += ["--jobs", str(jobs)]
        if not prune:
            command.append("--no-prune")
        arch_path, workload_path = _arch_file(arch, folder), _workload_file(workload, folder)
        if arch_path is not None:
            command += ["--arch", str(arch_path)]
        if workload_path is not None:
            command += ["--workload", str(workload_path)]
        for name, value in flags.items():
            command += _flag(name, value)
        _tool(command, "fusemax-explore")
        points = pd.read_csv(os.path.join(out, "points.csv"))
        with open(os.path.join(out, "summary.json")) as f:
            points.attrs["summary"] = json.load(f)
        points.attrs["out"] = out if keep else None
        return points
    finally:
        scratch.cleanup()
