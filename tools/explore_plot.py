#!/usr/bin/python3
"""Draws the Pareto front fusemax-explore wrote: tools/explore_plot.py DIR  ->  DIR/front.png

Left: latency against energy of every simulated point (grey), the Pareto-optimal ones (red) and the
default mapping (star); right: latency against area when the area varies, else EDP by point.
"""
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def rows(path):
    with open(path) as f:
        return [r for r in csv.DictReader(f) if r["status"] == "evaluated" and r["latency_s"]]


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: explore_plot.py DIR (the --out folder of fusemax-explore)")
    out = sys.argv[1]
    points = rows(os.path.join(out, "points.csv"))
    priced = [r for r in points if r["energy_pj"] and r["area_um2"]]
    if not priced:
        sys.exit(f"{out}: no point has both energy and area")
    front = [r for r in priced if r["pareto"] == "true"]
    default = [r for r in priced if r["point"] == "0"]
    areas = {r["area_um2"] for r in priced}
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    f = lambda rs, k: [float(r[k]) for r in rs]  # noqa: E731
    left.scatter(f(priced, "latency_s"), f(priced, "energy_pj"), s=10, c="0.7", label=f"simulated ({len(priced)})")
    left.scatter(f(front, "latency_s"), f(front, "energy_pj"), s=22, c="tab:red", label=f"Pareto-optimal ({len(front)})")
    left.scatter(f(default, "latency_s"), f(default, "energy_pj"), s=120, marker="*", c="k", label="default mapping")
    left.set_xlabel("latency (s)")
    left.set_ylabel("energy (pJ)")
    left.set_xscale("log")
    left.set_yscale("log")
    left.legend(loc="best", fontsize=8)
    if len(areas) > 1:
        right.scatter(f(priced, "latency_s"), [a / 1e6 for a in f(priced, "area_um2")], s=10, c="0.7")
        right.scatter(f(front, "latency_s"), [a / 1e6 for a in f(front, "area_um2")], s=22, c="tab:red")
        right.scatter(f(default, "latency_s"), [a / 1e6 for a in f(default, "area_um2")], s=120, marker="*", c="k")
        right.set_xlabel("latency (s)")
        right.set_ylabel("area (mm$^2$)")
        right.set_xscale("log")
        right.set_yscale("log")
    else:
        right.scatter([int(r["point"]) for r in priced], f(priced, "edp_js"), s=10, c="0.7")
        right.scatter([int(r["point"]) for r in front], f(front, "edp_js"), s=22, c="tab:red")
        right.set_xlabel("point (points.csv)")
        right.set_ylabel("EDP (J s)")
        right.set_yscale("log")
    fig.suptitle(f"fusemax-explore: {len(points)} points simulated, {len(front)} on the front")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "front.png"), dpi=110)


if __name__ == "__main__":
    main()
