#!/usr/bin/python3
"""Writes the seed corpora of the fuzz harnesses (testbench/fuzz/corpus/<harness>/).

    tools/make_fuzz_seeds.py [--out DIR]

Seeds are small valid inputs the fuzzers mutate from: .npy files of both dtypes and header
versions, the shipped configurations (prefixed with the byte that selects their kind), the committed
trace scripts, and register sequences that program and start jobs. Standard library only.
"""
import argparse
import os
import shutil
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def npy(descr, shape, payload, version=1, order="False"):
    header = "{'descr': '%s', 'fortran_order': %s, 'shape': (%s), }" % (
        descr, order, ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else ""))
    prefix = 10 if version == 1 else 12
    header += " " * ((64 - (prefix + len(header) + 1) % 64) % 64) + "\n"
    length = struct.pack("<H", len(header)) if version == 1 else struct.pack("<I", len(header))
    return b"\x93NUMPY" + bytes([version, 0]) + length + header.encode() + payload


def write(folder, name, data):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def npy_seeds(out):
    d = os.path.join(out, "npy_fuzz")
    write(d, "f32.npy", npy("<f4", (1, 1, 2, 2), struct.pack("<4f", 1, -2, 0.5, 3)))
    write(d, "f16.npy", npy("<f2", (1, 2, 3, 4), b"\x00\x3c" * 24))
    write(d, "v2.npy", npy("<f4", (1, 1, 1, 3), struct.pack("<3f", 1, 2, 3), version=2))
    write(d, "rank2.npy", npy("<f4", (2, 2), struct.pack("<4f", 1, 2, 3, 4)))
    write(d, "fortran.npy", npy("<f4", (1, 1, 2, 2), struct.pack("<4f", 1, 2, 3, 4), order="True"))
    write(d, "nan.npy", npy("<f4", (1, 1, 1, 2), struct.pack("<2f", float("nan"), float("inf"))))


def config_seeds(out):
    d = os.path.join(out, "config_fuzz")
    configs = os.path.join(ROOT, "configs")
    kinds = [(0, "arch", ".yaml"), (1, "workloads", ".yaml"), (2, "energy", ".yaml"), (3, "flat", ".csv")]
    for byte, folder, ext in kinds:
        for name in sorted(os.listdir(os.path.join(configs, folder))):
            if name.endswith(ext):
                with open(os.path.join(configs, folder, name), "rb") as f:
                    write(d, "%d_%s" % (byte, name), bytes([byte]) + f.read())


def trace_seeds(out):
    d = os.path.join(out, "trace_fuzz")
    traces = os.path.join(ROOT, "testbench", "traces")
    for name in sorted(os.listdir(traces)):
        os.makedirs(d, exist_ok=True)
        shutil.copyfile(os.path.join(traces, name), os.path.join(d, name))


# registers_fuzz reads 8-byte operations: kind, offset (2 bytes, little-endian), value (4), extra.
WRITE, READ, START, RUN = 0, 2, 5, 6
REGS = {"MODE": 0x18, "BATCH": 0x20, "HEADS": 0x24, "SEQ_Q": 0x28, "SEQ_KV": 0x2C, "HEAD_DIM": 0x30,
        "V_DIM": 0x34, "STATUS": 0x0C, "IRQ_ENABLE": 0x10, "O_ADDR_HI": 0xA4, "Q_ROW_STRIDE_LO": 0x58}


def op(kind, offset=0, value=0, extra=0):
    return struct.pack("<BHIB", kind, offset, value & 0xFFFFFFFF, extra)


def register_seeds(out):
    d = os.path.join(out, "registers_fuzz")
    timing = b"".join([op(WRITE, REGS["MODE"], 1), op(WRITE, REGS["SEQ_Q"], 512), op(WRITE, REGS["SEQ_KV"], 300),
                       op(WRITE, REGS["IRQ_ENABLE"], 3), op(START), op(RUN, extra=20), op(READ, REGS["STATUS"])])
    functional = b"".join([op(WRITE, REGS["HEADS"], 2), op(WRITE, REGS["Q_ROW_STRIDE_LO"], 256), op(START),
                           op(RUN, extra=50), op(READ, REGS["STATUS"])])
    wrap = b"".join([op(WRITE, REGS["O_ADDR_HI"], 0xFFFFFFFF), op(START), op(RUN, extra=5), op(READ, REGS["STATUS"])])
    odd = b"".join([op(3, 0x22, 7, 0x83), op(3, 0x0C, 0, 0x20), op(4, 0x00, 0), op(4, 0x20, 0), op(START),
                    op(START), op(RUN, extra=1)])
    for name, data in [("timing_job", timing), ("functional_job", functional), ("wrapping_o", wrap), ("odd", odd)]:
        write(d, name, data)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(ROOT, "testbench", "fuzz", "corpus"))
    out = parser.parse_args().out
    for seeds in (npy_seeds, config_seeds, trace_seeds, register_seeds):
        seeds(out)
    print("make_fuzz_seeds: wrote", out)


if __name__ == "__main__":
    main()
