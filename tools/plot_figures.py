#!/usr/bin/python3
"""Draws the paper's figures from tools/sweep CSVs.

    tools/plot_figures.py SWEEP.csv [LAYER.csv ...] [--out DIR]      (default DIR: out/figures)

From attention rows (tools/sweep, the default --kernel attention): fig6a_util_1d.png,
fig6b_util_2d.png (array utilization), fig7_bert_2d_ops.png (BERT's 2D array activity per op),
fig8_speedup.png (speedup over Unfused), fig9_energy.png (energy relative to Unfused), and
summary.md / summary.csv: FuseMax (+Binding) against FLAT per point, with the arithmetic and
geometric means. From layer rows (tools/sweep --kernel layer): fig10_end_to_end_speedup.png and
fig11_end_to_end_energy.png (FuseMax against FLAT, attention plus the six linear GEMMs) and
summary_end_to_end.md / .csv. From pareto rows (tools/sweep --kernel pareto): fig12_area_latency.png
(latency against area, log-log, a curve per model and GLB rule, Pareto points ringed). Needs
Debian's python3-matplotlib and python3-pandas.
"""
import argparse
import math
import os
import sys

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker
    import pandas as pd
except ImportError as e:  # the python3 first on PATH may lack them
    sys.exit(f"plot_figures: {e}; run with /usr/bin/python3 (apt-get install python3-matplotlib python3-pandas)")

DESIGNS = ["unfused", "flat", "cascade", "arch", "binding"]
NAMES = {"unfused": "Unfused", "flat": "FLAT", "cascade": "+Cascade", "arch": "+Architecture", "binding": "+Binding (FuseMax)"}
MODELS = ["bert", "trxl", "t5", "xlm"]
MODEL_NAMES = {"bert": "BERT-Base", "trxl": "TrXL", "t5": "T5-small", "xlm": "XLM"}
OPS_2D = ["QK", "LM", "SLN", "SLD", "SLNV", "AVM"]
COLORS = {"unfused": "#9e9e9e", "flat": "#1f77b4", "cascade": "#2ca02c", "arch": "#ff7f0e", "binding": "#d62728"}
MODEL_COLORS = {"bert": "#1f77b4", "trxl": "#ff7f0e", "t5": "#2ca02c", "xlm": "#d62728"}
PARTS = [("energy_dram_pj", "DRAM", "#8c564b"), ("energy_glb_pj", "GLB", "#bcbd22"),
         ("energy_pe2d_pj", "2D array", "#1f77b4"), ("energy_pe1d_pj", "1D array", "#ff7f0e")]
plt.rcParams.update({"font.size": 10, "axes.titlesize": 11, "axes.labelsize": 10, "legend.fontsize": 9})


def batch_note(df):
    batches = sorted(set(int(b) for b in df.batch)) if "batch" in df.columns else []
    return f"batch {', '.join(map(str, batches))}" if batches else ""


def finish(fig, path, handles, labels, title, ncol):
    """A shared legend below the panels (never over a bar), the batch in the title, then save."""
    if handles:
        fig.legend(handles, labels, loc="lower center", ncol=ncol, frameon=False, bbox_to_anchor=(0.5, 0.0))
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.1 if handles else 0, 1, 0.95))
    fig.savefig(path, dpi=120)
    plt.close(fig)


def seq_label(n):
    n = int(n)
    return f"{n // 1048576}M" if n % 1048576 == 0 else f"{n // 1024}K" if n % 1024 == 0 else str(n)


def grouped_bars(ax, df, model, value, designs, log=False):
    sub = df[df.model == model]
    seqs = sorted(sub.seq_len.unique())
    width = 0.8 / len(designs)
    for i, d in enumerate(designs):
        vals = [sub[(sub.design == d) & (sub.seq_len == s)][value].mean() for s in seqs]
        xs = [k + (i - (len(designs) - 1) / 2) * width for k in range(len(seqs))]
        ax.bar(xs, vals, width, label=NAMES[d], color=COLORS[d])
    ax.set_xticks(range(len(seqs)))
    ax.set_xticklabels([seq_label(s) for s in seqs])
    ax.set_xlabel("sequence length")
    ax.set_title(MODEL_NAMES.get(model, model))
    if log:
        ax.set_yscale("log")
        plain = matplotlib.ticker.FuncFormatter(lambda y, _: f"{y:g}")
        ax.yaxis.set_major_formatter(plain)
        ax.yaxis.set_minor_formatter(plain)
        ax.tick_params(axis="y", which="minor", labelsize=7)
    ax.grid(axis="y", alpha=0.3)


def per_model_figure(df, value, ylabel, path, designs, log=False, ylim=None, title=""):
    models = [m for m in MODELS if m in set(df.model)]
    fig, axes = plt.subplots(1, len(models), figsize=(4.2 * len(models), 3.9), squeeze=False, sharey=True)
    for ax, m in zip(axes[0], models):
        grouped_bars(ax, df, m, value, designs, log)
        if ylim:
            ax.set_ylim(*ylim)
    axes[0][0].set_ylabel(ylabel)
    handles, labels = axes[0][0].get_legend_handles_labels()
    finish(fig, path, handles, labels, f"{title} ({batch_note(df)})", len(designs))


def bert_ops_figure(df, path):
    sub = df[df.model == "bert"]
    if sub.empty:
        return
    seqs = sorted(sub.seq_len.unique())
    designs = [d for d in DESIGNS if d in set(sub.design)]
    fig, axes = plt.subplots(1, len(designs), figsize=(3.3 * len(designs), 3.9), sharey=True, squeeze=False)
    cmap = plt.get_cmap("tab10")
    shown = {}
    for ax, d in zip(axes[0], designs):
        bottom = [0.0] * len(seqs)
        for k, op in enumerate(OPS_2D):
            vals = [sub[(sub.design == d) & (sub.seq_len == s)][f"util_2d_{op}"].mean() for s in seqs]
            if max(vals) == 0:
                continue
            # Ops of a cycle or a few per tile step are thin: an edge keeps them visible, and the
            # legend gives each op's largest share.
            bars = ax.bar(range(len(seqs)), vals, 0.7, bottom=bottom, color=cmap(k), edgecolor="black", linewidth=0.4)
            shown[op] = (bars, max(shown.get(op, (None, 0))[1], max(vals)))
            bottom = [b + v for b, v in zip(bottom, vals)]
        ax.set_xticks(range(len(seqs)))
        ax.set_xticklabels([seq_label(s) for s in seqs], fontsize=8)
        ax.set_xlabel("sequence length")
        ax.set_title(NAMES[d], fontsize=10)
        ax.set_ylim(0, 1.05)
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].set_ylabel("2D array busy fraction by op")
    ops = [op for op in OPS_2D if op in shown]
    finish(fig, path, [shown[op][0] for op in ops], [f"{op} (up to {shown[op][1]:.1%})" for op in ops],
           f"Figure 7: BERT-Base, 2D array activity by op ({batch_note(sub)})", len(ops))


def energy_split_figure(df, path):
    """Figure 9: each design's energy relative to Unfused, split into DRAM, GLB, 2D and 1D."""
    if "unfused" not in set(df.design) or not all(c in df.columns for c, _, _ in PARTS):
        return
    models = [m for m in MODELS if m in set(df.model)]
    designs = [d for d in DESIGNS if d in set(df.design)]
    fig, axes = plt.subplots(1, len(models), figsize=(4.6 * len(models), 4.2), squeeze=False, sharey=True)
    base = df[df.design == "unfused"].set_index(["model", "seq_len"])["energy_pj"]
    handles = []
    for ax, m in zip(axes[0], models):
        sub = df[df.model == m]
        seqs = sorted(sub.seq_len.unique())
        width = 0.8 / len(designs)
        for i, d in enumerate(designs):
            xs = [k + (i - (len(designs) - 1) / 2) * width for k in range(len(seqs))]
            bottom = [0.0] * len(seqs)
            for col, name, color in PARTS:
                vals = [float(sub[(sub.design == d) & (sub.seq_len == s)][col].mean()) / base.loc[(m, s)] for s in seqs]
                bars = ax.bar(xs, vals, width, bottom=bottom, color=color, edgecolor=COLORS[d], linewidth=0.8)
                if m == models[0] and i == 0:
                    handles.append(bars)
                bottom = [b + v for b, v in zip(bottom, vals)]
        ax.set_xticks(range(len(seqs)))
        ax.set_xticklabels([seq_label(s) for s in seqs])
        ax.set_xlabel(f"sequence length (bars: {', '.join(NAMES[d].split(' ')[0] for d in designs)})", fontsize=8)
        ax.set_title(MODEL_NAMES.get(m, m))
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].set_ylabel("energy relative to Unfused")
    finish(fig, path, handles, [name for _, name, _ in PARTS],
           f"Figure 9: energy by component, relative to Unfused ({batch_note(df)})", len(PARTS))


def pareto_points(points):
    """The points no other point beats in both area and latency."""
    return [p for p in points if not any(q[0] <= p[0] and q[1] <= p[1] and q != p for q in points)]


def area_latency_figure(df, path):
    """Figure 12: latency against area (log-log), a curve per model and GLB rule, Pareto points ringed."""
    df = df.dropna(subset=["area_um2"])
    if df.empty:
        return
    fig, ax = plt.subplots(figsize=(7.5, 5.2))
    for m in [m for m in MODELS if m in set(df.model)]:
        sub = df[df.model == m]
        for rule, style in (("published", "-"), ("compute_bound", "--")):
            r = sub[sub.glb_rule == rule].sort_values("pe_dim")
            if r.empty:
                continue
            ax.plot(r.area_um2 / 1e8, r.latency_s, style, marker="o", markersize=4, color=MODEL_COLORS[m],
                    label=f"{MODEL_NAMES[m]}, {rule.replace('_', '-')} GLB")
            for x in r.itertuples():
                if rule == "published":
                    ax.annotate(str(int(x.pe_dim)), (x.area_um2 / 1e8, x.latency_s), fontsize=7,
                                textcoords="offset points", xytext=(4, 4))
        front = pareto_points([(x.area_um2, x.latency_s) for x in sub.itertuples()])
        ax.scatter([a / 100 for a, _ in front], [l for _, l in front], s=90, facecolors="none",
                   edgecolors=MODEL_COLORS[m], linewidths=1.2)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("area (cm^2, 45 nm)")
    ax.set_ylabel("latency (s)")
    ax.grid(which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper right")
    seq = seq_label(int(df.seq_len.iloc[0]))
    ax.set_title(f"Figure 12: FuseMax, PE_dim 16 to 512 (labels), {seq} tokens, {batch_note(df)}; "
                 "rings: Pareto points", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def relative(df, column):
    base = df[df.design == "unfused"].set_index(["model", "seq_len"])[column]
    out = df.copy()
    out[column + "_vs_unfused"] = [
        (base.loc[(r.model, r.seq_len)] / getattr(r, column)) if column == "cycles" else
        (getattr(r, column) / base.loc[(r.model, r.seq_len)]) for r in df.itertuples()]
    return out


def summary(df, out_dir, fusemax="binding", name="summary"):
    fm = df[df.design == fusemax].set_index(["model", "seq_len"])
    fl = df[df.design == "flat"].set_index(["model", "seq_len"])
    keys = [k for k in fm.index if k in fl.index]
    if not keys:
        return None
    rows = []
    for m, s in sorted(keys, key=lambda k: (MODELS.index(k[0]) if k[0] in MODELS else 9, k[1])):
        speedup = fl.loc[(m, s), "cycles"] / fm.loc[(m, s), "cycles"]
        energy = fm.loc[(m, s), "energy_pj"] / fl.loc[(m, s), "energy_pj"]
        rows.append((MODEL_NAMES.get(m, m), seq_label(s), speedup, energy))
    sp = [r[2] for r in rows]
    en = [r[3] for r in rows]
    amean_s, amean_e = sum(sp) / len(sp), sum(en) / len(en)
    gmean_s = math.exp(sum(map(math.log, sp)) / len(sp))
    gmean_e = math.exp(sum(map(math.log, en)) / len(en))
    lines = ["| model | seq | FuseMax speedup over FLAT | FuseMax energy / FLAT |", "|---|---|---|---|"]
    lines += [f"| {m} | {s} | {a:.2f}x | {b:.1%} |" for m, s, a, b in rows]
    lines += [f"| **arithmetic mean** | | **{amean_s:.2f}x** | **{amean_e:.1%}** |",
              f"| **geometric mean** | | **{gmean_s:.2f}x** | **{gmean_e:.1%}** |"]
    with open(os.path.join(out_dir, name + ".md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    pd.DataFrame(rows, columns=["model", "seq", "speedup", "energy_ratio"]).to_csv(
        os.path.join(out_dir, name + ".csv"), index=False)
    return amean_s, amean_e, gmean_s, gmean_e


def versus_flat_figure(df, value, ylabel, path, title):
    """FuseMax against FLAT per model and sequence length (Figures 10 and 11)."""
    fm = df[df.design == "fusemax"].set_index(["model", "seq_len"])
    fl = df[df.design == "flat"].set_index(["model", "seq_len"])
    models = [m for m in MODELS if m in set(fm.index.get_level_values(0))]
    fig, axes = plt.subplots(1, len(models), figsize=(4.2 * len(models), 3.6), squeeze=False, sharey=True)
    for ax, m in zip(axes[0], models):
        seqs = sorted(s for mm, s in fm.index if mm == m and (mm, s) in fl.index)
        if value == "speedup":
            vals = [fl.loc[(m, s), "cycles"] / fm.loc[(m, s), "cycles"] for s in seqs]
        else:
            vals = [fm.loc[(m, s), "energy_pj"] / fl.loc[(m, s), "energy_pj"] for s in seqs]
        ax.bar(range(len(seqs)), vals, 0.6, color=COLORS["binding"])
        ax.axhline(1.0, color="black", linewidth=0.8)
        ax.set_xticks(range(len(seqs)))
        ax.set_xticklabels([seq_label(x) for x in seqs])
        ax.set_xlabel("sequence length")
        ax.set_title(MODEL_NAMES.get(m, m))
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].set_ylabel(ylabel)
    finish(fig, path, [], [], f"{title} ({batch_note(df)})", 1)


def main():
    ap = argparse.ArgumentParser(description="Draws the FuseMax figures from sweep CSVs")
    ap.add_argument("csv", nargs="+")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "out", "figures"))
    a = ap.parse_args()
    frames = []
    for path in a.csv:
        if not os.path.isfile(path):
            sys.exit(f"plot_figures: {path}: no such file (run tools/sweep --out {path} first)")
        frame = pd.read_csv(path)
        if "kernel" not in frame.columns:  # written before sweeps had kernels: attention
            frame["kernel"] = "attention"
        needed = {"design", "model", "seq_len", "cycles", "util_2d", "util_1d"}
        if not needed <= set(frame.columns):
            sys.exit(f"plot_figures: {path}: missing columns {sorted(needed - set(frame.columns))}")
        frames.append(frame)
    everything = pd.concat(frames, ignore_index=True)
    os.makedirs(a.out, exist_ok=True)
    df = everything[everything.kernel == "attention"]
    layer = everything[everything.kernel == "layer"]
    pareto = everything[everything.kernel == "pareto"]
    designs = [d for d in DESIGNS if d in set(df.design)]
    means = None
    if len(df):
        per_model_figure(df, "util_1d", "1D array utilization", os.path.join(a.out, "fig6a_util_1d.png"), designs,
                         ylim=(0, 1.05), title="Figure 6a: 1D array utilization")
        per_model_figure(df, "util_2d", "2D array utilization", os.path.join(a.out, "fig6b_util_2d.png"), designs,
                         ylim=(0, 1.05), title="Figure 6b: 2D array utilization")
        bert_ops_figure(df, os.path.join(a.out, "fig7_bert_2d_ops.png"))
        if "unfused" in designs:
            sp = relative(df, "cycles")
            per_model_figure(sp, "cycles_vs_unfused", "speedup over Unfused", os.path.join(a.out, "fig8_speedup.png"),
                             designs, log=True, title="Figure 8: speedup over Unfused")
            energy_split_figure(df, os.path.join(a.out, "fig9_energy.png"))
        means = summary(df, a.out)
    e2e = None
    if len(layer):
        versus_flat_figure(layer, "speedup", "end-to-end speedup over FLAT", os.path.join(a.out, "fig10_end_to_end_speedup.png"),
                           "Figure 10: end-to-end speedup of FuseMax over FLAT")
        versus_flat_figure(layer, "energy", "end-to-end energy / FLAT", os.path.join(a.out, "fig11_end_to_end_energy.png"),
                           "Figure 11: end-to-end energy of FuseMax relative to FLAT")
        e2e = summary(layer, a.out, fusemax="fusemax", name="summary_end_to_end")
    if len(pareto):
        area_latency_figure(pareto, os.path.join(a.out, "fig12_area_latency.png"))
    print(f"plot_figures: wrote figures to {a.out}")
    if means:
        print(f"attention, FuseMax vs FLAT: speedup {means[0]:.2f}x (arithmetic), {means[2]:.2f}x (geometric); "
              f"energy {means[1]:.1%} (arithmetic), {means[3]:.1%} (geometric)")
    if e2e:
        print(f"end to end, FuseMax vs FLAT: speedup {e2e[0]:.2f}x (arithmetic), {e2e[2]:.2f}x (geometric); "
              f"energy {e2e[1]:.1%} (arithmetic), {e2e[3]:.1%} (geometric)")


if __name__ == "__main__":
    main()
