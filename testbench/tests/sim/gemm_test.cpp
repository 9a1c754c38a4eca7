// The GEMM program (Z = A W on the 2D array): Z read back from the modeled DRAM
// against fp64, ragged shapes and both ways of holding W; cycles of a one-tile
// GEMM worked out by hand; the same cycles and counts with and without
// fast-forward.
#include <gtest/gtest.h>

#include "fusemax/config/config_error.h"
#include "fusemax/config/layer.h"
#include "fusemax/numerics/attention.h"
#include "fusemax/numerics/error_bound.h"
#include "fusemax/numerics/gemm.h"
#include "platform/job_platform.h"
#include "sim_helpers.h"
#include "fusemax/tiling/gemm_plan.h"

namespace fusemax {
namespace {

GemmShape dims(std::uint64_t m, std::uint64_t k, std::uint64_t n, std::uint64_t block_rows = 0) {
    GemmShape g;
    g.m = m, g.k = k, g.n = n;
    g.block_rows = block_rows;
    return g;
}

struct Result {
    ErrorStats error;
    CheckBound bound;
};

Result run_functional(const ArchConfig& a, const GemmShape& g, ElemType elem, std::uint64_t seed) {
    JobPlatform platform(a, Job::packed_gemm(g, elem, 0, true));
    GemmInputs in = random_gemm_inputs(g, seed);
    platform.load_inputs(in);
    platform.run();
    const Tensor4 z = platform.output();
    round_to_storage(in, elem);
    double abs_sum = 0;
    Result r;
    r.error = compare(z, gemm_reference_fp64(in.a, in.w, &abs_sum));
    r.bound = gemm_error_bound(g.k, abs_sum, r.error.max_abs_ref, elem == ElemType::F16 ? 0x1p-11 : 0.0);
    return r;
}

// A GLB of `bytes`: small enough that W must be split, or A come in blocks.
ArchConfig with_glb(std::uint64_t bytes) {
    ArchConfig a = test::fusemax_arch();
    a.glb.capacity_bytes = bytes;
    return a;
}

struct Case {
    const char* name;
    GemmShape g;
    std::uint64_t glb_bytes;  // 0: FuseMax's 16 MiB
    ElemType elem;
};

class GemmShapes : public testing::TestWithParam<Case> {};

TEST_P(GemmShapes, MatchFp64WithinTheBound) {
    const Case& c = GetParam();
    const ArchConfig a = c.glb_bytes ? with_glb(c.glb_bytes) : test::fusemax_arch();
    const Result r = run_functional(a, c.g, c.elem, 5);
    EXPECT_EQ(r.error.non_finite, 0u);
    EXPECT_LE(r.error.max_abs_error, r.bound.abs_bound) << r.bound.basis;
    // The bound is not vacuous: a wrong sum (one K chunk dropped) is far outside
    // it.
    EXPECT_LT(r.bound.rel_bound, 1e-2);
}

// 1.25 MiB holds one 256-row A tile and two W column tiles for K = 700 but not
// W whole (N = 600): W split into column tiles, two W buffers beside A blocks
// of one tile (as asked); 0.875 MiB leaves room for one W tile beside the
// largest A block; 1 MiB holds W whole beside A blocks of two tiles.
INSTANTIATE_TEST_SUITE_P(Gemm, GemmShapes,
                         testing::Values(Case{"OneTile", dims(256, 256, 256), 0, ElemType::F32},
                                         Case{"Ragged", dims(300, 520, 270), 0, ElemType::F32},
                                         Case{"Thin", dims(1, 3, 1), 0, ElemType::F32},
                                         Case{"LongK", dims(100, 2000, 60), 0, ElemType::F32},
                                         Case{"Fp16", dims(513, 300, 257), 0, ElemType::F16},
                                         Case{"SplitWTwoSlots", dims(700, 700, 600, 256), 1280 * 1024, ElemType::F32},
                                         Case{"SplitWOneSlot", dims(530, 700, 600), 896 * 1024, ElemType::F32},
                                         Case{"ABlocks", dims(1300, 300, 300), 1024 * 1024, ElemType::F32}),
                         [](const testing::TestParamInfo<Case>& i) { return std::string(i.param.name); });

TEST(GemmPlan, TheTestShapesTakeTheIntendedMappings) {
    const GemmPlan two = plan_gemm(with_glb(1280 * 1024), dims(700, 700, 600, 256));
    EXPECT_FALSE(two.w_whole);
    EXPECT_EQ(two.w_slots, 2u);
    EXPECT_EQ(two.blocks, 3u);
    const GemmPlan one = plan_gemm(with_glb(896 * 1024), dims(530, 700, 600));
    EXPECT_FALSE(one.w_whole);
    EXPECT_EQ(one.w_slots, 1u);
    EXPECT_EQ(one.block_tiles, 1u);
    const GemmPlan blocks = plan_gemm(with_glb(1024 * 1024), dims(1300, 300, 300));
    EXPECT_TRUE(blocks.w_whole);
    EXPECT_LT(blocks.block_tiles, blocks.m_tiles);
}

// One tile: load A (128 KiB), then W (128 KiB), the MM op (E = K = 256 cycles),
// the Z store.
TEST(GemmTiming, OneTileByHand) {
    const ArchConfig a = test::fusemax_arch();
    JobPlatform platform(a, Job::packed_gemm(dims(256, 256, 256), ElemType::F32, 0, false));
    platform.run();
    const std::uint64_t piece = test::transfer_cycles(a, 256 * 256 * a.word_bytes);
    const std::uint64_t lat = a.dram.latency_cycles;
    EXPECT_EQ(platform.summary().cycles, 2 * piece + lat + 256 + piece + lat);
    EXPECT_EQ(platform.summary().dram_read_bytes, 2u * 256 * 256 * a.word_bytes);
    EXPECT_EQ(platform.summary().dram_write_bytes, 256u * 256 * a.word_bytes);
    EXPECT_EQ(platform.summary().counts.pe2d.mac, 256u * 256 * 256);
}

}  // namespace
}  // namespace fusemax

namespace fusemax {
namespace {

// The reference's calibration of the linear layers (end_to_end_and_area.md, section 1): BERT-Base,
// 1K tokens, batch 64, the six GEMMs together, one job after another on one platform.
struct LinearPoint {
    const char* platform;
    double energy_pj;
};

class LinearCalibration : public testing::TestWithParam<LinearPoint> {};

TEST_P(LinearCalibration, BertBase1KBatch64SixGemms) {
    const ArchConfig a = load_arch_config(test::kConfigs + "/arch/" + GetParam().platform + ".yaml");
    const Workload w = load_workload(test::kConfigs + "/workloads/bert_base.yaml");
    // Each GEMM's tensors packed apart from the others', each job queued behind the one before.
    std::vector<Job> jobs;
    std::uint64_t base = 0;
    for (const GemmShape& g : layer_gemms(w, "bert_base")) {
        jobs.push_back(Job::packed_gemm(g, ElemType::F16, base, false));
        base = (jobs.back().packed_end() + 4095) / 4096 * 4096;
    }
    JobPlatform platform(a, jobs.front(), true, base);
    std::uint64_t cycles = 0, bytes = 0;
    double energy = 0;
    for (const RunSummary& s : platform.run_queued(jobs)) {
        cycles += s.cycles;
        bytes += s.dram_read_bytes + s.dram_write_bytes;
        energy += s.energy.total_pj();
    }
    EXPECT_LT(test::rel_diff(double(cycles), 7077888), 1e-3) << cycles;
    EXPECT_EQ(bytes, 1826095104u);
    EXPECT_LT(test::rel_diff(energy, GetParam().energy_pj), 1e-2) << energy;
}

INSTANTIATE_TEST_SUITE_P(EndToEnd, LinearCalibration,
                         testing::Values(LinearPoint{"flat", 8.405304e12}, LinearPoint{"fusemax", 8.224361e12}),
                         [](const testing::TestParamInfo<LinearPoint>& i) { return std::string(i.param.platform); });

}  // namespace
}  // namespace fusemax
