// Counts against the reference's per-(b, h) formulas (sections 5 and 6) and energy = counts x table.
#include <gtest/gtest.h>

#include "platform/job_platform.h"
#include "fusemax/reference/closed_form.h"
#include "sim_helpers.h"

namespace fusemax {
namespace {

using test::shape;

void expect_counts_match_closed_form(const ArchConfig& a, const Workload& w, const RunSummary& s) {
    const ClosedForm c = fusemax_closed_form(w, a.glb.capacity_bytes);
    EXPECT_EQ(s.counts.pe2d, c.pe2d);
    EXPECT_EQ(s.counts.pe1d, c.pe1d);
    EXPECT_EQ(double(s.counts.glb_row_reads), c.glb_read_rows);
    EXPECT_EQ(double(s.counts.glb_row_writes), c.glb_write_rows);
    EXPECT_EQ(s.dram_read_bytes + s.dram_write_bytes, c.dram_bytes);
    EXPECT_EQ(s.counts.dram_read_accesses * 8, s.dram_read_bytes);
    EXPECT_EQ(s.counts.dram_write_accesses * 8, s.dram_write_bytes);
}

TEST(Counts, FunctionalRunMatchesClosedForms) {
    const ArchConfig a = test::fusemax_arch();
    const Workload w = shape(1, 2, 1024, 2048, 64, 64);
    JobPlatform platform(a, w, ElemType::F32, true);
    platform.load_inputs(random_inputs(w, 5));
    platform.run();
    const RunSummary s = platform.summary();
    expect_counts_match_closed_form(a, w, s);
    // Hand check of one number: 2D MACs = M * P * (E + F + 6) per (b, h).
    EXPECT_EQ(s.counts.pe2d.mac, 2u * 2048 * 1024 * 134);
}

TEST(Counts, BertBatch64MatchesClosedForms) {
    const ArchConfig a = test::fusemax_arch();
    const Workload w = shape(64, 12, 1024, 1024, 64, 64);
    JobPlatform platform(a, w, ElemType::F32, false);
    platform.run();
    expect_counts_match_closed_form(a, w, platform.summary());
}

TEST(Counts, MultipleQueryBlocksReadKVOncePerBlock) {
    // P1 = 2 forces P2 = 2: K and V are read from DRAM once per query block.
    ArchConfig a = test::fusemax_arch();
    a.tiling.p1 = 2;
    const Workload w = shape(1, 1, 1024, 1024, 64, 64);
    JobPlatform platform(a, w, ElemType::F32, false);
    platform.run();
    const RunSummary s = platform.summary();
    EXPECT_EQ(platform.top().scheduler().tiling().p2, 2u);
    EXPECT_EQ(s.dram_read_bytes, 2u * (1024 * 64 + 2 * 1024 * 64 + 2 * 1024 * 64));
    EXPECT_EQ(s.dram_write_bytes, 2u * 1024 * 64);
}

TEST(Energy, EqualsCountsTimesTablePerComponent) {
    const ArchConfig a = test::fusemax_arch();
    const Workload w = shape(2, 3, 1024, 1024, 64, 64);
    JobPlatform platform(a, w, ElemType::F32, false);
    platform.run();
    const RunSummary s = platform.summary();
    const nlohmann::json j = report_json(platform.top(), s, platform.top().scheduler().last_record().start);
    const auto& pe2d = j["modules"]["fusemax.pe2d"];
    const auto& pe1d = j["modules"]["fusemax.pe1d"];
    const auto& glb = j["modules"]["fusemax.glb"];
    const auto& dram = j["modules"]["fusemax.dram"];
    const double e2d = pe2d["macs"].get<double>() * 17.1645 + pe2d["adds"].get<double>() * 8.3395 +
                       pe2d["max_ops"].get<double>() * 0.028036;
    const double e1d = pe1d["macs"].get<double>() * 17.1645 + pe1d["adds"].get<double>() * 8.3395 +
                       pe1d["max_ops"].get<double>() * 0.028036 + pe1d["divides"].get<double>() * 36.251153;
    const double eglb = glb["row_reads"].get<double>() * 12512.760572 + glb["row_writes"].get<double>() * 15751.460572;
    const double edram = (dram["read_accesses"].get<double>() + dram["write_accesses"].get<double>()) * 249.6;
    EXPECT_DOUBLE_EQ(j["energy_pe2d_pj"].get<double>(), e2d);
    EXPECT_DOUBLE_EQ(j["energy_pe1d_pj"].get<double>(), e1d);
    EXPECT_DOUBLE_EQ(j["energy_glb_pj"].get<double>(), eglb);
    EXPECT_DOUBLE_EQ(j["energy_dram_pj"].get<double>(), edram);
    EXPECT_DOUBLE_EQ(j["energy_pj"].get<double>(), e2d + e1d + eglb + edram);
    // FuseMax is about 96% compute, 3% GLB and under 1% DRAM (reference section 6).
    EXPECT_NEAR((e2d + e1d) / j["energy_pj"].get<double>(), 0.96, 0.01);
    EXPECT_LT(edram / j["energy_pj"].get<double>(), 0.01);
}

}  // namespace
}  // namespace fusemax
