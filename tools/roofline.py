#!/usr/bin/python3
"""Roofline plots of attention and the linear layers, every point a simulation of the FuseMax model.

    tools/roofline.py --out DIR [--models LIST] [--designs LIST] [--seq-lens LIST] [--phases LIST]
                      [--batch N] [--no-gemms] [--oi-models LIST] [--oi-seq-lens LIST] [--jobs N] [--sim PATH]

For each model, design, phase and context length it runs fusemax-sim in timing mode and reads the
per-kernel statistics ("stages" in the stats JSON): the 1-pass designs' attention cascade is one
kernel; the 3-pass designs (Unfused, FLAT) have three, QK, the softmax and AV; with GEMMs (the
default) the layer's six linear layers are a kernel each, each run alone (`--gemm`, the shapes
taken from a one-token `--layer` run). A kernel's operations are those its arrays executed (a MAC
is two, every other action one), its bytes those that crossed the DRAM interface, and its time its
span: from its start to the next kernel's where the kernels run one after another (Unfused), the
whole job where they overlap (FLAT's three stages are pipelined, so each is charged the job's time).

Phases: prefill runs P = M = the context length (causal for the decoder models); decode is one
step, a query per sequence against a cache of that many keys (decoder models only); the decode
GEMMs have one token row per sequence.

Writes to DIR:
  roofline.csv           every point: design, model, phase, seq_len, kernel, operations, DRAM bytes,
                         latency_s, operational intensity (ops per DRAM byte), attained ops/s, the roof
                         above it (dram, 2d or 1d) and the fraction of that roof attained
  roofline_<model>.png   log-log roofline per model, a panel per phase: DRAM and GLB ceilings, the
                         2D and 1D arrays' peaks, ridge points labelled; a marker per kernel, a
                         colour per design, the context length beside each point
  oi_vs_context.png      operational intensity of attention against context length, per model,
                         prefill and decode (on --oi-models, FuseMax), with the ridge points

Defaults: BERT-Base and Llama-3-8B, FuseMax (+Binding) and FLAT, 1K to 64K, batch 64. Needs
Debian's python3-matplotlib.
"""
import argparse
import concurrent.futures as cf
import csv
import importlib.machinery
import importlib.util
import os
import sys
import tempfile
import threading
import time

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError as e:  # the python3 first on PATH may lack it
    sys.exit(f"roofline: {e}; run with /usr/bin/python3 (apt-get install python3-matplotlib)")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_loader = importlib.machinery.SourceFileLoader("sweep", os.path.join(ROOT, "tools", "sweep"))
sweep = importlib.util.module_from_spec(importlib.util.spec_from_loader("sweep", _loader))
_loader.exec_module(sweep)
sweep.PROG = "roofline"

DESIGNS = {"fusemax": "fusemax.yaml", "binding": "binding.yaml", "arch": "arch.yaml", "cascade": "cascade.yaml",
           "flat": "flat.yaml", "unfused": "unfused.yaml"}
NAMES = {"fusemax": "FuseMax", "binding": "+Binding", "arch": "+Architecture", "cascade": "+Cascade", "flat": "FLAT",
         "unfused": "Unfused"}
COLORS = {"fusemax": "#d62728", "binding": "#d62728", "arch": "#ff7f0e", "cascade": "#2ca02c", "flat": "#1f77b4",
          "unfused": "#7f7f7f"}
MARKERS = {"attention": "o", "QK": "^", "softmax": "s", "AV": "v", "q_projection": "P", "k_projection": "X",
           "v_projection": "x", "output_projection": "D", "ffn1": "<", "ffn2": ">"}
ATTENTION_KERNELS = ("attention", "QK", "softmax", "AV")  # the rest are the layer's GEMMs
PHASES = ["prefill", "decode"]
COLUMNS = ["design", "model", "phase", "seq_len", "batch", "kernel", "ops", "ops_2d", "ops_1d", "dram_bytes",
           "latency_s", "oi", "ops_per_s", "roof", "of_roof", "peak_2d", "peak_1d", "dram_bw", "glb_bw"]


def is_decoder(model):
    """A model runs decode when its workload is causal (the zoo's decoder models)."""
    with open(sweep.workload_path(model)) as f:
        return any(line.split("#")[0].replace(" ", "").strip() == "causal:true" for line in f)


def point_rows(base, stats, kernels):
    """Roofline rows from one run: `kernels` is [(name, ops_2d, ops_1d, dram_bytes, seconds)]."""
    p = stats["peaks"]
    rows = []
    for name, ops2d, ops1d, dram, seconds in kernels:
        ops = ops2d + ops1d
        if ops == 0 or seconds <= 0:
            continue
        oi = ops / dram if dram else float("inf")
        # The roof above it: DRAM left of the ridge of the array it uses most, that array's peak right
        # of it; and how close it gets (what else held it back, e.g. a pipeline partner, the roofline
        # does not say).
        peak = p["ops_2d_per_s"] if ops2d >= ops1d else p["ops_1d_per_s"]
        roof = min(peak, oi * p["dram_bytes_per_s"])
        region = "dram" if oi * p["dram_bytes_per_s"] < peak else ("2d" if ops2d >= ops1d else "1d")
        rows.append(dict(base, kernel=name, ops=ops, ops_2d=ops2d, ops_1d=ops1d, dram_bytes=dram, latency_s=seconds,
                         oi=oi, ops_per_s=ops / seconds, roof=region, of_roof=ops / seconds / roof,
                         peak_2d=p["ops_2d_per_s"],
                         peak_1d=p["ops_1d_per_s"], dram_bw=p["dram_bytes_per_s"], glb_bw=p["glb_bytes_per_s"]))
    return rows


_shapes = {}  # (design, model) -> (gemms, error), found once: prefill and decode points share them
_shapes_lock = threading.Lock()


def layer_gemms(sim, design, model, tmp):
    """The layer's linear layers as (name, K, N), found once per design and model (the points of a
    pool's threads would otherwise write the same shapes file at once)."""
    with _shapes_lock:
        entry = _shapes.setdefault((design, model), [threading.Lock(), None])
    with entry[0]:
        if entry[1] is None:
            entry[1] = find_layer_gemms(sim, design, model, tmp)
        return entry[1]


def find_layer_gemms(sim, design, model, tmp):
    """The layer's linear layers as (name, K, N), from a one-token layer run of the model."""
    args = ["--arch", os.path.join(ROOT, "configs", "arch", DESIGNS[design]), "--workload", sweep.workload_path(model),
            "--layer", "--seq", "1", "--batch", "1"]
    stats, err = sweep.simulate(sim, args, True, os.path.join(tmp, f"{design}-{model}-shapes.json"))
    if err:
        return None, err
    return [(k["name"], k["gemm"]["k"], k["gemm"]["n"]) for k in stats["kernels"] if k["program"] == "gemm"], None


def run_point(sim, design, model, phase, seq, batch, what, tmp):
    """Attention (its stages) or the layer's GEMMs, each GEMM run alone so that its time is its own
    (in a layer, a queued GEMM's loads overlap the one before); returns (rows, error)."""
    arch = os.path.join(ROOT, "configs", "arch", DESIGNS[design])
    base = dict(design=design, model=model, phase=phase, seq_len=seq, batch=batch)
    where = f"{design} {model} {phase} {sweep.label(seq)} {what}"
    if what == "attention":
        args = ["--arch", arch, "--workload", sweep.workload_path(model), "--batch", str(batch)]
        args += ["--seq", str(seq)] if phase == "prefill" else ["--seq-q", "1", "--seq-kv", str(seq)]
        stats, err = sweep.simulate(sim, args, True, os.path.join(tmp, f"{design}-{model}-{phase}-{seq}.json"))
        if err:
            return [], f"{where}: {err}"
        kernels = [("attention" if name == "whole" else name, s["ops_2d"], s["ops_1d"], s["dram_bytes"],
                    s["cycles"] / stats["clock_hz"]) for name, s in stats["stages"].items()]
        return point_rows(base, stats, kernels), None
    gemms, err = layer_gemms(sim, design, model, tmp)
    if err:
        return [], f"{where}: {err}"
    rows = []
    m = batch * (seq if phase == "prefill" else 1)  # token rows: decode has one per sequence
    for name, k, n in gemms:
        out = os.path.join(tmp, f"{design}-{model}-{phase}-{seq}-{name}.json")
        stats, err = sweep.simulate(sim, ["--arch", arch, "--gemm", f"{m},{k},{n}"], True, out)
        if err:
            return [], f"{where} {name}: {err}"
        s = stats["stages"]["whole"]
        rows += point_rows(base, stats, [(name, s["ops_2d"], s["ops_1d"], s["dram_bytes"], s["cycles"] / stats["clock_hz"])])
    return rows, None


def ceilings(ax, rows, designs, x_range):
    """DRAM and GLB roofs and the arrays' peaks, one set per distinct hardware; ridges labelled."""
    lo, hi = x_range
    seen = set()
    for d in designs:
        r = next((r for r in rows if r["design"] == d), None)
        if r is None:
            continue
        key = (r["peak_2d"], r["peak_1d"], r["dram_bw"], r["glb_bw"])
        if key in seen:
            continue
        seen.add(key)
        xs = [lo, hi]
        ax.plot(xs, [min(r["dram_bw"] * x, r["peak_2d"]) for x in xs], color="k", lw=1.2)
        ax.plot(xs, [min(r["glb_bw"] * x, r["peak_2d"]) for x in xs], color=COLORS[d], lw=0.9, ls="--")
        ax.axhline(r["peak_2d"], color="k", lw=1.2)
        ax.axhline(r["peak_1d"], color="k", lw=0.9, ls=":")
        for peak, name in ((r["peak_2d"], "2D"), (r["peak_1d"], "1D")):
            ridge = peak / r["dram_bw"]
            if lo < ridge < hi and ("ridge", name) not in seen:
                seen.add(("ridge", name))
                ax.plot([ridge], [peak], marker="|", color="k", ms=12)
                ax.annotate(f"{name} ridge {ridge:.0f} ops/B", (ridge, peak), textcoords="offset points",
                            xytext=(4, -12 if name == "2D" else 4), fontsize=7)
        ax.text(hi, r["peak_2d"], f"2D peak {r['peak_2d'] / 1e12:.0f} Tops/s", ha="right", va="bottom", fontsize=7)
        ax.text(hi, r["peak_1d"], f"1D peak {r['peak_1d'] / 1e9:.0f} Gops/s", ha="right", va="bottom", fontsize=7)
        ax.text(lo * 1.3, r["dram_bw"] * lo * 1.3 * 1.6, f"DRAM {r['dram_bw'] / 2**30:.0f} GiB/s", rotation=0,
                fontsize=7)
        ax.text(lo * 1.3, r["glb_bw"] * lo * 1.3 * 1.6, f"GLB {NAMES[d]} {r['glb_bw'] / 1e12:.1f} TB/s",
                fontsize=7, color=COLORS[d])


def roofline_figure(rows, model, phases, designs, path):
    """One panel per phase; a marker per kernel, a colour per design, the context length beside it."""
    panels = [p for p in phases if any(r["model"] == model and r["phase"] == p for r in rows)]
    if not panels:
        return False
    fig, axes = plt.subplots(1, len(panels), figsize=(7.5 * len(panels), 6.2), squeeze=False)
    handles = {}
    for ax, phase in zip(axes[0], panels):
        pts = [r for r in rows if r["model"] == model and r["phase"] == phase]
        finite = [r["oi"] for r in pts if r["oi"] != float("inf")]
        x_range = (min(finite + [1.0]) / 4, max(finite + [2e3]) * 4)
        ceilings(ax, pts, designs, x_range)
        for d in designs:
            for kernel in MARKERS:
                sel = sorted((r for r in pts if r["design"] == d and r["kernel"] == kernel), key=lambda r: r["seq_len"])
                if not sel:
                    continue
                xs, ys = [r["oi"] for r in sel], [r["ops_per_s"] for r in sel]
                ax.plot(xs, ys, color=COLORS[d], lw=0.6, alpha=0.5)
                ax.scatter(xs, ys, color=COLORS[d], marker=MARKERS[kernel], s=30, zorder=3)
                handles.setdefault(f"{NAMES[d]}", plt.Line2D([], [], color=COLORS[d], lw=3))
                handles.setdefault(kernel, plt.Line2D([], [], color="k", marker=MARKERS[kernel], ls="", ms=6))
                for r in sel:
                    if kernel in ("attention", "QK", "ffn1"):
                        ax.annotate(sweep.label(r["seq_len"]), (r["oi"], r["ops_per_s"]), textcoords="offset points",
                                    xytext=(3, 3), fontsize=6, color=COLORS[d])
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(*x_range)
        ys = [r["ops_per_s"] for r in pts] + [r["peak_2d"] for r in pts]
        ax.set_ylim(min(ys) / 5, max(ys) * 3)
        ax.set_xlabel("operational intensity (operations per DRAM byte)")
        ax.set_ylabel("attained operations per second")
        batch = pts[0]["batch"]
        what = "one decode step against a cache of L keys" if phase == "decode" else "P = M = L"
        ax.set_title(f"{phase}: {what}, batch {batch}")
        ax.grid(True, which="major", lw=0.3, alpha=0.5)
    fig.legend(list(handles.values()), list(handles.keys()), loc="lower center", ncol=min(7, len(handles)),
               frameon=False, fontsize=8)
    fig.suptitle(f"Roofline of {model}: a point per kernel, labelled with its context length L\n"
                 "roofs: DRAM and 2D peak (solid), 1D peak (dotted), GLB per design (dashed)", fontsize=10)
    fig.tight_layout(rect=(0, 0.1, 1, 0.93))
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def oi_figure(rows, path):
    """Operational intensity of attention against context length, per model and phase."""
    pts = [r for r in rows if r["kernel"] == "attention"]
    if not pts:
        return False
    fig, ax = plt.subplots(figsize=(7.5, 5))
    cmap = plt.get_cmap("tab10")
    for i, model in enumerate(sorted({r["model"] for r in pts})):
        for phase, ls in (("prefill", "-"), ("decode", "--")):
            sel = sorted((r for r in pts if r["model"] == model and r["phase"] == phase), key=lambda r: r["seq_len"])
            if sel:
                ax.plot([r["seq_len"] for r in sel], [r["oi"] for r in sel], ls=ls, marker="o", ms=3, color=cmap(i % 10),
                        label=f"{model} {phase}")
    r0 = pts[0]
    for peak, name in ((r0["peak_2d"], "2D"), (r0["peak_1d"], "1D")):
        ax.axhline(peak / r0["dram_bw"], color="k", lw=0.8, ls=":" if name == "1D" else "-")
        ax.text(min(r["seq_len"] for r in pts), peak / r0["dram_bw"] * 1.08, f"{name} ridge", fontsize=7)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ticks = sorted({r["seq_len"] for r in pts})
    ax.set_xticks(ticks)
    ax.set_xticklabels([sweep.label(t) for t in ticks])
    ax.set_xlabel("context length")
    ax.set_ylabel("operations per DRAM byte")
    ax.set_title(f"Attention's operational intensity on {NAMES[r0['design']]}, batch {r0['batch']} "
                 "(solid prefill, dashed decode)", fontsize=10)
    ax.grid(True, lw=0.3, alpha=0.5)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="directory for roofline.csv and the plots")
    ap.add_argument("--models", default="bert,llama3_8b", help="models (names or workload .yaml files)")
    ap.add_argument("--designs", default="fusemax,flat", help=f"some of {','.join(DESIGNS)}")
    ap.add_argument("--seq-lens", default="1K,4K,16K,64K", help="context lengths")
    ap.add_argument("--phases", default="prefill,decode", help="prefill, decode (decoder models only)")
    ap.add_argument("--batch", default="64")
    ap.add_argument("--no-gemms", action="store_true", help="attention only (no --layer runs)")
    ap.add_argument("--oi-models", default="bert,gpt3_6.7b,llama2_7b,llama3_8b,mistral_7b",
                    help="models of the operational-intensity plot (FuseMax); empty: no plot")
    ap.add_argument("--oi-seq-lens", default="1K,4K,16K,64K,256K")
    ap.add_argument("--jobs", default=str(os.cpu_count() or 1))
    ap.add_argument("--sim", default=os.path.join(ROOT, "build", "testbench", "fusemax-sim"))
    a = ap.parse_args()

    models = sweep.parse_models(a.models)
    designs = sweep.parse_list(a.designs, list(DESIGNS), "--designs")
    phases = sweep.parse_list(a.phases, PHASES, "--phases")
    seqs = [sweep.parse_len(x) for x in a.seq_lens.split(",") if x.strip()]
    oi_models = sweep.parse_models(a.oi_models) if a.oi_models.strip() else []
    oi_seqs = [sweep.parse_len(x) for x in a.oi_seq_lens.split(",") if x.strip()]
    if not seqs or (oi_models and not oi_seqs):
        sweep.fail("--seq-lens / --oi-seq-lens: empty list")
    if not a.batch.isdigit() or int(a.batch) <= 0:
        sweep.fail(f"--batch: expected a positive integer, got '{a.batch}'")
    if not a.jobs.isdigit() or int(a.jobs) <= 0:
        sweep.fail(f"--jobs: expected a positive integer, got '{a.jobs}'")
    if not os.access(a.sim, os.X_OK):
        sweep.fail(f"--sim: {a.sim} is not an executable (build first: tools/run.sh or cmake --build build)")
    os.makedirs(a.out, exist_ok=True)
    batch = int(a.batch)

    runs = set()
    for m in models:
        for ph in phases:
            if ph == "decode" and not is_decoder(m):
                continue
            for d in designs:
                for s in seqs:
                    runs.add((d, m, ph, s, "attention"))
                    if not a.no_gemms:  # decode's GEMMs do not depend on the context length
                        runs.add((d, m, ph, s if ph == "prefill" else 1, "gemms"))
    for m in oi_models:
        for ph in PHASES:
            if ph == "prefill" or is_decoder(m):
                for s in oi_seqs:
                    runs.add(("fusemax", m, ph, s, "attention"))
    runs = sorted(runs)
    rows, errors = [], []
    start = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp, cf.ThreadPoolExecutor(int(a.jobs)) as pool:
        futures = [pool.submit(run_point, a.sim, d, m, ph, s, batch, w, tmp) for d, m, ph, s, w in runs]
        for n, fut in enumerate(cf.as_completed(futures), 1):
            got, err = fut.result()
            if err:
                errors.append(err)
            rows.extend(got)
            sweep.progress(n, len(runs), start)
    # Decode GEMMs ran once per model and design: they belong beside every context length.
    expanded = []
    for r in rows:
        if r["phase"] == "decode" and r["kernel"] not in ATTENTION_KERNELS:
            expanded += [dict(r, seq_len=s) for s in seqs]
        else:
            expanded.append(r)
    rows = sorted(expanded, key=lambda r: (r["model"], r["phase"], r["design"], r["kernel"], r["seq_len"]))
    with open(os.path.join(a.out, "roofline.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    plotted = [r for r in rows if r["design"] in designs and r["seq_len"] in seqs]
    made = [f"roofline_{m}.png" for m in models
            if roofline_figure(plotted, m, phases, designs, os.path.join(a.out, f"roofline_{m}.png"))]
    oi_rows = [r for r in rows if r["design"] == "fusemax" and r["model"] in oi_models and r["seq_len"] in oi_seqs]
    if oi_figure(oi_rows, os.path.join(a.out, "oi_vs_context.png")):
        made.append("oi_vs_context.png")
    print(f"roofline: {len(runs)} runs in {time.monotonic() - start:.1f} s -> {a.out}: roofline.csv, "
          f"{', '.join(made)}")
    if errors:
        for e in errors:
            print(f"roofline: failed: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
