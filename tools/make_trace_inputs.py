#!/usr/bin/python3
"""Writes Q, K, V and the fp64 reference O as .npy files for trace scripts.

    tools/make_trace_inputs.py --out DIR [--batch 1] [--heads 1] [--seq 256] [--head-dim 64] [--seed 1]

Files: DIR/q.npy, k.npy, v.npy (float32, uniform in [-1, 1)), o_ref.npy (float32 of the fp64
softmax(Q K^T) V). Needs Debian's python3-numpy.
"""
import argparse
import os
import sys

try:
    import numpy as np
except ImportError:
    sys.exit("make_trace_inputs: numpy missing; run with /usr/bin/python3 (apt-get install python3-numpy)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    for flag, default in (("--batch", 1), ("--heads", 1), ("--seq", 256), ("--head-dim", 64), ("--seed", 1)):
        ap.add_argument(flag, type=int, default=default)
    a = ap.parse_args()
    if min(a.batch, a.heads, a.seq, a.head_dim) <= 0:
        sys.exit("make_trace_inputs: sizes must be positive")
    os.makedirs(a.out, exist_ok=True)
    rng = np.random.default_rng(a.seed)
    shape = (a.batch, a.heads, a.seq, a.head_dim)
    q, k, v = (rng.uniform(-1, 1, shape).astype(np.float32) for _ in range(3))
    s = np.einsum("bhpe,bhme->bhpm", q.astype(np.float64), k.astype(np.float64))
    w = np.exp(s - s.max(axis=-1, keepdims=True))
    o = np.einsum("bhpm,bhmf->bhpf", w / w.sum(axis=-1, keepdims=True), v.astype(np.float64))
    for name, arr in (("q", q), ("k", k), ("v", v), ("o_ref", o.astype(np.float32))):
        np.save(os.path.join(a.out, name + ".npy"), arr)
    print(f"make_trace_inputs: wrote q, k, v, o_ref {shape} to {a.out}")


if __name__ == "__main__":
    main()
