// Cycles against the reference's calibration points (sections 4 and 8).
#include <gtest/gtest.h>

#include "platform/job_platform.h"
#include "fusemax/reference/closed_form.h"
#include "sim_helpers.h"

namespace fusemax {
namespace {

using test::shape;

RunSummary run_timing(const ArchConfig& a, const Workload& w) {
    JobPlatform platform(a, w, ElemType::F32, false);
    platform.run();
    return platform.summary();
}

// B = H = 1, E = F = 64, 1K tokens: the reference's sum is 2464; the simulated pipeline also pays
// its fill once (the first QK + LM with the 1D array idle, E + 1 = 65): 2529. Around it, the
// DRAM prologue and epilogue, by hand. Q comes a 256-query tile at a time, the first tile first:
// Q0, K0, V0, then Q1..Q3, 72 cycles each (32 KiB at 456.9 B/cycle), data 100 cycles after its
// last burst. The first step starts when Q0 and K0 are in (100 + 72 + 72 = 244); the second would
// start 138 cycles later (382), but Q1 arrives at 100 + 4 x 72 = 388: 6 cycles of stall, once.
TEST(Calibration, SingleHeadBert1KIsSumPlusFill) {
    const ArchConfig a = test::fusemax_arch();
    const Workload w = shape(1, 1, 1024, 1024, 64, 64);
    const RunSummary s = run_timing(a, w);
    const ClosedForm c = fusemax_closed_form(w, a.glb.capacity_bytes);
    ASSERT_EQ(c.summed_cycles, 2464u);
    const std::uint64_t tile = test::transfer_cycles(a, 256 * 64 * 2);
    ASSERT_EQ(tile, 72u);
    const std::uint64_t prologue = a.dram.latency_cycles + 2 * tile;  // Q0, K0
    const std::uint64_t q1_stall = (a.dram.latency_cycles + 4 * tile) - (prologue + 138);
    const std::uint64_t epilogue = tile + a.dram.latency_cycles;  // the last O tile
    EXPECT_EQ(prologue, 244u);
    EXPECT_EQ(q1_stall, 6u);
    EXPECT_EQ(s.compute_start, prologue);
    EXPECT_EQ(s.compute_cycles, c.summed_cycles + c.fill_cycles + q1_stall);
    EXPECT_EQ(s.cycles, prologue + 2529 + q1_stall + epilogue);
    // After the fill the 1D array never idles but for the stall: the rest is 1D busy time.
    EXPECT_EQ(s.pe1d_busy, 16u * 138 + 4 * 64);
    EXPECT_EQ(s.pe2d_busy, 16u * 137);
}

// Adding key tiles adds exactly 138 cycles per tile step: K and V stream behind the computation
// (P = 1024, M = 2048 takes 16 x 138 = 2208 cycles more than P = M = 1024).
TEST(Calibration, SteadyStateIs138CyclesPerTileStep) {
    const ArchConfig a = test::fusemax_arch();
    const RunSummary s = run_timing(a, shape(1, 1, 1024, 2048, 64, 64));
    EXPECT_EQ(s.tile_steps, 32u);
    EXPECT_EQ(s.compute_cycles, 2535u + 16 * 138);
    EXPECT_EQ(s.compute_start, 244u);
    EXPECT_EQ(s.cycles, 244u + 2535 + 16 * 138 + 172);
}

// BERT-Base, 1K tokens, batch 64 (reference section 8): 1,892,352 cycles, 1.950645e12 pJ,
// 2D utilization 0.8896, 1D 1.0, 402,653,184 DRAM bytes.
TEST(Calibration, BertBase1KBatch64) {
    const ArchConfig a = test::fusemax_arch();
    const RunSummary s = run_timing(a, shape(64, 12, 1024, 1024, 64, 64));
    // The published sum, the fill and the second Q tile's 6-cycle stall at the job's start.
    EXPECT_EQ(s.compute_cycles, 1892352u + 65 + 6);
    EXPECT_LT(test::rel_diff(double(s.cycles), 1892352.0), 1e-3);
    EXPECT_LT(test::rel_diff(s.energy.total_pj(), 1.950645e12), 1e-2);
    EXPECT_NEAR(s.util_2d, 0.8896, 1e-3);
    EXPECT_NEAR(s.util_1d, 1.0, 1e-3);
    EXPECT_EQ(s.dram_read_bytes + s.dram_write_bytes, 402653184u);
    EXPECT_NEAR(s.seconds, 0.0020131, 0.0020131 * 1e-3);
}

// T5-small at 4K tokens, +Binding: 18,612,224 cycles, 2.059835e13 pJ, 2D utilization 0.9648.
TEST(Calibration, T5Small4KBatch64) {
    const ArchConfig a = test::fusemax_arch();
    const RunSummary s = run_timing(a, shape(64, 8, 4096, 4096, 64, 64));
    EXPECT_EQ(s.compute_cycles, 18612224u + 65 + 6);
    EXPECT_LT(test::rel_diff(double(s.cycles), 18612224.0), 1e-3);
    EXPECT_LT(test::rel_diff(s.energy.total_pj(), 2.059835e13), 1e-2);
    EXPECT_NEAR(s.util_2d, 0.9648, 1e-3);
}

}  // namespace
}  // namespace fusemax
