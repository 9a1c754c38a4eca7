#!/usr/bin/python3
"""Speed and memory benchmarks of the FuseMax model; run through tools/bench.sh.

Measures: the default sweep (120 points) wall time with fast-forward; the same study up to 16K
without it; the simulation rate without fast-forward (tile steps and TLM transactions per second);
peak RSS of timing mode at 1M tokens for every design and model; functional-mode MAC/s against a
plain fp32 attention in the same process. Prints a Markdown report and writes it to out/bench.md.
"""
import json
import os
import re
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


def main():
    lines = ["| benchmark | result |", "|---|---|"]

    wall, summary = sweep_seconds([])
    lines.append(f"| default sweep, 120 points, fast-forward, 2 jobs | {wall:.1f} s wall |")
    wall, summary = sweep_seconds(["--seq-lens", "1K,4K,16K", "--no-fast-forward"])
    lines.append(f"| same study up to 16K (60 points), fast-forward off, 2 jobs | {wall:.1f} s wall |")

    # Simulation rate without fast-forward: FuseMax, BERT-Base 16K, batch 8.
    wl = os.path.join(ROOT, "configs", "workloads", "bert_base.yaml")
    wall, rss, s = sim_stats(["--workload", wl, "--seq", "16384", "--batch", "8", "--mode", "timing", "--no-fast-forward"])
    steps = s["tile_steps"]
    sim_s = s["wall_seconds"]
    tx = sum(g.get("transactions", 0) for name, g in s["modules"].items() if name != "fusemax.scheduler")
    lines.append(f"| simulation rate, FuseMax BERT-Base 16K batch 8, no fast-forward | "
                 f"{steps / sim_s / 1e6:.2f} M tile steps/s, {tx / sim_s / 1e6:.1f} M TLM transactions/s "
                 f"({steps:,} steps, {tx:,} transactions in {sim_s:.2f} s) |")

    # Memory at 1M tokens, timing mode, every design and model.
    worst = (0, "")
    for design in ["unfused", "flat", "cascade", "arch", "binding"]:
        for model, yaml in MODELS.items():
            _, rss, _ = sim_stats(["--arch", os.path.join(ROOT, "configs", "arch", design + ".yaml"),
                                   "--workload", os.path.join(ROOT, "configs", "workloads", yaml),
                                   "--seq", "1048576", "--mode", "timing"])
            worst = max(worst, (rss, f"{design} {model}"))
    lines.append(f"| peak RSS, timing mode, 1M tokens, batch 64, all designs and models | {worst[0]:.1f} MB at most ({worst[1]}) |")

    _, _, text = run([os.path.join(ROOT, "build", "bench", "functional_bench")])
    plain = re.search(r"plain fp32 attention\s+([\d.]+) s\s+([\d.e+]+) MAC/s", text)
    model = re.search(r"SystemC model\s+([\d.]+) s\s+([\d.e+]+) MAC/s", text)
    over = re.search(r"overhead\s+([\d.]+)x", text)
    lines.append(f"| functional mode, B=1 H=4 2K x 2K E=F=64 | model {float(model.group(2)):.3g} MAC/s vs plain fp32 "
                 f"{float(plain.group(2)):.3g} MAC/s: overhead {over.group(1)}x |")

    report = "\n".join(lines) + "\n"
    os.makedirs(os.path.join(ROOT, "out"), exist_ok=True)
    with open(os.path.join(ROOT, "out", "bench.md"), "w") as f:
        f.write(report)
    print(report)


if __name__ == "__main__":
    main()
