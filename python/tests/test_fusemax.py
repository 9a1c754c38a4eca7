"""The fusemax Python module as a notebook user calls it (run by ctest as python.module)."""
import threading

import numpy as np
import pytest

import fusemax


def attention64(q, k, v):
    s = q.astype(np.float64) @ k.astype(np.float64).transpose(0, 1, 3, 2)
    p = np.exp(s - s.max(-1, keepdims=True))
    return (p / p.sum(-1, keepdims=True)) @ v.astype(np.float64)


def test_functional_run_on_arrays_matches_fp64():
    rng = np.random.default_rng(7)
    q = rng.uniform(-1, 1, (2, 3, 100, 16)).astype(np.float32)
    k = rng.uniform(-1, 1, (2, 3, 290, 16)).astype(np.float32)
    v = rng.uniform(-1, 1, (2, 3, 290, 24)).astype(np.float32)
    r = fusemax.run(q=q, k=k, v=v)
    assert r.o.shape == (2, 3, 100, 24) and r.o.dtype == np.float32
    ref = attention64(q, k, v)
    assert np.abs(r.o - ref).max() <= 1e-5 * np.abs(ref).max()
    # The shape came from the arrays; the model checked O itself and counted every byte once.
    w = r.stats["workload"]
    assert (w["batch"], w["heads"], w["seq_q"], w["seq_kv"], w["head_dim"], w["v_dim"]) == (2, 3, 100, 290, 16, 24)
    assert r.stats["check"]["passed"]
    assert r.stats["dram_read_bytes"] == 2 * 3 * (100 * 16 + 290 * 16 + 290 * 24) * 2


def test_dicts_and_flags_as_the_cli_takes_them():
    r = fusemax.run(workload={"batch": 1, "heads": 2, "seq_len": 512, "head_dim": 32}, mode="timing")
    assert r.o is None
    assert r.stats["tile_steps"] == 2 * 2 * 2  # (512 / 256)^2 per head
    small = fusemax.run(arch={"glb": {"capacity_bytes": 2 << 20}, "tiling": {"p1": 2}}, seq=2048, mode="timing")
    assert small.stats["tiling"]["p1"] == 2
    causal = fusemax.run(seq=2048, causal=True, mode="timing")
    assert causal.stats["tile_steps"] == 12 * (8 * 9 // 2)  # T(T+1)/2 per head, 12 heads
    assert fusemax.run(gemm="300,200,100", seed=2).o.shape == (300, 100)


def test_timing_matches_the_command_line():
    # The same job through the module and through fusemax-sim's statistics: identical cycles.
    a = fusemax.run(seq=4096, batch=2, mode="timing")
    b = fusemax.run(seq=4096, batch=2, mode="timing", fast_forward=False)
    assert a.stats["cycles"] == b.stats["cycles"]
    assert a.stats["energy_pj"] == b.stats["energy_pj"]


def test_errors_are_exceptions_with_the_one_line_message():
    with pytest.raises(fusemax.Error, match=r"^fusemax: --seq: expected a positive length such as 4096, 16K or 1M, got '0'$"):
        fusemax.run(seq=0)
    with pytest.raises(fusemax.Error, match=r"key 'pe2d.rows'"):
        fusemax.run(arch={"pe2d": {"rows": 0}})
    with pytest.raises(fusemax.Error, match="unknown key"):
        fusemax.run(workload={"batch": 1, "heads": 1, "seq_len": 64, "head_dim": 8, "colour": "blue"})
    # A broken datapath fails the fp64 check: the exception carries the statistics.
    with pytest.raises(fusemax.Error, match="numerical check failed") as e:
        fusemax.run(seq=512, inject_fault="rescale")
    assert e.value.stats["check"]["passed"] is False


def test_many_jobs_from_threads():
    # Each job forks its own simulation: threads run them side by side, results in order.
    jobs = [dict(seq=s, mode="timing") for s in (512, 1024, 2048, 4096)]
    results = fusemax.run_many(jobs, workers=2, progress=False)
    assert [r.stats["workload"]["seq_q"] for r in results] == [512, 1024, 2048, 4096]
    assert results[1].stats["cycles"] == 30055  # the default job's calibration (README)
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(fusemax.run(seq=256, seed=9).stats["cycles"])) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 3 and len(set(seen)) == 1


def test_sweep_and_explore_as_dataframes():
    df = fusemax.sweep(designs=["flat", "binding"], models=["bert"], seq_lens=["1K"])
    assert list(df["design"]) == ["flat", "binding"]
    assert {"cycles", "latency_s", "energy_pj", "area_um2", "dram_bytes"} <= set(df.columns)
    assert df.set_index("design").loc["binding", "cycles"] == 1892839  # BERT 1K batch 64 (README)
    points = fusemax.explore(seq=1024, batch=2, space={"mapping": {"p1": ["auto", 1, 2]}})
    s = points.attrs["summary"]
    assert s["counts"]["enumerated"] == 3 and len(points) == 4
    assert points.loc[points["point"] == 0, "cycles"].item() == s["default"]["cycles"]
    with pytest.raises(fusemax.Error, match="--objective"):
        fusemax.explore(seq=1024, objective="speed")


def _names(pattern):
    """A catalog path with {a,b} alternatives as the names it stands for."""
    if "{" not in pattern:
        return [pattern]
    head, rest = pattern.split("{", 1)
    alts, tail = rest.split("}", 1)
    return [n for a in alts.split(",") for n in _names(head + a + tail)]


def test_every_column_and_statistic_is_described_with_a_unit():
    cat = fusemax.describe_stats()
    assert list(cat.columns) == ["path", "unit", "scope", "description"]
    assert cat.set_index("path").loc["latency_s", "unit"] == "s"
    top = {n for p in cat[cat.scope == "stats"].path for n in _names(p) if "." not in n and "[" not in n}
    for scope, frame in (("sweep", fusemax.sweep(designs=["binding"], models=["bert"], seq_lens=["1K"])),
                         ("explore", fusemax.explore(seq=1024, batch=2, space={"mapping": {"p1": ["auto", 2]}}))):
        own = {n for p in cat[cat.scope == scope].path for n in _names(p)}
        missing = set(frame.columns) - top - own
        assert not missing, f"{scope} columns without a description: {sorted(missing)}"
    stats = fusemax.run(seq=512, heads=2, mode="timing").stats
    assert set(stats) - top - {"host"} <= {n.split(".")[0].split("[")[0] for p in cat.path for n in _names(p)}
    assert set(stats["host"]) == {"wall_s", "cpu_s"}
