#!/usr/bin/python3
"""Renders a window of a fusemax-sim VCD and/or Perfetto trace to PNG (for docs and quick looks).

    tools/render_traces.py [--vcd FILE] [--trace-json FILE] [--from-us T] [--to-us T] --out DIR

Writes DIR/waveform.png (busy and op of each array, tile step, DRAM bytes in flight, GLB occupancy,
irq) and DIR/trace.png (one row per module track, one bar per op or transfer). Needs matplotlib.
"""
import argparse
import json
import os
import sys

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    sys.exit("render_traces: matplotlib missing; run with /usr/bin/python3 (apt-get install python3-matplotlib)")

OPS = ["QK", "LM", "RM", "SLN", "SLD", "PRM", "SPD", "RD", "SLNV", "SPNV", "RNV", "AV", "MX", "SN", "SD", "A", "AVM"]


def read_vcd(path):
    names, changes, scope, now, body = {}, {}, [], 0, False
    with open(path) as f:
        tokens = iter(f.read().split())
    for tok in tokens:
        if tok == "$enddefinitions":
            body = True
        elif tok == "$comment":
            while next(tokens) != "$end":
                pass
        elif tok == "$scope":
            next(tokens)
            scope.append(next(tokens))
        elif tok == "$upscope":
            scope.pop()
        elif tok == "$var":
            _, _, ident, name = next(tokens), next(tokens), next(tokens), next(tokens)
            names[ident] = ".".join(scope[1:] + [name])
        elif not body:
            continue
        elif tok[0] == "#":
            now = int(tok[1:])
        elif tok[0] == "b":
            ident = next(tokens)
            changes.setdefault(names[ident], []).append((now, int(tok[1:], 2)))
        elif tok[0] in "01" and len(tok) > 1:
            changes.setdefault(names[tok[1:]], []).append((now, int(tok[0])))
    return changes


def steps(points, t0, t1):
    xs, ys, value = [t0], [], 0
    for t, v in points:
        if t <= t0:
            value = v
    ys.append(value)
    for t, v in points:
        if t0 < t < t1:
            xs += [t, t]
            ys += [ys[-1], v]
    xs.append(t1)
    ys.append(ys[-1])
    return xs, ys


def waveform(vcd, t0_us, t1_us, out):
    ch = read_vcd(vcd)
    t0, t1 = t0_us * 1e6, t1_us * 1e6  # ps
    rows = [("fusemax.pe2d.busy", "2D busy"), ("fusemax.pe2d.op", "2D op"), ("fusemax.pe1d.busy", "1D busy"),
            ("fusemax.pe1d.op", "1D op"), ("fusemax.scheduler.tile_step", "tile step"),
            ("fusemax.dram.bytes_in_flight", "DRAM bytes in flight"), ("fusemax.glb.occupancy_bytes", "GLB bytes"),
            ("fusemax.irq", "irq")]
    rows = [r for r in rows if r[0] in ch]
    fig, axes = plt.subplots(len(rows), 1, figsize=(12, 0.85 * len(rows) + 0.6), sharex=True)
    for ax, (sig, label) in zip(axes, rows):
        xs, ys = steps(ch[sig], t0, t1)
        ax.plot([x / 1e6 for x in xs], ys, drawstyle="default", lw=1)
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
        ax.tick_params(labelsize=7)
        if sig.endswith(".op"):
            for x0, y in zip(xs[::2], ys[::2]):
                if 0 < y <= len(OPS) and t0 <= x0 < t1:
                    ax.text(x0 / 1e6, y, OPS[y - 1], fontsize=5, va="bottom")
    axes[-1].set_xlabel("simulated time (us)")
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def trace(path, t0_us, t1_us, out):
    with open(path) as f:
        events = json.load(f)["traceEvents"]
    tracks = {e["tid"]: e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    fig, ax = plt.subplots(figsize=(12, 1 + 0.6 * len(tracks)))
    colors = plt.get_cmap("tab20")
    for e in events:
        if e["ph"] != "X" or e["ts"] + e["dur"] < t0_us or e["ts"] > t1_us:
            continue
        op = e["name"].split()[0]
        key = OPS.index(op) if op in OPS else len(OPS) + hash(e["name"].split()[1]) % 3
        ax.broken_barh([(e["ts"], e["dur"])], (e["tid"] - 0.4, 0.8), color=colors(key % 20))
        if e["dur"] > (t1_us - t0_us) / 60:
            ax.text(e["ts"] + e["dur"] / 2, e["tid"], op, ha="center", va="center", fontsize=6)
    ax.set_yticks(sorted(tracks))
    ax.set_yticklabels([tracks[t] for t in sorted(tracks)], fontsize=8)
    ax.set_xlim(t0_us, t1_us)
    ax.invert_yaxis()
    ax.set_xlabel("simulated time (us)")
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vcd")
    ap.add_argument("--trace-json")
    ap.add_argument("--from-us", type=float, default=0.0)
    ap.add_argument("--to-us", type=float, default=3.0)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    if a.to_us <= a.from_us:
        sys.exit("render_traces: --to-us must be after --from-us")
    os.makedirs(a.out, exist_ok=True)
    if a.vcd:
        waveform(a.vcd, a.from_us, a.to_us, os.path.join(a.out, "waveform.png"))
    if a.trace_json:
        trace(a.trace_json, a.from_us, a.to_us, os.path.join(a.out, "trace.png"))
    print(f"render_traces: wrote {a.out}")


if __name__ == "__main__":
    main()
