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
        for col in ["design", "model", "seq_len", "batch", "heads", "cycles", "latency_s", "energy_pj",
                    "traffic_bytes", "util_2d", "util_1d", "util_2d_QK", "util_2d_SLNV"]:
            self.assertIn(col, rows[0])
        point = {(r["design"], r["seq_len"]): r for r in rows}
        fm = point[("binding", "1024")]
        self.assertEqual(int(fm["batch"]), 64)
        self.assertLess(abs(int(fm["cycles"]) - 1892352) / 1892352, 1e-3)  # reference section 8
        self.assertEqual(int(fm["traffic_bytes"]), 402653184)
        self.assertLess(abs(int(point[("flat", "1024")]["cycles"]) - 12582912) / 12582912, 1e-3)
        # Per-op 2D utilization adds up to the array's utilization.
        ops = sum(float(fm[f"util_2d_{op}"]) for op in ["QK", "LM", "SLN", "SLD", "SLNV", "AVM"])
        self.assertAlmostEqual(ops, float(fm["util_2d"]), places=9)

        out = os.path.join(self.tmp.name, "figs")
        p = run(PLOT, self.csv, "--out", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        for name in ["fig6a_util_1d.png", "fig6b_util_2d.png", "fig7_bert_2d_ops.png", "summary.md"]:
            self.assertTrue(os.path.getsize(os.path.join(out, name)) > 0, name)
        summary = open(os.path.join(out, "summary.md")).read()
        self.assertIn("geometric mean", summary)
        self.assertIn("| BERT-Base | 1K | 6.6", summary)  # 12,584,216 / 1,893,048

    def test_bad_arguments(self):
        cases = [(["--designs", "tpu"], "--designs: unknown 'tpu'"),
                 (["--seq-lens", "0"], "--seq-lens: '0' is not a positive length"),
                 (["--batch", "-1"], "--batch: expected a positive integer"),
                 (["--jobs", "x"], "--jobs: expected a positive integer"),
                 (["--sim", "/nonexistent"], "--sim: /nonexistent is not an executable")]
        for args, message in cases:
            r = run(SWEEP, "--out", self.csv, *args)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn(message, r.stderr)

    def test_plot_missing_csv(self):
        r = run(PLOT, os.path.join(self.tmp.name, "none.csv"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("no such file", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
