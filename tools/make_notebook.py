#!/usr/bin/python3
"""Writes docs/notebooks/fusemax.ipynb (unexecuted; the test suite executes it with nbclient)."""
import os

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

cells = [
    new_markdown_cell("""# FuseMax from Python

The FuseMax SystemC/TLM-2.0 model through its Python module: the paper's study and Figures 6 to 12,
a roofline, one functional job checked against numpy, and a transaction trace. Every number here is
a simulation result. Run from the repository (after `tools/run.sh`) or with the package installed."""),
    new_code_cell("""import json, os, subprocess, sys, tempfile
import numpy as np, pandas as pd, matplotlib.pyplot as plt
from IPython.display import Image, display

ROOT = os.path.abspath(os.environ.get("FUSEMAX_ROOT", ".."))
if not os.path.isdir(os.path.join(ROOT, "tools")):
    ROOT = os.path.abspath(os.path.join(ROOT, ".."))
try:
    import fusemax
except ImportError:  # the build tree
    sys.path.insert(0, os.path.join(ROOT, "build", "python"))
    import fusemax
TOOLS = os.path.join(ROOT, "tools")
FIGS = tempfile.mkdtemp(prefix="fusemax-notebook-")
print("data:", fusemax.DATA_DIR)"""),
    new_markdown_cell("## The paper's study: 5 designs x 4 models x 1K..1M tokens, batch 64"),
    new_code_cell("""attention = fusemax.sweep()                 # 120 points, fast-forwarded, all cores
layer = fusemax.sweep(kernel="layer")       # attention plus the six GEMMs, FLAT and FuseMax
pareto = fusemax.sweep(kernel="pareto")     # the array-size sweep
fm = attention[attention.design == "binding"].set_index(["model", "seq_len"])
flat = attention[attention.design == "flat"].set_index(["model", "seq_len"])
speedup = (flat.latency_s / fm.latency_s)
energy = (fm.energy_pj / flat.energy_pj)
print(f"FuseMax vs FLAT over {len(speedup)} points: speedup {speedup.mean():.2f}x, energy {energy.mean():.4f}"
      " (published 6.72x, 0.7875)")
attention.head()"""),
    new_markdown_cell("## Figures 6 to 12"),
    new_code_cell("""paths = []
for name, df in (("sweep", attention), ("layer", layer), ("pareto", pareto)):
    paths.append(os.path.join(FIGS, name + ".csv"))
    df.to_csv(paths[-1], index=False)
subprocess.run([sys.executable, os.path.join(TOOLS, "plot_figures.py"), *paths, "--out", FIGS], check=True)
figures = sorted(f for f in os.listdir(FIGS) if f.startswith("fig") and f.endswith(".png"))
print(figures)
for f in figures:
    display(Image(os.path.join(FIGS, f), width=560))"""),
    new_markdown_cell("## A roofline: BERT-Base and Llama-3-8B on FuseMax and FLAT"),
    new_code_cell("""roof = os.path.join(FIGS, "roofline")
subprocess.run([sys.executable, os.path.join(TOOLS, "roofline.py"), "--out", roof, "--seq-lens", "1K,4K"], check=True)
pngs = sorted(f for f in os.listdir(roof) if f.endswith(".png"))
display(Image(os.path.join(roof, pngs[0]), width=560))
pd.read_csv(os.path.join(roof, "roofline.csv")).head()"""),
    new_markdown_cell("## One functional job, checked against numpy's fp64 attention"),
    new_code_cell("""rng = np.random.default_rng(0)
q = rng.uniform(-1, 1, (1, 4, 300, 64)).astype(np.float32)
k = rng.uniform(-1, 1, (1, 4, 700, 64)).astype(np.float32)
v = rng.uniform(-1, 1, (1, 4, 700, 64)).astype(np.float32)
r = fusemax.run(q=q, k=k, v=v)
s = q.astype(np.float64) @ k.astype(np.float64).transpose(0, 1, 3, 2)
p = np.exp(s - s.max(-1, keepdims=True)); ref = (p / p.sum(-1, keepdims=True)) @ v
err = float(np.abs(r.o - ref).max())
print(f"{r.stats['cycles']:,} cycles, {r.stats['energy_pj']:.4g} pJ, max |O - fp64| = {err:.2e}, "
      f"model's own check: {r.stats['check']['passed']}")
assert err < 1e-5"""),
    new_markdown_cell("## A transaction trace (Perfetto JSON): what each array did, op by op"),
    new_code_cell("""trace = os.path.join(FIGS, "trace.json")
fusemax.run(seq=1024, mode="timing", trace_json=trace)
with open(trace) as f:
    events = json.load(f)
events = events["traceEvents"] if isinstance(events, dict) else events
slices = [e for e in events if e.get("ph") == "X"]
tracks = {e["tid"]: e["args"]["name"] for e in events if e.get("ph") == "M" and e.get("name") == "thread_name"}
fig, ax = plt.subplots(figsize=(9, 2.5))
first = sorted(slices, key=lambda e: e["ts"])[:400]
for e in first:
    ax.broken_barh([(e["ts"], e["dur"])], (e["tid"] - 0.4, 0.8))
ax.set_yticks(sorted({e["tid"] for e in first}), [tracks.get(t, t) for t in sorted({e["tid"] for e in first})])
ax.set_xlabel("time (us)"); ax.set_title(f"the first {len(first)} of {len(slices)} slices")
plt.show()"""),
    new_markdown_cell("## Many jobs at once (each simulation forks its own child; a tqdm bar)"),
    new_code_cell("""jobs = [dict(workload=os.path.join(fusemax.DATA_DIR, "workloads", "llama3_8b.yaml"), seq=s, batch=8,
             causal=True, mode="timing") for s in (1024, 2048, 4096, 8192)]
results = fusemax.run_many(jobs)
pd.DataFrame({"seq": [1024, 2048, 4096, 8192], "cycles": [r.stats["cycles"] for r in results],
              "tile_steps": [r.stats["tile_steps"] for r in results]})"""),
]
nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
nbformat.write(nb, os.path.join(ROOT, "docs", "notebooks", "fusemax.ipynb"))
