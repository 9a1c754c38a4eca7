#!/usr/bin/python3
"""The design-space studies of the README, each a fusemax-explore run (every point simulated):

    tools/explore_studies.py [--out docs/figures/explore] [--explore PATH] [--only paper,layer,decode]

paper:  the paper's 24 attention points (BERT, TrXL, T5, XLM x 1K..1M, batch 64) on FuseMax: does the
        search find the paper's mapping or a better one, and what is the best other mapping and why
        it loses (paper_points.csv).
layer:  GPT-3 6.7B, batch 4, causal, the whole layer at 4K and 128K tokens: the EDP-optimal mapping
        against the default (layer.csv).
decode: Llama-3-8B decode (M = 32K, batch 64) across PE_dim 64-512 and GLB 1-64 MiB with P1 and the
        buffers: the latency x energy x area front (decode_front.csv, decode_front.png), GLBs the
        tables do not characterise priced by fits (configs/arch/fusemax_fitted_glb.yaml).
Prints the README's tables. Standard library only (the plot: python3-matplotlib via explore_plot.py).
"""
import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = {"bert": "bert_base.yaml", "trxl": "trxl.yaml", "t5": "t5_small.yaml", "xlm": "xlm.yaml"}
SEQ = [("1K", 1024), ("4K", 4096), ("16K", 16384), ("64K", 65536), ("256K", 262144), ("1M", 1048576)]


def explore(tool, out, args):
    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
    r = subprocess.run([tool, "--quiet", "--out", out] + args, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"explore_studies: {' '.join(args)}: {r.stderr.strip()}")
    with open(os.path.join(out, "summary.json")) as f:
        summary = json.load(f)
    with open(os.path.join(out, "points.csv")) as f:
        points = [p for p in csv.DictReader(f) if p["status"] == "evaluated"]
    return summary, points


def mapping_of(p):
    return (f"{p['binding']} binding, {'interleaved' if p['interleave'] == 'true' else 'serial steps'}, "
            f"tiles {p['m0']}x{p['p0']}, P1 {p['p1']}, {'double' if p['double_buffer'] == 'true' else 'single'}-buffered")


def cost(p):
    return (float(p["latency_s"]), float(p["energy_pj"]))


def paper(tool, out, rows):
    table = []
    for model, wl in MODELS.items():
        for label, seq in SEQ:
            d = tempfile.mkdtemp()
            s, points = explore(tool, d, ["--workload", os.path.join(ROOT, "configs", "workloads", wl), "--seq", str(seq),
                                          "--batch", "64", "--no-plot"])
            default = next(p for p in points if p["point"] == "0")
            best = s["best"]["edp"]
            others = [p for p in points if cost(p) != cost(default)]
            runner = min(others, key=lambda p: float(p["edp_js"]))
            ties = sum(1 for p in points if cost(p) == cost(default)) - 1
            lat, en = float(runner["latency_s"]) / float(default["latency_s"]), float(runner["energy_pj"]) / float(default["energy_pj"])
            why = (f"latency x{lat:.3f} (2D busy {float(runner['util_2d']):.3f} vs {float(default['util_2d']):.3f}), "
                   f"energy x{en:.4f} (DRAM bytes x{int(runner['dram_bytes']) / int(default['dram_bytes']):.2f})")
            row = {"model": model, "seq": label, "enumerated": s["counts"]["enumerated"], "evaluated": s["counts"]["evaluated"],
                   "pruned_capacity": s["counts"]["pruned_capacity"], "wall_s": round(s["host"]["wall_s"], 2),
                   "paper_edp_js": float(default["edp_js"]), "best_edp_vs_paper": best["vs_default"]["edp"],
                   "best_is_paper": best["vs_default"]["edp"] == 1.0, "ties": ties,
                   "runner_up": mapping_of(runner), "runner_up_edp_vs_paper": float(runner["edp_js"]) / float(default["edp_js"]),
                   "runner_up_why": why}
            table.append(row)
            shutil.rmtree(d)
            print(f"paper {model} {label}: best/paper EDP {row['best_edp_vs_paper']:.4f}, runner-up x{row['runner_up_edp_vs_paper']:.4f}",
                  file=sys.stderr)
    write(os.path.join(out, "paper_points.csv"), table)
    found = sum(r["best_edp_vs_paper"] <= 1.0 for r in table)
    rows.append(f"paper: {found} of 24 points: the search's EDP optimum is the paper's mapping or better "
                f"(strictly better at {sum(r['best_edp_vs_paper'] < 1.0 for r in table)}); "
                f"{sum(r['evaluated'] for r in table)} simulations in {sum(r['wall_s'] for r in table):.1f} s")
    rows.append("| model | seq | simulated | best EDP / paper | other mappings costing the same | best other mapping | its EDP / paper | why it loses |")
    rows.append("|---|---|---|---|---|---|---|---|")
    for r in table:
        rows.append(f"| {r['model']} | {r['seq']} | {r['evaluated']} | {r['best_edp_vs_paper']:.4f} | {r['ties']} | {r['runner_up']} | "
                    f"{r['runner_up_edp_vs_paper']:.4f} | {r['runner_up_why']} |")


def layer(tool, out, rows):
    table = []
    for label, seq in [("4K", 4096), ("128K", 131072)]:
        d = tempfile.mkdtemp()
        s, points = explore(tool, d, ["--workload", os.path.join(ROOT, "configs", "workloads", "gpt3_6.7b.yaml"), "--layer",
                                      "--seq", str(seq), "--batch", "4", "--no-plot"])
        b, df = s["best"]["edp"], s["default"]
        table.append({"seq": label, "enumerated": s["counts"]["enumerated"], "pruned_capacity": s["counts"]["pruned_capacity"],
                      "evaluated": s["counts"]["evaluated"], "wall_s": round(s["host"]["wall_s"], 2),
                      "cpu_s": round(s["host"]["cpu_s"], 2), "default_latency_s": df["latency_s"], "default_energy_pj": df["energy_pj"],
                      "default_edp_js": df["edp_js"], "best_latency_s": b["latency_s"], "best_energy_pj": b["energy_pj"],
                      "best_edp_js": b["edp_js"], "best_mapping": b["mapping"], "why": b["why"]})
        shutil.rmtree(d)
    write(os.path.join(out, "layer.csv"), table)
    rows.append("| GPT-3 6.7B layer, batch 4 | points (fit / simulated) | wall (CPU) s | default: latency, energy, EDP | EDP-optimal: latency, energy, EDP | EDP-optimal mapping |")
    rows.append("|---|---|---|---|---|---|")
    for r in table:
        rows.append(f"| {r['seq']} tokens | {r['enumerated']} ({r['enumerated'] - r['pruned_capacity']} / {r['evaluated']}) | "
                    f"{r['wall_s']} ({r['cpu_s']}) | {r['default_latency_s']:.4g} s, {r['default_energy_pj'] / 1e12:.4g} J, "
                    f"{r['default_edp_js']:.4g} J s | {r['best_latency_s']:.4g} s, {r['best_energy_pj'] / 1e12:.4g} J, "
                    f"{r['best_edp_js']:.4g} J s | {r['best_mapping']} ({r['why']}) |")


def decode(tool, out, rows):
    d = tempfile.mkdtemp()
    s, points = explore(tool, d, ["--arch", os.path.join(ROOT, "configs", "arch", "fusemax_fitted_glb.yaml"),
                                  "--workload", os.path.join(ROOT, "configs", "workloads", "llama3_8b.yaml"),
                                  "--seq-q", "1", "--seq-kv", "32768", "--batch", "64",
                                  "--space", os.path.join(ROOT, "configs", "explore", "llama3_decode_hardware.yaml")])
    shutil.copy(os.path.join(d, "pareto.csv"), os.path.join(out, "decode_front.csv"))
    if os.path.exists(os.path.join(d, "front.png")):
        shutil.copy(os.path.join(d, "front.png"), os.path.join(out, "decode_front.png"))
    with open(os.path.join(d, "pareto.csv")) as f:
        front = sorted(csv.DictReader(f), key=lambda p: float(p["area_um2"]))
    shutil.rmtree(d)
    c = s["counts"]
    rows.append(f"decode: {c['enumerated']} points, {c['evaluated']} simulated in {s['host']['wall_s']:.2f} s; "
                f"{c['pareto']} Pareto-optimal (default PE 256 / 16 MiB: {s['default']['latency_s'] * 1e3:.3f} ms, "
                f"{s['default']['energy_pj'] / 1e12:.4f} J, {s['default']['area_um2'] / 1e6:.1f} mm^2)")
    rows.append("| PE_dim | GLB | mappings that cost the same (P1, buffers) | latency (ms) | energy (J) | area (mm^2) |")
    rows.append("|---|---|---|---|---|---|")
    groups = {}
    for p in front:
        if p["point"] != "0":
            key = (p["pe_dim"], p["glb_bytes"], p["latency_s"], p["energy_pj"], p["area_um2"])
            groups.setdefault(key, []).append(f"{p['p1']}/{'double' if p['double_buffer'] == 'true' else 'single'}")
    for (pe, glb, lat, en, area), maps in groups.items():
        rows.append(f"| {pe} | {int(glb) >> 20} MiB | {', '.join(maps)} | {float(lat) * 1e3:.3f} | {float(en) / 1e12:.4f} | "
                    f"{float(area) / 1e6:.1f} |")


def write(path, table):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(table[0].keys()))
        w.writeheader()
        w.writerows(table)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "figures", "explore"))
    ap.add_argument("--explore", default=os.path.join(ROOT, "build", "testbench", "fusemax-explore"))
    ap.add_argument("--only", default="paper,layer,decode")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rows = []
    for study in a.only.split(","):
        {"paper": paper, "layer": layer, "decode": decode}[study](a.explore, a.out, rows)
        rows.append("")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
