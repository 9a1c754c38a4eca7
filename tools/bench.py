#!/usr/bin/python3
"""Speed and memory benchmarks of the FuseMax model; run through tools/bench.sh.

One table, each figure beside its comparator measured in the same run: functional mode's MAC rate
against numpy fp32 on OpenBLAS (one thread each, same shape: BERT-Base attention at 1K and 4K and a
GEMM of its linear layers); the fp64 check's share of the default job; timing mode without
fast-forward in tile steps per second, and its cost per TLM transaction against a raw b_transport
between two SystemC modules (bench/tlm_bench); the sweeps' wall and CPU seconds against the
previous release's figures; peak RSS at 1M tokens. The header names the cores and both BLAS
libraries. Prints a Markdown report and writes it to out/bench.md.
"""
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIM = os.path.join(ROOT, "build", "testbench", "fusemax-sim")
ENV = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
MODELS = {"bert": "bert_base.yaml", "trxl": "trxl.yaml", "t5": "t5_small.yaml", "xlm": "xlm.yaml"}


def run(cmd):
    """Runs cmd; returns (wall seconds, peak RSS in MB, stdout)."""
    start = time.monotonic()
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=ENV)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
        out.seek(0)
        text = out.read()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed:\n{text}")
    return wall, usage.ru_maxrss / 1024.0, text


def sweep_seconds(extra):
    with tempfile.TemporaryDirectory() as tmp:
        wall, _, text = run([sys.executable, os.path.join(ROOT, "tools", "sweep"), "--out", os.path.join(tmp, "s.csv")] + extra)
    return wall, text.strip().splitlines()[-1]


def sim_stats(args):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "s.json")
        wall, rss, _ = run([SIM] + args + ["--quiet", "--stats", path])
        with open(path) as f:
            return wall, rss, json.load(f)


# The previous release's figures (README, before issue 11), for the rows that have one.
PREVIOUS = {"sweep": 4.3, "no_ff_study": 42.4, "steps_per_s": 0.88e6, "tx_per_s": 17.7e6, "check_share": 0.69}
NUMPY_ATTENTION = r"""
import sys, time, numpy as np
def attention(q, k, v):
    s = np.matmul(q, np.swapaxes(k, -1, -2))
    s -= s.max(axis=-1, keepdims=True)
    np.exp(s, out=s)
    s /= s.sum(axis=-1, keepdims=True)
    return np.matmul(s, v)
rng = np.random.default_rng(1)
kind = sys.argv[1]
if kind == "attention":
    b, h, p, e = map(int, sys.argv[2:6])
    q, k, v = (rng.uniform(-1, 1, (b, h, p, e)).astype(np.float32) for _ in range(3))
    run, macs = (lambda: attention(q, k, v)), b * h * p * p * 2 * e
else:
    m, kk, n = map(int, sys.argv[2:5])
    a, w = rng.uniform(-1, 1, (m, kk)).astype(np.float32), rng.uniform(-1, 1, (kk, n)).astype(np.float32)
    run, macs = (lambda: a @ w), m * kk * n
def timed(f):
    t = time.perf_counter()
    f()
    return time.perf_counter() - t
best = min(timed(run) for _ in range(3))
blas = sorted({l.split()[-1] for l in open("/proc/self/maps") if "blas" in l.lower() and l.split()[-1].startswith("/")})
print(f"numpy {best:.6f} s {macs / best:.6g} MAC/s {'; '.join(blas)}")
"""


def numpy_rate(args):
    """numpy fp32 on the same shape, one BLAS thread (as the model); returns (MAC/s, its BLAS)."""
    env = dict(ENV, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    proc = subprocess.run(["/usr/bin/python3", "-c", NUMPY_ATTENTION] + args, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.exit(f"bench: numpy {' '.join(args)} failed:\n{proc.stderr}")
    m = re.search(r"numpy ([\d.]+) s ([\d.e+]+) MAC/s (.*)", proc.stdout)
    return float(m.group(2)), m.group(3).strip()


def model_rate(args):
    """The model in functional mode on that shape (functional_bench): MAC/s and the BLAS it uses."""
    _, _, text = run([os.path.join(ROOT, "build", "bench", "functional_bench")] + args)
    return float(re.search(r"model [\d.]+ s [\d.e+]+ MACs ([\d.e+]+) MAC/s", text).group(1)), \
        re.search(r"blas (.*)", text).group(1)


def best_of(n, f):
    """The best of n interleaved runs (wall-clock figures vary by ~10% here)."""
    results = [f() for _ in range(n)]
    return max(results, key=lambda r: r[0])


def main():
    rows = []  # (benchmark, model, comparator, ratio)
    add = lambda *r: rows.append(r)  # noqa: E731

    # Functional mode against numpy on OpenBLAS, interleaved, best of 3 each.
    shapes = [("BERT-Base attention 1K (1 x 12 heads)", ["attention", "1", "12", "1024", "1024", "64"],
               ["attention", "1", "12", "1024", "64"]),
              ("BERT-Base attention 4K (1 x 12 heads)", ["attention", "1", "12", "4096", "4096", "64"],
               ["attention", "1", "12", "4096", "64"]),
              ("GEMM 4096 x 768 x 3072 (BERT-Base FFN1, 4K tokens)", ["gemm", "4096", "768", "3072"],
               ["gemm", "4096", "768", "3072"])]
    blas_model = blas_numpy = ""
    for name, model_args, numpy_args in shapes:
        pairs = [(model_rate(model_args), numpy_rate(numpy_args)) for _ in range(3)]
        (m, blas_model), (n, blas_numpy) = max(p[0] for p in pairs), max(p[1] for p in pairs)
        add(f"functional mode, {name}", f"{m / 1e9:.1f} GMAC/s", f"numpy fp32 {n / 1e9:.1f} GMAC/s", f"{m / n:.2f}x")

    # The fp64 check's share of the default job (functional BERT-Base 1K x 12 heads): the best of 9
    # interleaved runs each (a run is ~0.1 s, and a few ms of noise move the share by points).
    pairs = [(run([SIM, "--quiet"])[0], run([SIM, "--quiet", "--no-check"])[0]) for _ in range(9)]
    with_check, without = min(p[0] for p in pairs), min(p[1] for p in pairs)
    share = (with_check - without) / with_check
    add("fp64 check, default job (wall it adds)", f"{with_check - without:.3f} s of {with_check:.3f} s ({share:.0%})",
        f"previous release {PREVIOUS['check_share']:.0%}", f"{share / PREVIOUS['check_share']:.2f}x")

    # Timing mode without fast-forward, and the raw TLM cost beside it.
    wl = os.path.join(ROOT, "configs", "workloads", "bert_base.yaml")
    def timing_rate():
        _, _, s = sim_stats(["--workload", wl, "--seq", "16384", "--batch", "8", "--mode", "timing", "--no-fast-forward"])
        tx = sum(g.get("transactions", 0) for name, g in s["modules"].items() if name != "fusemax.scheduler")
        return s["tile_steps"] / s["host"]["wall_s"], tx / s["host"]["wall_s"]
    steps, tx = best_of(9, timing_rate)
    raw = min(float(re.search(r"([\d.]+) ns per transaction", run([os.path.join(ROOT, "build", "bench", "tlm_bench")])[2]).group(1))
              for _ in range(3))
    add("timing mode, no fast-forward, FuseMax BERT-Base 16K batch 8", f"{steps / 1e6:.2f} M tile steps/s",
        f"previous release {PREVIOUS['steps_per_s'] / 1e6:.2f} M", f"{steps / PREVIOUS['steps_per_s']:.2f}x")
    add("  cost per TLM transaction", f"{1e9 / tx:.1f} ns ({tx / 1e6:.1f} M/s)", f"raw b_transport {raw:.1f} ns",
        f"{1e9 / tx / raw:.2f}x")

    # Sweeps: wall and CPU seconds.
    def sweep(extra):
        start = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall, _ = sweep_seconds(extra)
        end = resource.getrusage(resource.RUSAGE_CHILDREN)
        return wall, (end.ru_utime + end.ru_stime) - (start.ru_utime + start.ru_stime)
    wall, cpu = sweep([])
    add("default sweep, 120 points, fast-forward, 2 jobs", f"{wall:.1f} s wall, {cpu:.1f} CPU s",
        f"previous release {PREVIOUS['sweep']:.1f} s", f"{PREVIOUS['sweep'] / wall:.2f}x faster")
    wall, cpu = sweep(["--seq-lens", "1K,4K,16K", "--no-fast-forward"])
    add("same study up to 16K (60 points), fast-forward off, 2 jobs", f"{wall:.1f} s wall, {cpu:.1f} CPU s",
        f"previous release {PREVIOUS['no_ff_study']:.1f} s", f"{PREVIOUS['no_ff_study'] / wall:.2f}x faster")

    # Memory at 1M tokens, timing mode, every design and model.
    worst = (0, "")
    for design in ["unfused", "flat", "cascade", "arch", "binding"]:
        for model, yaml in MODELS.items():
            _, rss, _ = sim_stats(["--arch", os.path.join(ROOT, "configs", "arch", design + ".yaml"),
                                   "--workload", os.path.join(ROOT, "configs", "workloads", yaml),
                                   "--seq", "1048576", "--mode", "timing"])
            worst = max(worst, (rss, f"{design} {model}"))
    add("peak RSS, timing mode, 1M tokens, batch 64, all designs and models", f"{worst[0]:.1f} MB ({worst[1]})", "", "")

    lines = [f"Machine: {os.cpu_count()} cores. Model BLAS: {blas_model}. numpy's BLAS: {blas_numpy} (1 thread).", "",
             "| benchmark | FuseMax model | comparator | ratio |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    report = "\n".join(lines) + "\n"
    os.makedirs(os.path.join(ROOT, "out"), exist_ok=True)
    with open(os.path.join(ROOT, "out", "bench.md"), "w") as f:
        f.write(report)
    print(report)


if __name__ == "__main__":
    main()
