// Causal and sliding-window attention on FuseMax: key tiles no query of a query tile sees are
// skipped (no ops, no loads), the others run with the masked scores out of the softmax. Counts
// worked out by hand; numerics against the fp64 reference with the same mask.
#include <gtest/gtest.h>

#include "fusemax/numerics/attention.h"
#include "platform/job_platform.h"
#include "fusemax/scheduler/flat_program.h"
#include "sim_helpers.h"

namespace fusemax {
namespace {

Workload masked(std::uint64_t b, std::uint64_t h, std::uint64_t p, std::uint64_t m, std::uint64_t e,
                std::uint64_t f, std::uint64_t window) {
    Workload w = test::shape(b, h, p, m, e, f);
    w.causal = true;
    w.window = window;
    return w;
}

struct CausalPoint {
    std::uint64_t seq, blocks_per_head;
};

class CausalPrefill : public testing::TestWithParam<CausalPoint> {};

// BERT-Base-shaped causal prefill (batch 8, 12 heads, E = F = 64, P = M), T = P / 256 query and key
// tiles per head: query tile t sees key tiles 0..t, so T (T + 1) / 2 tile steps run and T (T - 1) / 2
// are skipped; each runs 138 cycles on the 1D array, plus AV (64 cycles) per query tile. K and V rows
// are loaded once per block that sees them: at 4K one block of 16 query tiles sees all 16 rows; at
// 64K the GLB holds 128 query tiles a block (P1 = 128), so block 0 loads rows 0..127 and block 1 all
// 256: 384 rows, not 2 x 256.
TEST_P(CausalPrefill, HalfPlusDiagonal) {
    const CausalPoint& c = GetParam();
    const ArchConfig a = test::fusemax_arch();
    const std::uint64_t bh = 8 * 12, t = c.seq / 256;
    JobPlatform platform(a, masked(8, 12, c.seq, c.seq, 64, 64, 0), ElemType::F32, false);
    platform.run();
    const RunSummary s = platform.summary();
    EXPECT_EQ(platform.top().scheduler().tiling().p2, c.blocks_per_head);
    EXPECT_EQ(s.tile_steps, bh * t * (t + 1) / 2);
    EXPECT_EQ(platform.top().scheduler().stats().skipped_tile_steps, bh * t * (t - 1) / 2);
    const double by_hand = double(bh) * double(t * (t + 1) / 2 * 138 + t * 64);
    EXPECT_LT(test::rel_diff(double(s.cycles), by_hand), 1e-3) << s.cycles << " vs " << by_hand;
    const std::uint64_t kv_rows = c.blocks_per_head == 1 ? t : t / 2 + t;
    const std::uint64_t per_head = kv_rows * 256 * (64 + 64) * 2 + c.seq * 64 * 2;  // K and V rows, Q
    EXPECT_EQ(s.dram_read_bytes, bh * per_head);
    EXPECT_EQ(s.dram_write_bytes, bh * c.seq * 64 * 2);  // O
    // MACs on the 2D array drop with the tile steps: QK (E), SLNV (F) and the exp's 6 per score.
    EXPECT_EQ(s.counts.pe2d.mac, bh * (t * (t + 1) / 2) * 256 * 256 * (64 + 64 + 6));
}

INSTANTIATE_TEST_SUITE_P(BertShaped, CausalPrefill, testing::Values(CausalPoint{4096, 1}, CausalPoint{65536, 2}),
                         [](const testing::TestParamInfo<CausalPoint>& i) {
                             return std::to_string(i.param.seq / 1024) + "K";
                         });

// A window of W = 1024 keys (4 tiles) with P = M: query tile t sees key tiles t - 4 .. t, so 5T - 10
// tile steps run: linear in P for a fixed window, not quadratic.
class SlidingWindow : public testing::TestWithParam<std::uint64_t> {};

TEST_P(SlidingWindow, CostIsLinearInP) {
    const std::uint64_t seq = GetParam(), t = seq / 256;
    JobPlatform platform(test::fusemax_arch(), masked(1, 2, seq, seq, 64, 64, 1024), ElemType::F32, false);
    platform.run();
    EXPECT_EQ(platform.summary().tile_steps, 2 * (5 * t - 10));
    EXPECT_EQ(platform.top().scheduler().stats().skipped_tile_steps, 2 * (t * t - (5 * t - 10)));
}

INSTANTIATE_TEST_SUITE_P(Window1024, SlidingWindow, testing::Values(4096u, 16384u, 65536u),
                         [](const testing::TestParamInfo<std::uint64_t>& i) {
                             return std::to_string(i.param / 1024) + "K";
                         });

// The 3-pass designs skip the same work. BERT-Base-shaped causal prefill at 4K (12 heads) has 16 x
// 16 tiles per head, 136 of them seen; each of QK, the softmax and AV counts a tile step per seen
// tile, and the 2D array's MACs (QK and AV) and the 1D array's exps follow the seen tiles.
constexpr std::uint64_t kSeen = 12 * 16 * 17 / 2, kHidden = 12 * 16 * 15 / 2;

RunSummary run_causal_bert_4k(JobPlatform& platform) {
    platform.run();
    const RunSummary s = platform.summary();
    EXPECT_EQ(s.tile_steps, 3 * kSeen);
    EXPECT_EQ(platform.top().scheduler().stats().skipped_tile_steps, 3 * kHidden);
    EXPECT_EQ(s.counts.pe2d.mac, kSeen * 256 * 256 * (64 + 64));
    EXPECT_EQ(s.counts.pe1d.exp, kSeen * 256 * 256);
    return s;
}

// FLAT (the table's BERT 4K row: 256-query tiles, output-stationary, Q, K and V streamed per tile
// op): K, Q and V stream once per seen tile; the 1D array's 4 passes (1,024 cycles a tile) bound it.
TEST(FlatMasks, CausalSkipsTilesAboveTheDiagonal) {
    JobPlatform platform(load_arch_config(test::kConfigs + "/arch/flat.yaml"), masked(1, 12, 4096, 4096, 64, 64, 0),
                         ElemType::F32, false);
    const RunSummary s = run_causal_bert_4k(platform);
    const auto& bytes = platform.top().dram().stats().bytes_by_tensor;
    for (Tensor t : {Tensor::Q, Tensor::K, Tensor::V}) EXPECT_EQ(bytes[index_of(t)], kSeen * 256 * 64 * 2) << tensor_name(t);
    EXPECT_EQ(bytes[index_of(Tensor::O)], 12 * 4096 * 64 * 2);
    const double by_hand = double(kSeen) * 1024;
    EXPECT_LT(test::rel_diff(double(s.cycles), by_hand), 1e-2) << s.cycles << " vs " << by_hand;
}

// Unfused: each seen tile's scores go to DRAM once (QK) and come back once (softmax), the
// probabilities likewise (softmax, AV); one block of 16 query tiles sees every key row, so Q, K, V
// and O move as unmasked.
TEST(UnfusedMasks, CausalMovesOnlySeenScores) {
    JobPlatform platform(load_arch_config(test::kConfigs + "/arch/unfused.yaml"),
                         masked(1, 12, 4096, 4096, 64, 64, 0), ElemType::F32, false);
    run_causal_bert_4k(platform);
    const auto& bytes = platform.top().dram().stats().bytes_by_tensor;
    for (Tensor t : {Tensor::QK, Tensor::A}) EXPECT_EQ(bytes[index_of(t)], 2 * kSeen * 256 * 256 * 2) << tensor_name(t);
    for (Tensor t : {Tensor::Q, Tensor::K, Tensor::V, Tensor::O})
        EXPECT_EQ(bytes[index_of(t)], 12 * 4096 * 64 * 2) << tensor_name(t);
}

// A shape outside FLAT's table (a Llama-3-8B decode step) takes the nearest row's dataflow (E = F =
// 128 and M = 32K: XLM 32K, 512-query tiles, Q on chip); grouped queries stack 4 to a tile, so K and
// V are read once per K/V head; with flat.outside_table: refuse the shape is refused.
TEST(FlatMasks, DecodeTakesTheNearestRow) {
    const ArchConfig a = load_arch_config(test::kConfigs + "/arch/flat.yaml");
    Workload w = masked(2, 32, 1, 32768, 128, 128, 0);
    w.kv_heads = 8;
    Workload stacked = w;  // as the program runs it: 8 heads of 4 stacked queries
    stacked.heads = 8, stacked.kv_heads = 0, stacked.seq_q = 4, stacked.stacked_period = 1;
    const FlatDataflowMatch m = FlatProgram::dataflow(a, stacked);
    EXPECT_EQ(m.row, "XLM 32K");
    EXPECT_FALSE(m.exact);
    EXPECT_EQ(m.dataflow.p1, 512u);
    // Llama-3-8B prefill at 64K stacks 4 x 65,536 queries a K/V head: XLM 64K's on-chip Q of a head
    // (64 MiB) would not fit the 32 MiB GLB, nor would XLM 32K's; the nearest that fits is XLM 128K
    // (weight-stationary, a 1,024-query tile on chip).
    Workload prefill = stacked;
    prefill.seq_q = 4 * 65536, prefill.seq_kv = 65536, prefill.stacked_period = 65536;
    EXPECT_EQ(FlatProgram::dataflow(a, prefill).row, "XLM 128K");
    JobPlatform platform(a, w, ElemType::F32, false);
    platform.run();
    const auto& bytes = platform.top().dram().stats().bytes_by_tensor;
    EXPECT_EQ(bytes[index_of(Tensor::K)], 2 * 8 * 32768 * 128 * 2);
    EXPECT_EQ(bytes[index_of(Tensor::V)], 2 * 8 * 32768 * 128 * 2);
    EXPECT_EQ(platform.summary().tile_steps, 3 * 2 * 8 * 128);  // one tile of 4 queries, 128 key tiles
}

struct MaskCase {
    const char* name;
    std::uint64_t b, h, p, m, e, f, window;
    bool causal = true;
    std::uint64_t kv_heads = 0;
};

class MaskedNumerics : public testing::TestWithParam<MaskCase> {};

// Ragged tiles, P != M (bottom-right aligned), windows that do not align with tiles, a window of one
// key, a single query: O against fp64 with the same mask, within the check's usual margin.
TEST_P(MaskedNumerics, MatchFp64) {
    const MaskCase& c = GetParam();
    Workload w = masked(c.b, c.h, c.p, c.m, c.e, c.f, c.window);
    w.causal = c.causal || c.window;
    w.kv_heads = c.kv_heads;
    JobPlatform platform(test::fusemax_arch(), w, ElemType::F32, true);
    const AttentionInputs in = random_inputs(w, 7);
    platform.load_inputs(in);
    platform.run();
    const ErrorStats e = compare(platform.output(), attention_reference_fp64(in.q, in.k, in.v, 1.0, nullptr, w.key_mask()));
    EXPECT_EQ(e.non_finite, 0u);
    EXPECT_LT(e.max_rel_error, 1e-5);
    // The mask matters: unmasked attention is far from it.
    if (w.masked()) {
        const ErrorStats unmasked = compare(platform.output(), attention_reference_fp64(in.q, in.k, in.v, 1.0));
        EXPECT_GT(unmasked.max_rel_error, 1e-3);
    }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, MaskedNumerics,
    testing::Values(MaskCase{"CausalSquare", 1, 2, 1000, 1000, 64, 64, 0},
                    MaskCase{"CausalFewerQueries", 2, 3, 700, 1900, 48, 80, 0},
                    MaskCase{"WindowUnaligned", 2, 3, 700, 1900, 48, 80, 333},
                    MaskCase{"WindowOfOneKey", 1, 1, 600, 600, 64, 64, 1},
                    MaskCase{"OneQueryWindow", 1, 2, 1, 3000, 64, 64, 700},
                    // Grouped-query: a group's query heads stacked in one query dimension; ragged
                    // tiles that hold the end of one head and the start of the next.
                    MaskCase{"GroupedQuery", 2, 8, 700, 1900, 48, 80, 0, false, 2},
                    MaskCase{"GroupedQueryCausalWindow", 2, 8, 700, 1900, 48, 80, 333, true, 4},
                    MaskCase{"MultiQueryDecode", 3, 6, 1, 2000, 64, 64, 0, false, 1}),
    [](const testing::TestParamInfo<MaskCase>& i) { return std::string(i.param.name); });

// Grouped-query attention fetches each K/V tile once for its group: K and V bytes are the
// multi-head bytes over the group size; Q and O are unchanged. A decode step (P = 1) packs the
// group's 4 queries into one query tile: one tile step per key tile and K/V head.
struct GroupPoint {
    std::uint64_t p, kv_heads, tile_steps;
};

class GroupedQuery : public testing::TestWithParam<GroupPoint> {};

TEST_P(GroupedQuery, KvBytesFallByTheGroupSize) {
    const GroupPoint& g = GetParam();
    Workload w = test::shape(4, 32, g.p, 8192, 128, 128);
    w.kv_heads = g.kv_heads;
    JobPlatform platform(test::fusemax_arch(), w, ElemType::F32, false);
    platform.run();
    const auto& bytes = platform.top().dram().stats().bytes_by_tensor;
    const std::uint64_t kv_bytes = 4 * g.kv_heads * 8192 * 128 * 2;  // once per K/V head
    EXPECT_EQ(bytes[index_of(Tensor::K)], kv_bytes);
    EXPECT_EQ(bytes[index_of(Tensor::V)], kv_bytes);
    EXPECT_EQ(bytes[index_of(Tensor::Q)], 4 * 32 * g.p * 128 * 2);
    EXPECT_EQ(bytes[index_of(Tensor::O)], 4 * 32 * g.p * 128 * 2);
    EXPECT_EQ(platform.summary().tile_steps, g.tile_steps);
}

INSTANTIATE_TEST_SUITE_P(
    Llama3Shaped, GroupedQuery,
    testing::Values(GroupPoint{4096, 8, 4 * 8 * 32 * 64},  // prefill: 4 x 4096 stacked queries = 64 tiles
                    GroupPoint{1, 8, 4 * 8 * 32},          // decode: 4 queries in one tile, 32 key tiles
                    GroupPoint{1, 32, 4 * 32 * 32}),       // multi-head decode: one query per tile
    [](const testing::TestParamInfo<GroupPoint>& i) {
        return (i.param.p == 1 ? std::string("Decode") : std::string("Prefill")) + "Kv" + std::to_string(i.param.kv_heads);
    });

// A Llama-3-8B decode step (32 query heads over 8 K/V heads, E = 128) against a 32K-key cache, batch
// 64: it reads the cache once (K and V: 64 x 8 x 32768 x 128 x 2 bytes each) and is DRAM-bound, the
// channel busy at least 99% of the cycles and the step within 1% of bytes / bandwidth.
TEST(Masks, Llama3DecodeIsDramBound) {
    Workload w = masked(64, 32, 1, 32768, 128, 128, 0);
    w.kv_heads = 8;
    const ArchConfig a = test::fusemax_arch();
    JobPlatform platform(a, w, ElemType::F32, false);
    platform.run();
    const RunSummary s = platform.summary();
    const auto& dram = platform.top().dram().stats();
    EXPECT_EQ(dram.bytes_by_tensor[index_of(Tensor::K)], 64ull * 8 * 32768 * 128 * 2);
    EXPECT_GE(double(dram.busy_cycles) / double(s.cycles), 0.99);
    const double bound = double(s.dram_read_bytes + s.dram_write_bytes) / (a.dram.bandwidth_bytes_per_s / a.clock_hz);
    EXPECT_LT(double(s.cycles) / bound, 1.01);
}

// Utilization as the paper defines it (useful unit-cycles over units x cycles) against the busy
// fraction: a decode step's tiles hold one query (one of 256 columns, one of 256 lanes), so each op
// uses 1/256 of the units it occupies; grouped-query decode packs 4 queries: 4/256.
struct DecodeUtil {
    std::uint64_t kv_heads, queries_per_tile;
};

class DecodeUtilization : public testing::TestWithParam<DecodeUtil> {};

TEST_P(DecodeUtilization, UsefulUnitsNotBusyTime) {
    Workload w = test::shape(8, 8, 1, 4096, 64, 64);
    w.kv_heads = GetParam().kv_heads;
    JobPlatform platform(test::fusemax_arch(), w, ElemType::F32, false);
    platform.run();
    const RunSummary s = platform.summary();
    const double share = double(GetParam().queries_per_tile) / 256;
    EXPECT_NEAR(s.util_2d, s.busy_2d * share, 1e-12);
    EXPECT_NEAR(s.util_1d, s.busy_1d * share, 1e-12);
    EXPECT_GT(s.busy_2d, 0.5);
}

INSTANTIATE_TEST_SUITE_P(Decode, DecodeUtilization, testing::Values(DecodeUtil{8, 1}, DecodeUtil{2, 4}),
                         [](const testing::TestParamInfo<DecodeUtil>& i) {
                             return "Group" + std::to_string(i.param.queries_per_tile);
                         });

}  // namespace
}  // namespace fusemax
