#!/usr/bin/python3
"""Draws the paper's figures from tools/sweep CSVs.

    tools/plot_figures.py SWEEP.csv [LAYER.csv ...] [--out DIR]      (default DIR: out/figures)

From attention rows (tools/sweep, the default --kernel attention): fig6a_util_1d.png,
fig6b_util_2d.png (array utilization), fig7_bert_2d_ops.png (BERT's 2D array activity per op),
fig8_speedup.png (speedup over Unfused), fig9_energy.png (energy relative to Unfused), and
summary.md / summary.csv: FuseMax (+Binding) against FLAT per point, with the arithmetic and
geometric means. From layer rows (tools/sweep --kernel layer): fig10_end_to_end_speedup.png and
fig11_end_to_end_energy.png (FuseMax against FLAT, attention plus the six linear GEMMs) and
summary_end_to_end.md / .csv. Needs Debian's python3-matplotlib and python3-pandas.
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
    ax.set_title(MODEL_NAMES.get(model, model))
    if log:
        ax.set_yscale("log")
        plain = matplotlib.ticker.FuncFormatter(lambda y, _: f"{y:g}")
        ax.yaxis.set_major_formatter(plain)
        ax.yaxis.set_minor_formatter(plain)
        ax.tick_params(axis="y", which="minor", labelsize=7)
    ax.grid(axis="y", alpha=0.3)


def per_model_figure(df, value, ylabel, path, designs, log=False, ylim=None):
    models = [m for m in MODELS if m in set(df.model)]
    fig, axes = plt.subplots(1, len(models), figsize=(4.2 * len(models), 3.4), squeeze=False)
    for ax, m in zip(axes[0], models):
        grouped_bars(ax, df, m, value, designs, log)
        if ylim:
            ax.set_ylim(*ylim)
    axes[0][0].set_ylabel(ylabel)
    axes[0][-1].legend(fontsize=7, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def bert_ops_figure(df, path):
    sub = df[df.model == "bert"]
    if sub.empty:
        return
    seqs = sorted(sub.seq_len.unique())
    designs = [d for d in DESIGNS if d in set(sub.design)]
    fig, axes = plt.subplots(1, len(designs), figsize=(3.2 * len(designs), 3.4), sharey=True, squeeze=False)
    cmap = plt.get_cmap("tab10")
    for ax, d in zip(axes[0], designs):
        bottom = [0.0] * len(seqs)
        for k, op in enumerate(OPS_2D):
            vals = [sub[(sub.design == d) & (sub.seq_len == s)][f"util_2d_{op}"].mean() for s in seqs]
            if max(vals) == 0:
                continue
            ax.bar(range(len(seqs)), vals, 0.7, bottom=bottom, label=op, color=cmap(k))
            bottom = [b + v for b, v in zip(bottom, vals)]
        ax.set_xticks(range(len(seqs)))
        ax.set_xticklabels([seq_label(s) for s in seqs], fontsize=7)
        ax.set_title(NAMES[d], fontsize=9)
        ax.set_ylim(0, 1.05)
        ax.legend(fontsize=6, loc="upper left")
    axes[0][0].set_ylabel("2D array busy fraction by op (BERT)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
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


def versus_flat_figure(df, value, ylabel, path):
    """FuseMax against FLAT per model and sequence length (Figures 10 and 11)."""
    fm = df[df.design == "fusemax"].set_index(["model", "seq_len"])
    fl = df[df.design == "flat"].set_index(["model", "seq_len"])
    models = [m for m in MODELS if m in set(fm.index.get_level_values(0))]
    fig, axes = plt.subplots(1, len(models), figsize=(4.2 * len(models), 3.4), squeeze=False)
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
        ax.set_title(MODEL_NAMES.get(m, m))
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].set_ylabel(ylabel)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


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
        needed = {"design", "model", "seq_len", "cycles", "energy_pj", "util_2d", "util_1d"}
        if not needed <= set(frame.columns):
            sys.exit(f"plot_figures: {path}: missing columns {sorted(needed - set(frame.columns))}")
        frames.append(frame)
    everything = pd.concat(frames, ignore_index=True)
    os.makedirs(a.out, exist_ok=True)
    df = everything[everything.kernel == "attention"]
    layer = everything[everything.kernel == "layer"]
    designs = [d for d in DESIGNS if d in set(df.design)]
    means = None
    if len(df):
        per_model_figure(df, "util_1d", "1D array utilization", os.path.join(a.out, "fig6a_util_1d.png"), designs, ylim=(0, 1.05))
        per_model_figure(df, "util_2d", "2D array utilization", os.path.join(a.out, "fig6b_util_2d.png"), designs, ylim=(0, 1.05))
        bert_ops_figure(df, os.path.join(a.out, "fig7_bert_2d_ops.png"))
        if "unfused" in designs:
            sp = relative(df, "cycles")
            per_model_figure(sp, "cycles_vs_unfused", "speedup over Unfused", os.path.join(a.out, "fig8_speedup.png"), designs, log=True)
            en = relative(df, "energy_pj")
            per_model_figure(en, "energy_pj_vs_unfused", "energy relative to Unfused", os.path.join(a.out, "fig9_energy.png"), designs)
        means = summary(df, a.out)
    e2e = None
    if len(layer):
        versus_flat_figure(layer, "speedup", "end-to-end speedup over FLAT", os.path.join(a.out, "fig10_end_to_end_speedup.png"))
        versus_flat_figure(layer, "energy", "end-to-end energy / FLAT", os.path.join(a.out, "fig11_end_to_end_energy.png"))
        e2e = summary(layer, a.out, fusemax="fusemax", name="summary_end_to_end")
    print(f"plot_figures: wrote figures to {a.out}")
    if means:
        print(f"attention, FuseMax vs FLAT: speedup {means[0]:.2f}x (arithmetic), {means[2]:.2f}x (geometric); "
              f"energy {means[1]:.1%} (arithmetic), {means[3]:.1%} (geometric)")
    if e2e:
        print(f"end to end, FuseMax vs FLAT: speedup {e2e[0]:.2f}x (arithmetic), {e2e[2]:.2f}x (geometric); "
              f"energy {e2e[1]:.1%} (arithmetic), {e2e[3]:.1%} (geometric)")


if __name__ == "__main__":
    main()
