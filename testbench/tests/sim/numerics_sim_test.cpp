// O computed by the SystemC model from Q, K, V it read out of the modeled DRAM, against fp64.
#include <gtest/gtest.h>

#include <algorithm>

#include "fusemax/numerics/attention.h"
#include "platform/job_platform.h"
#include "sim_helpers.h"

namespace fusemax {
namespace {

using test::shape;

struct Case {
    const char* name;
    Workload w;
};

ErrorStats simulate_and_compare(const ArchConfig& a, const Workload& w, AttentionInputs in, ElemType elem,
                                Tensor4* out = nullptr) {
    JobPlatform platform(a, w, elem, true);
    platform.load_inputs(in);
    platform.run();
    const Tensor4 o = platform.output();
    if (out) *out = o;
    round_to_storage(in, elem);
    return compare(o, attention_reference_fp64(in.q, in.k, in.v, w.scale));
}

TEST(Numerics, NotebookExample) {
    const ArchConfig a = load_arch_config(test::kConfigs + "/arch/notebook.yaml");
    const Workload w = load_workload(test::kConfigs + "/workloads/notebook.yaml");
    const AttentionInputs in = random_inputs(w, 9);
    Tensor4 o;
    const ErrorStats e = simulate_and_compare(a, w, in, ElemType::F32, &o);
    EXPECT_LT(e.max_rel_error, 1e-5);
    EXPECT_EQ(e.non_finite, 0u);
    // The plain-C++ cascade with the same tiles agrees too.
    const Tensor4 plain = attention_one_pass_fp32(in.q, in.k, in.v, 1.0f, 2, 2);
    for (std::size_t i = 0; i < o.size(); ++i) EXPECT_NEAR(o.data[i], plain.data[i], 1e-6);
}

class RandomShapes : public testing::TestWithParam<Case> {};

TEST_P(RandomShapes, MatchFp64) {
    const Workload w = GetParam().w;
    const ErrorStats e = simulate_and_compare(test::fusemax_arch(), w, random_inputs(w, 17), ElemType::F32);
    EXPECT_LT(e.max_rel_error, 1e-5);
    EXPECT_EQ(e.non_finite, 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, RandomShapes,
    testing::Values(Case{"Bert1K", shape(1, 1, 1024, 1024, 64, 64)},
                    Case{"RaggedBatchAndHeads", shape(2, 3, 300, 700, 48, 80)},
                    Case{"MoreQueriesThanKeys", shape(1, 2, 1000, 257, 64, 32)},
                    Case{"FewQueriesManyKeys", shape(3, 1, 17, 1023, 16, 128)},
                    Case{"TwoQueryBlocks", shape(1, 1, 768, 512, 128, 64)}),
    [](const testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

// Any single-result op may be routed through the GLB (written there, read back by a consumer)
// instead of forwarded register to register; the values must arrive intact whatever their shape:
// a score tile (QK), one value per query (SLD, PRM) or F values per query (SLNV).
struct Route {
    const char* name;
    Op producer;
    std::vector<Op> consumers;
};

class RoutedThroughGlb : public testing::TestWithParam<Route> {};

TEST_P(RoutedThroughGlb, ValuesArriveIntact) {
    ArchConfig a = test::fusemax_arch();
    const Route& r = GetParam();
    for (auto* list : {&a.schedule.ops, &a.schedule.step_ops})
        for (OpBinding& b : *list) {
            if (b.op == r.producer) b.glb_write = true;
            if (std::find(r.consumers.begin(), r.consumers.end(), b.op) != r.consumers.end()) b.glb_reads = {r.producer};
        }
    const Workload w = shape(2, 1, 300, 700, 48, 80);
    JobPlatform platform(a, w, ElemType::F32, true);
    AttentionInputs in = random_inputs(w, 23);
    platform.load_inputs(in);
    platform.run();
    EXPECT_LT(compare(platform.output(), attention_reference_fp64(in.q, in.k, in.v, 1.0)).max_rel_error, 1e-5);
    // Each tile step writes the result once and each consumer reads it once.
    const Tiling& t = platform.top().scheduler().tiling();
    std::uint64_t words = 0;
    for (std::uint64_t m1 = 0; m1 < t.m1; ++m1)
        words += op_result_words(r.producer, t.keys_in(m1), t.p0, w.v_dim) * t.query_tiles;
    words *= w.pairs();
    const GlobalBufferStats& g = platform.top().glb().stats();
    EXPECT_GE(g.words_written, words);
    EXPECT_GE(g.words_read, words * r.consumers.size());
}

INSTANTIATE_TEST_SUITE_P(Ops, RoutedThroughGlb,
                         testing::Values(Route{"QK", Op::QK, {Op::LM, Op::SLN}}, Route{"SLD", Op::SLD, {Op::RD}},
                                         Route{"PRM", Op::PRM, {Op::SPD, Op::SPNV}},
                                         Route{"SLNV", Op::SLNV, {Op::RNV}}),
                         [](const testing::TestParamInfo<Route>& info) { return std::string(info.param.name); });

TEST(Numerics, ScaleIsFoldedIntoQ) {
    Workload w = shape(1, 2, 256, 512, 64, 64);
    w.scale = 0.125;
    const ErrorStats e = simulate_and_compare(test::fusemax_arch(), w, random_inputs(w, 4), ElemType::F32);
    EXPECT_LT(e.max_rel_error, 1e-5);
}

TEST(Numerics, LogitsOfMagnitude1e4StayFinite) {
    // Scores reach about 1e4: exp(s - running max) never overflows and PRM never sees inf - inf.
    Workload w = shape(1, 2, 300, 600, 16, 16);
    w.scale = 2000;
    AttentionInputs in = random_inputs(w, 23);
    Tensor4 o;
    const ErrorStats e = simulate_and_compare(test::fusemax_arch(), w, in, ElemType::F32, &o);
    EXPECT_EQ(e.non_finite, 0u);
    double largest = 0;  // the test only means something if the logits are that large
    for (std::uint64_t h = 0; h < 2; ++h)
        for (std::uint64_t p = 0; p < 300; ++p)
            for (std::uint64_t m = 0; m < 600; ++m) {
                double dot = 0;
                for (std::uint64_t e = 0; e < 16; ++e)
                    dot += double(in.q.matrix(0, h)[p * 16 + e]) * in.k.matrix(0, h)[m * 16 + e];
                largest = std::max(largest, std::abs(dot * w.scale));
            }
    EXPECT_GT(largest, 1e4);
    EXPECT_LT(e.max_rel_error, 1e-2);
    for (float x : o.data) ASSERT_TRUE(std::isfinite(x));
}

TEST(Numerics, Fp16Storage) {
    const Workload w = shape(1, 1, 512, 512, 64, 64);
    const ErrorStats e = simulate_and_compare(test::fusemax_arch(), w, random_inputs(w, 8), ElemType::F16);
    EXPECT_LT(e.max_rel_error, 1e-3);  // O is rounded to fp16 on its way out
    EXPECT_GT(e.max_rel_error, 0.0);
}

}  // namespace
}  // namespace fusemax
