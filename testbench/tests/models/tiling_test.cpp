#include <gtest/gtest.h>

#include "fusemax/config/arch_config.h"
#include "fusemax/config/config_error.h"
#include "fusemax/reference/closed_form.h"
#include "fusemax/tiling/tiling.h"

namespace fusemax {
namespace {

const std::string kConfigs = FUSEMAX_CONFIG_DIR;

Workload shape(std::uint64_t b, std::uint64_t h, std::uint64_t p, std::uint64_t m, std::uint64_t e,
               std::uint64_t f) {
    Workload w;
    w.batch = b, w.heads = h, w.seq_q = p, w.seq_kv = m, w.head_dim = e, w.v_dim = f;
    return w;
}

TEST(Tiling, ReferenceP1Choice) {
    const ArchConfig a = load_arch_config(kConfigs + "/arch/fusemax.yaml");
    // BERT 1K: the GLB could hold 251 query tiles; capped at P/256 = 4.
    Tiling t = choose_tiling(a, shape(64, 12, 1024, 1024, 64, 64));
    EXPECT_EQ(t.m1, 4u);
    EXPECT_EQ(t.p1, 4u);
    EXPECT_EQ(t.p2, 1u);
    // 64K: 256 query tiles, largest divisor <= 251 is 128.
    t = choose_tiling(a, shape(64, 12, 65536, 65536, 64, 64));
    EXPECT_EQ(t.p1, 128u);
    EXPECT_EQ(t.p2, 2u);
    // XLM at 1M: floor((16 MiB - 128 KiB) / (256 * 258 * 2)) = 126 -> 64.
    t = choose_tiling(a, shape(64, 16, 1u << 20, 1u << 20, 128, 128));
    EXPECT_EQ(t.p1, 64u);
    EXPECT_EQ(t.p2, 64u);
    EXPECT_EQ(t.m1, 4096u);
}

TEST(Tiling, RaggedShapes) {
    const ArchConfig a = load_arch_config(kConfigs + "/arch/fusemax.yaml");
    const Tiling t = choose_tiling(a, shape(1, 1, 300, 700, 64, 64));
    EXPECT_EQ(t.query_tiles, 2u);
    EXPECT_EQ(t.last_p0, 44u);
    EXPECT_EQ(t.m1, 3u);
    EXPECT_EQ(t.last_m0, 188u);
    EXPECT_EQ(t.keys_in(0), 256u);
    EXPECT_EQ(t.keys_in(2), 188u);
    EXPECT_EQ(t.queries_in(1), 44u);
}

TEST(Tiling, NotebookExample) {
    const ArchConfig a = load_arch_config(kConfigs + "/arch/notebook.yaml");
    const Tiling t = choose_tiling(a, shape(1, 1, 8, 4, 2, 2));
    EXPECT_EQ(t.m0, 2u);
    EXPECT_EQ(t.p0, 2u);
    EXPECT_EQ(t.m1, 2u);
    EXPECT_EQ(t.p1, 4u);
    EXPECT_EQ(t.p2, 1u);
}

TEST(Tiling, GlbTooSmallNamesTheSizes) {
    ArchConfig a = load_arch_config(kConfigs + "/arch/fusemax.yaml");
    a.glb.capacity_bytes = 65536;
    try {
        choose_tiling(a, shape(1, 1, 1024, 1024, 64, 64));
        FAIL();
    } catch (const ConfigError& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("GLB of 65536 bytes"), std::string::npos) << m;
        EXPECT_NE(m.find("cannot hold one tile step"), std::string::npos) << m;
        EXPECT_NE(m.find("Q tile 256x64"), std::string::npos) << m;
        EXPECT_NE(m.find("need 132096 bytes"), std::string::npos) << m;
    }
}

TEST(Tiling, ConfiguredP1MustDivide) {
    ArchConfig a = load_arch_config(kConfigs + "/arch/fusemax.yaml");
    a.tiling.p1 = 3;
    EXPECT_THROW(choose_tiling(a, shape(1, 1, 1024, 1024, 64, 64)), ConfigError);
    a.tiling.p1 = 2;
    EXPECT_EQ(choose_tiling(a, shape(1, 1, 1024, 1024, 64, 64)).p2, 2u);
}

TEST(Tiling, GlbPlanDoubleBuffersWhenItFits) {
    const ArchConfig a = load_arch_config(kConfigs + "/arch/fusemax.yaml");
    const Workload w = shape(1, 1, 1024, 1024, 64, 64);
    const GlbPlan p = plan_glb(a, w, choose_tiling(a, w));
    EXPECT_EQ(p.q_slots, 2u);
    EXPECT_EQ(p.kv_slots, 2u);
    EXPECT_EQ(p.q_slot[1] - p.q_slot[0], 4u * 256 * 64);
    EXPECT_LE(p.words_used, a.glb_capacity_words());
    EXPECT_EQ(p.rm % 256, 0u);
}

TEST(ClosedForm, CalibrationPointBertBase1K) {
    const ClosedForm c = fusemax_closed_form(shape(64, 12, 1024, 1024, 64, 64), 16u << 20);
    EXPECT_EQ(c.summed_cycles, 1892352u);  // reference section 8, +Binding
    EXPECT_EQ(c.dram_bytes, 402653184u);
    EXPECT_EQ(fusemax_closed_form(shape(1, 1, 1024, 1024, 64, 64), 16u << 20).summed_cycles, 2464u);
    EXPECT_EQ(fusemax_closed_form(shape(64, 8, 4096, 4096, 64, 64), 16u << 20).summed_cycles, 18612224u);
}

}  // namespace
}  // namespace fusemax
