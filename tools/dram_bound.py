#!/usr/bin/python3
"""How close each design comes to its resource bound, across DRAM bandwidth, GLB size and shape.

    tools/dram_bound.py [--out DIR] [--jobs N] [--policy reads_first|in_order] [--quick]

For every point it runs fusemax-sim (timing mode, fast-forward on) and compares the cycles with
bound = max(2D busy cycles, 1D busy cycles, DRAM bytes / bytes per cycle), the time no schedule can
beat with the arrays and channel the point has. Three sweeps, batch 64:
  bandwidth  BERT-Base 16K, every design, 6.25 to 1600 GiB/s (FLAT also at 256K);
  glb        FuseMax on BERT-Base 16K at 25 and 50 GiB/s with a 4 to 64 MiB GLB;
  shapes     the extreme shapes P = 1, M = 64K and P = 64K, M = 256 on the 1-pass designs.
Writes DIR/dram_bound.csv and DIR/dram_bound.md (default DIR: out/dram_bound) and prints the
points more than 1% above their bound with the reason (the design's own serialization, or a
buffer too small to overlap). Standard library only.
"""
import argparse
import concurrent.futures as cf
import csv
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIM = os.path.join(ROOT, "build", "testbench", "fusemax-sim")
ENV = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
DESIGNS = ["unfused", "flat", "cascade", "arch", "binding"]
BANDWIDTHS = [6.25, 12.5, 25, 50, 100, 200, 400, 800, 1600]
GLB_MIB = [4, 8, 16, 32, 64]
# Why a design cannot reach max(2D, 1D, DRAM) whatever the channel does (reference section 4).
SERIAL = {
    "unfused": "kernels run one after another: the sum of per-kernel maxima, not one maximum",
    "arch": "no interleave: each tile step's ops wait for the ones before on the other array",
    "cascade": "the 1D array waits for QK and SLNV of the same step on the 2D array",
}
COLUMNS = ["sweep", "design", "shape", "bandwidth_gib_per_s", "glb_mib", "cycles", "pe2d_busy", "pe1d_busy",
           "dram_cycles", "bound", "bound_by", "ratio", "dram_busy", "note"]


def point_cmd(design, shape, gib, glb_mib, policy):
    cmd = [SIM, "--arch", os.path.join(ROOT, "configs", "arch", design + ".yaml"), "--workload",
           os.path.join(ROOT, "configs", "workloads", "bert_base.yaml"), "--batch", "64", "--mode", "timing",
           "--quiet", "--dram-gib-per-s", str(gib), "--dram-policy", policy] + shape.split()
    if glb_mib:
        cmd += ["--glb-bytes", str(glb_mib << 20)]
    return cmd


def run(sweep, design, shape, gib, glb_mib, policy, tmp):
    out = os.path.join(tmp, f"{sweep}-{design}-{shape.replace(' ', '_')}-{gib}-{glb_mib}.json")
    proc = subprocess.run(point_cmd(design, shape, gib, glb_mib, policy) + ["--stats", out],
                          capture_output=True, text=True, env=ENV)
    base = {"sweep": sweep, "design": design, "shape": shape, "bandwidth_gib_per_s": gib, "glb_mib": glb_mib}
    if proc.returncode != 0:
        return dict(base, note="refused: " + proc.stderr.strip().splitlines()[-1])
    with open(out) as f:
        s = json.load(f)
    dram = s["modules"]["fusemax.dram"]
    per_cycle = dram["bandwidth_bytes_per_cycle"]
    moved = s["dram_read_bytes"] + s["dram_write_bytes"]
    parts = {"2D": s["pe2d"]["busy_cycles"], "1D": s["pe1d"]["busy_cycles"], "DRAM": moved / per_cycle}
    by = max(parts, key=parts.get)
    bound = parts[by]
    ratio = s["cycles"] / bound
    row = dict(base, cycles=s["cycles"], pe2d_busy=parts["2D"], pe1d_busy=parts["1D"],
               dram_cycles=round(parts["DRAM"]), bound=round(bound), bound_by=by, ratio=round(ratio, 5),
               dram_busy=round(dram["busy_cycles"] / s["cycles"], 5), note="")
    if ratio > 1.01:
        row["note"] = SERIAL.get(design, "")
    return row


def points(quick):
    bws = [6.25, 50, 400, 1600] if quick else BANDWIDTHS
    pts = [("bandwidth", d, "--seq 16384", bw, 0) for d in DESIGNS for bw in bws]
    pts += [("bandwidth", "flat", "--seq 262144", bw, 0) for bw in bws]
    pts += [("glb", "binding", "--seq 16384", bw, mib) for bw in (25, 50) for mib in GLB_MIB]
    for shape in ("--seq-q 1 --seq-kv 65536", "--seq-q 65536 --seq-kv 256"):
        pts += [("shapes", d, shape, bw, 0) for d in ("cascade", "arch", "binding") for bw in (50, 400)]
    return pts


def markdown(rows):
    lines = ["| sweep | design | shape | GiB/s | GLB MiB | cycles | bound (by) | cycles / bound | DRAM busy | note |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if "cycles" not in r:
            lines.append(f"| {r['sweep']} | {r['design']} | {r['shape']} | {r['bandwidth_gib_per_s']} | "
                         f"{r['glb_mib'] or 'default'} | | | | | {r['note']} |")
            continue
        lines.append(f"| {r['sweep']} | {r['design']} | {r['shape']} | {r['bandwidth_gib_per_s']} | "
                     f"{r['glb_mib'] or 'default'} | {r['cycles']:,} | {r['bound']:,} ({r['bound_by']}) | "
                     f"{r['ratio']:.4f} | {r['dram_busy']:.3f} | {r['note']} |")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "out", "dram_bound"))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--policy", default="reads_first", choices=["reads_first", "in_order"])
    ap.add_argument("--quick", action="store_true", help="four bandwidths instead of nine")
    a = ap.parse_args()
    if not os.access(SIM, os.X_OK):
        sys.exit(f"dram_bound: {SIM} is not built (tools/run.sh or cmake --build build)")
    os.makedirs(a.out, exist_ok=True)
    pts = points(a.quick)
    with tempfile.TemporaryDirectory() as tmp, cf.ThreadPoolExecutor(a.jobs) as pool:
        rows = list(pool.map(lambda p: run(*p, a.policy, tmp), pts))
    with open(os.path.join(a.out, "dram_bound.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    with open(os.path.join(a.out, "dram_bound.md"), "w") as f:
        f.write(markdown(rows))
    done = [r for r in rows if "cycles" in r]
    within = [r for r in done if r["ratio"] <= 1.01]
    print(f"dram_bound ({a.policy}): {len(within)}/{len(done)} points within 1% of max(2D, 1D, DRAM); "
          f"{len(rows) - len(done)} refused -> {a.out}")
    for r in done:
        if r["ratio"] > 1.01:
            print(f"  {r['sweep']:9} {r['design']:8} {r['shape']:26} {r['bandwidth_gib_per_s']:>7} GiB/s "
                  f"GLB {r['glb_mib'] or '-':>3}: {r['ratio']:.4f} x {r['bound_by']}  {r['note']}")


if __name__ == "__main__":
    main()
