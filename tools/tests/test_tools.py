#!/usr/bin/python3
"""Tests of tools/sweep and tools/plot_figures.py (run by CTest with FUSEMAX_SIM set)."""
import csv
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIM = os.environ.get("FUSEMAX_SIM", os.path.join(ROOT, "build", "testbench", "fusemax-sim"))
SWEEP = os.path.join(ROOT, "tools", "sweep")
PLOT = os.path.join(ROOT, "tools", "plot_figures.py")
ROOFLINE = os.path.join(ROOT, "tools", "roofline.py")


def run(*args):
    return subprocess.run(["/usr/bin/python3", *args], capture_output=True, text=True)


class Sweep(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.csv = os.path.join(self.tmp.name, "s.csv")

    def tearDown(self):
        self.tmp.cleanup()

    def test_calibration_point_and_columns(self):
        r = run(SWEEP, "--out", self.csv, "--designs", "flat,binding", "--models", "bert", "--seq-lens", "1K,4K",
                "--jobs", "2", "--sim", SIM)
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = list(csv.DictReader(open(self.csv)))
        self.assertEqual(len(rows), 4)
        for col in ["kernel", "design", "model", "seq_len", "batch", "heads", "cycles", "latency_s", "energy_pj",
                    "dram_bytes", "util_2d", "util_1d", "util_2d_QK", "util_2d_SLNV"]:
            self.assertIn(col, rows[0])
        point = {(r["design"], r["seq_len"]): r for r in rows}
        fm = point[("binding", "1024")]
        self.assertEqual(int(fm["batch"]), 64)
        self.assertLess(abs(int(fm["cycles"]) - 1892352) / 1892352, 1e-3)  # reference section 8
        self.assertEqual(int(fm["dram_bytes"]), 402653184)
        self.assertLess(abs(int(point[("flat", "1024")]["cycles"]) - 12582912) / 12582912, 1e-3)
        # Per-op 2D utilization adds up to the array's utilization.
        ops = sum(float(fm[f"util_2d_{op}"]) for op in ["QK", "LM", "SLN", "SLD", "SLNV", "AVM"])
        self.assertAlmostEqual(ops, float(fm["util_2d"]), places=9)
        # Each point's CPU seconds (its simulator's user + system time), and their sum in the summary.
        cpu = [float(r["cpu_s"]) for r in rows]
        self.assertTrue(all(c > 0 for c in cpu), cpu)
        total = float(r.stdout.split(" s wall, ")[1].split(" CPU s")[0])
        self.assertAlmostEqual(total, sum(cpu), delta=0.051)

        out = os.path.join(self.tmp.name, "figs")
        p = run(PLOT, self.csv, "--out", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        for name in ["fig6a_util_1d.png", "fig6b_util_2d.png", "fig7_bert_2d_ops.png", "summary.md"]:
            self.assertTrue(os.path.getsize(os.path.join(out, name)) > 0, name)
        summary = open(os.path.join(out, "summary.md")).read()
        self.assertIn("geometric mean", summary)
        self.assertIn("| BERT-Base | 1K | 6.6", summary)  # 12,584,216 / 1,893,048

    def test_end_to_end(self):
        layer = os.path.join(self.tmp.name, "layer.csv")
        linear = os.path.join(self.tmp.name, "linear.csv")
        for kernel, path in (("layer", layer), ("linear", linear)):
            r = run(SWEEP, "--out", path, "--kernel", kernel, "--models", "bert,xlm", "--seq-lens", "1K",
                    "--jobs", "2", "--sim", SIM)
            self.assertEqual(r.returncode, 0, r.stderr)
        rows = {(r["kernel"], r["design"], r["model"]): r for path in (layer, linear) for r in csv.DictReader(open(path))}
        self.assertEqual(len(rows), 8)
        # The six GEMMs of BERT-Base at 1K, batch 64, inside the layer (end_to_end_and_area.md section 1):
        # DRAM bytes exact, energy within 1%; cycles within 0.2% (the output projection waits for
        # attention's O, which the calibration's back-to-back GEMMs do not).
        for design, energy in (("flat", 8.405304e12), ("fusemax", 8.224361e12)):
            lin = rows[("linear", design, "bert")]
            self.assertEqual(int(lin["dram_bytes"]), 1826095104)
            self.assertLess(abs(float(lin["energy_pj"]) - energy) / energy, 1e-2)
            self.assertLess(abs(int(lin["cycles"]) - 7077888) / 7077888, 2e-3)
            self.assertEqual(float(lin["util_1d"]), 0.0)
        # The layer is its attention plus its GEMMs: FLAT's attention is the calibration's 12,582,912.
        flat = rows[("layer", "flat", "bert")]
        attention = int(flat["cycles"]) - int(rows[("linear", "flat", "bert")]["cycles"])
        self.assertLess(abs(attention - 12582912) / 12582912, 1e-3)
        # XLM's FFN weights do not fit: traffic above compulsory, about 2.1x on FuseMax's 16 MiB GLB.
        xlm = rows[("linear", "fusemax", "xlm")]
        m, d, h, s = 65536, 2048, 16 * 128, 8192
        compulsory = 2 * (3 * (m * d + d * h + m * h) + (m * h + h * d + m * d) + (m * d + d * s + m * s) +
                          (m * s + s * d + m * d))
        self.assertAlmostEqual(int(xlm["dram_bytes"]) / compulsory, 2.07, places=2)

        out = os.path.join(self.tmp.name, "figs")
        p = run(PLOT, layer, "--out", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        for name in ["fig10_end_to_end_speedup.png", "fig11_end_to_end_energy.png", "summary_end_to_end.md"]:
            self.assertTrue(os.path.getsize(os.path.join(out, name)) > 0, name)
        self.assertIn("end to end, FuseMax vs FLAT: speedup", p.stdout)
        self.assertIn("| BERT-Base | 1K | 2.19x |", open(os.path.join(out, "summary_end_to_end.md")).read())

    def test_headline_against_published(self):
        """FuseMax vs FLAT over the 24 points: within 0.2x of 6.72x and 0.02 of 0.7875."""
        r = run(SWEEP, "--out", self.csv, "--designs", "flat,binding", "--jobs", "2", "--sim", SIM)
        self.assertEqual(r.returncode, 0, r.stderr)
        line = [x for x in r.stdout.splitlines() if "FuseMax vs FLAT over 24 points" in x]
        self.assertEqual(len(line), 1, r.stdout)
        rows = list(csv.DictReader(open(self.csv)))
        by = {(x["design"], x["model"], x["seq_len"]): x for x in rows}
        pairs = [(by[("binding", m, n)], by[("flat", m, n)]) for (d, m, n) in by if d == "binding"]
        speedup = sum(int(fl["cycles"]) / int(fm["cycles"]) for fm, fl in pairs) / len(pairs)
        energy = sum(float(fm["energy_pj"]) / float(fl["energy_pj"]) for fm, fl in pairs) / len(pairs)
        self.assertLess(abs(speedup - 6.72), 0.2)
        self.assertLess(abs(energy - 0.7875), 0.02)
        self.assertIn(f"speedup {speedup:.2f}x (published 6.72x", line[0])

    def test_array_size_sweep(self):
        """end_to_end_and_area.md section 3: BERT-Base at 256K, batch 64, PE_dim 16 and 64."""
        r = run(SWEEP, "--out", self.csv, "--kernel", "pareto", "--models", "bert", "--pe-dims", "16,64",
                "--jobs", "2", "--sim", SIM)
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = {(int(x["pe_dim"]), x["glb_rule"]): x for x in csv.DictReader(open(self.csv))}
        self.assertEqual(len(rows), 4)
        self.assertTrue(all(float(x["cpu_s"]) > 0 for x in rows.values()))  # every try's process counted
        # The published GLB rule: 16 KiB and P1 2 at PE_dim 16; total areas 0.05441 and 0.78370 cm^2.
        p16, p64 = rows[(16, "published")], rows[(64, "published")]
        self.assertEqual((int(p16["glb_bytes"]), int(p16["p1"])), (16384, 2))
        self.assertEqual(int(p64["glb_bytes"]), 65536)
        self.assertAlmostEqual(float(p16["area_um2"]) / 1e8, 0.05441, places=5)
        self.assertAlmostEqual(float(p64["area_um2"]) / 1e8, 0.78370, places=5)
        # With room to double-buffer K and V (the next GLB size) the simulated latency is the
        # published one: 30266.67 s and 1891.83 s, the 1D array busy throughout.
        c16, c64 = rows[(16, "compute_bound")], rows[(64, "compute_bound")]
        self.assertAlmostEqual(float(c16["latency_s"]), 30266.67, delta=0.01)
        self.assertAlmostEqual(float(c64["latency_s"]), 1891.83, delta=0.01)
        self.assertEqual(int(c16["glb_bytes"]), 32768)
        # At the published GLB there is no room for a second K/V tile: each key row waits for its
        # tile, 11% more at PE_dim 16 (the published latency assumes the load overlaps for free).
        self.assertAlmostEqual(float(p16["latency_s"]) / float(c16["latency_s"]), 1.112, places=3)
        self.assertLess(float(p16["util_1d"]), 0.9)
        out = os.path.join(self.tmp.name, "figs")
        p = run(PLOT, self.csv, "--out", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(os.path.getsize(os.path.join(out, "fig12_area_latency.png")) > 0)

    def test_llm_zoo_and_workload_paths(self):
        """The zoo's decoder models by name and any workload file by path; causal tiles are skipped."""
        path = os.path.join(ROOT, "configs", "workloads", "pythia_14m.yaml")
        r = run(SWEEP, "--out", self.csv, "--designs", "binding", "--models", "llama3_8b,mistral_7b," + path,
                "--seq-lens", "32K", "--batch", "2", "--jobs", "2", "--sim", SIM)
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = {x["model"]: x for x in csv.DictReader(open(self.csv))}
        self.assertEqual(set(rows), {"llama3_8b", "mistral_7b", "pythia_14m"})
        # Mistral = Llama-3-8B with a 4096-key window: at 32K it runs about W / (P / 2) of the tiles.
        ratio = int(rows["mistral_7b"]["tile_steps"]) / int(rows["llama3_8b"]["tile_steps"])
        self.assertLess(ratio, 0.3)
        self.assertGreater(ratio, 0.2)

    def test_bad_arguments(self):
        cases = [(["--designs", "tpu"], "--designs: unknown 'tpu'"),
                 (["--kernel", "conv"], "--kernel: unknown 'conv'"),
                 (["--kernel", "layer", "--designs", "binding"], "--designs: unknown 'binding'"),
                 (["--seq-lens", "0"], "--seq-lens: '0' is not a positive length"),
                 (["--batch", "-1"], "--batch: expected a positive integer"),
                 (["--jobs", "x"], "--jobs: expected a positive integer"),
                 (["--kernel", "pareto", "--pe-dims", "16,x"], "--pe-dims: expected positive integers"),
                 (["--models", "gpt5"], "--models: unknown 'gpt5'"),
                 (["--sim", "/nonexistent"], "--sim: /nonexistent is not an executable")]
        for args, message in cases:
            r = run(SWEEP, "--out", self.csv, *args)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn(message, r.stderr)

    def test_plot_missing_csv(self):
        r = run(PLOT, os.path.join(self.tmp.name, "none.csv"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("no such file", r.stderr)


class Roofline(unittest.TestCase):
    """tools/roofline.py: per-kernel points from the simulations, checked against counts by hand."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.r = run(ROOFLINE, "--out", cls.tmp.name, "--models", "bert,llama3_8b", "--seq-lens", "1K,4K", "--batch", "8",
                    "--oi-models", "llama2_7b,llama3_8b", "--oi-seq-lens", "1K,4K", "--jobs", "2", "--sim", SIM)
        cls.rows = list(csv.DictReader(open(os.path.join(cls.tmp.name, "roofline.csv")))) if cls.r.returncode == 0 else []

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def point(self, design, model, phase, seq, kernel):
        found = [x for x in self.rows if (x["design"], x["model"], x["phase"], x["seq_len"], x["kernel"]) ==
                 (design, model, phase, str(seq), kernel)]
        self.assertEqual(len(found), 1, (design, model, phase, seq, kernel))
        return found[0]

    def test_files(self):
        self.assertEqual(self.r.returncode, 0, self.r.stderr)
        for name in ["roofline.csv", "roofline_bert.png", "roofline_llama3_8b.png", "oi_vs_context.png"]:
            self.assertGreater(os.path.getsize(os.path.join(self.tmp.name, name)), 0, name)

    def test_flat_kernels_by_hand(self):
        """FLAT at BERT 1K, batch 8 x 12 heads: QK and AV do 2 x P x M x 64 MACs a head; QK streams a
        256 x 64 tile of Q and of K per tile op (16 a head), AV one of V and writes O; nothing spills."""
        heads = 8 * 12
        qk, av = self.point("flat", "bert", "prefill", 1024, "QK"), self.point("flat", "bert", "prefill", 1024, "AV")
        self.assertEqual(int(qk["ops_2d"]), heads * 2 * 1024 * 1024 * 64)
        self.assertEqual(int(av["ops_2d"]), heads * 2 * 1024 * 1024 * 64)
        self.assertEqual(int(qk["dram_bytes"]), heads * 16 * 2 * 256 * 64 * 2)
        self.assertEqual(int(av["dram_bytes"]), heads * (16 * 256 * 64 * 2 + 1024 * 64 * 2))
        sm = self.point("flat", "bert", "prefill", 1024, "softmax")
        self.assertEqual(int(sm["dram_bytes"]), 0)
        self.assertEqual(sm["roof"], "1d")

    def test_every_point_under_its_roofs(self):
        self.assertTrue(self.rows)
        for x in self.rows:
            perf, oi = float(x["ops_per_s"]), float(x["oi"])
            self.assertLessEqual(perf, float(x["peak_2d"]) * (1 + 1e-3), x)
            self.assertLessEqual(perf, float(x["dram_bw"]) * oi * 1.001, x)
            self.assertLessEqual(float(x["of_roof"]), 1.001, x)

    def test_bounds_as_architects_expect(self):
        """Prefill attention on FuseMax is compute-bound; a decode step is DRAM-bound, and grouped-query
        attention (4 query heads per K/V head) does about 4x the operations per byte of multi-head."""
        prefill = self.point("fusemax", "llama3_8b", "prefill", 4096, "attention")
        self.assertEqual(prefill["roof"], "2d")
        self.assertGreater(float(prefill["of_roof"]), 0.85)
        gqa = self.point("fusemax", "llama3_8b", "decode", 4096, "attention")
        mha = self.point("fusemax", "llama2_7b", "decode", 4096, "attention")
        for step in (gqa, mha):  # on the DRAM roof
            self.assertEqual(step["roof"], "dram")
            self.assertGreater(float(step["of_roof"]), 0.95)
        self.assertAlmostEqual(float(gqa["oi"]) / float(mha["oi"]), 4.0, delta=0.1)
        self.assertEqual(self.point("fusemax", "llama3_8b", "decode", 4096, "ffn1")["roof"], "dram")

    def test_bad_arguments(self):
        for args, message in [(["--designs", "tpu"], "roofline: --designs: unknown 'tpu'"),
                              (["--phases", "train"], "roofline: --phases: unknown 'train'"),
                              (["--batch", "0"], "roofline: --batch: expected a positive integer")]:
            r = run(ROOFLINE, "--out", self.tmp.name, *args)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn(message, r.stderr)

    def test_layer_shapes_found_once_across_threads(self):
        """Prefill and decode GEMM points of one design and model ask for its layer's shapes from
        several pool threads at once; one run finds them (two runs writing one shapes file once made
        a reader see it empty)."""
        import importlib.machinery
        import importlib.util
        import threading
        import time
        loader = importlib.machinery.SourceFileLoader("roofline_under_test", ROOFLINE)
        roofline = importlib.util.module_from_spec(importlib.util.spec_from_loader("roofline_under_test", loader))
        loader.exec_module(roofline)
        calls = []

        def slow_simulate(sim, args, fast_forward, out):
            calls.append(out)
            time.sleep(0.05)  # long enough for every thread to arrive while the first runs
            return {"kernels": [{"name": "ffn1", "program": "gemm", "gemm": {"k": 4096, "n": 14336}}]}, None

        roofline.sweep.simulate = slow_simulate
        got = []
        threads = [threading.Thread(target=lambda: got.append(roofline.layer_gemms("sim", "fusemax", "llama3_8b", "t")))
                   for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(len(calls), 1, calls)
        self.assertEqual(got, [([("ffn1", 4096, 14336)], None)] * 6)
        roofline.layer_gemms("sim", "flat", "llama3_8b", "t")
        self.assertEqual(len(calls), 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
