#!/usr/bin/python3
"""Writes the inputs and fp64 references of the trace scripts as .npy files.

    tools/make_trace_inputs.py --out DIR [--batch 1] [--heads 1] [--seq 256] [--head-dim 64] [--seed 1]

Files: DIR/q.npy, k.npy, v.npy (float32, uniform in [-1, 1)), o_ref.npy (float32 of the fp64
softmax(Q K^T) V) for attention.trace; a.npy [300, 200], w1.npy [200, 100], w2.npy [100, 50],
z1_ref.npy = A W1 and z2_ref.npy = Z1 W2 (as [1, 1, rows, cols]) for gemm_queue.trace. Needs
Debian's python3-numpy.
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
    mats = {name: rng.uniform(-1, 1, (1, 1) + dims).astype(np.float32)
            for name, dims in (("a", (300, 200)), ("w1", (200, 100)), ("w2", (100, 50)))}
    z1 = (mats["a"][0, 0].astype(np.float64) @ mats["w1"][0, 0]).astype(np.float32)
    z2 = z1.astype(np.float64) @ mats["w2"][0, 0]
    for name, arr in list(mats.items()) + [("z1_ref", z1[None, None]), ("z2_ref", z2.astype(np.float32)[None, None])]:
        np.save(os.path.join(a.out, name + ".npy"), arr)
    print(f"make_trace_inputs: wrote q, k, v, o_ref {shape} and a, w1, w2, z1_ref, z2_ref to {a.out}")


if __name__ == "__main__":
    main()
