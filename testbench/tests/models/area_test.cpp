// The area model against end_to_end_and_area.md section 2 (both designs) and section 3 (the
// array-size sweep's calibration points), and what it says for sizes the tables do not cover.
#include <gtest/gtest.h>

#include "fusemax/area/area_model.h"
#include "fusemax/area/glb_fit.h"
#include "fusemax/config/arch_config.h"

namespace fusemax {
namespace {

const std::string kConfigs = FUSEMAX_CONFIG_DIR;

TEST(Area, FuseMaxByBlock) {
    const AreaReport r = area_of(load_arch_config(kConfigs + "/arch/fusemax.yaml"));
    // 65536 PEs x (register file 16837.58 + max 49.29 + MAC 1545.0) + 256 spatial links of 1 um^2.
    EXPECT_NEAR(*r.pe2d.um2, 65536 * (16837.57936 + 49.28944 + 1545.0) + 256, 1e-3);
    EXPECT_NEAR(*r.pe1d.um2, 256 * (16849.2142 + 49.28944 + 1545.0 + 23740.9375), 1e-6);
    EXPECT_NEAR(*r.glb.um2, 84201374.5226, 1e-6);
    EXPECT_NEAR(*r.total_um2() / 1e6, 1302.95, 0.005);
    EXPECT_NEAR(*r.pe2d.um2 / 1e6, 1207.95, 0.005);
    EXPECT_NEAR(*r.pe1d.um2 / 1e6, 10.80, 0.005);
}

TEST(Area, FlatByBlock) {
    const AreaReport r = area_of(load_arch_config(kConfigs + "/arch/flat.yaml"));
    EXPECT_NEAR(*r.total_um2() / 1e6, 1391.82, 0.005);
    EXPECT_NEAR(*r.pe2d.um2 / 1e6, 1203.20, 0.005);
    EXPECT_NEAR(*r.glb.um2 / 1e6, 175.72, 0.005);
    EXPECT_NEAR(*r.pe1d.um2 / 1e6, 12.91, 0.005);  // with its exp unit, 8240 um^2 a lane
}

// FuseMax with a PE_dim x PE_dim array (section 3): register depths 2 and 8 x min_tiles, a GLB of
// the sweep's size with rows of PE_dim 16-bit words.
ArchConfig scaled(std::uint32_t pe_dim, std::uint32_t depth_2d, std::uint32_t depth_1d, std::uint64_t glb_bytes) {
    ArchConfig a = load_arch_config(kConfigs + "/arch/fusemax.yaml");
    a.pe2d.rows = a.pe2d.cols = a.pe1d.lanes = pe_dim;
    a.pe2d.pe.reg_depth = depth_2d;
    a.pe1d.pe.reg_depth = depth_1d;
    a.glb.capacity_bytes = glb_bytes;
    a.glb.row_words = pe_dim;
    return a;
}

TEST(Area, ArraySizeSweepCalibration) {
    // BERT-Base: PE_dim 16, min_tiles 2, a 16 KiB GLB: 0.05441 cm^2; PE_dim 64: 0.78370 cm^2.
    EXPECT_NEAR(*area_of(scaled(16, 4, 16, 16 << 10)).total_um2() / 1e8, 0.05441, 5e-6);
    EXPECT_NEAR(*area_of(scaled(64, 4, 16, 64 << 10)).total_um2() / 1e8, 0.78370, 5e-6);
}

TEST(Area, SizesNoTableCoversAreUnavailable) {
    const AreaReport glb = area_of(scaled(256, 16, 32, 4 << 20));
    EXPECT_FALSE(glb.total_um2().has_value());
    EXPECT_EQ(glb.unavailable(), "glb: the area table has no 4194304-byte GLB with 4096-bit rows");
    const AreaReport rf = area_of(scaled(256, 256, 32, 16 << 20));
    EXPECT_FALSE(rf.pe2d.um2.has_value());
    EXPECT_EQ(rf.unavailable(), "pe2d: the area table has no register file of depth 256");
    ArchConfig none = scaled(256, 16, 32, 16 << 20);
    none.area = AreaTable{};
    EXPECT_EQ(area_of(none).unavailable(), "no area_table in the architecture");
}

TEST(Area, EnergyTablesCoverTheirOwnGlbOnly) {
    const ArchConfig a = load_arch_config(kConfigs + "/arch/fusemax.yaml");
    EXPECT_EQ(energy_coverage_problem(a, a.energy), "");
    ArchConfig small = a;  // smaller arrays, other register files, the same GLB: energies per action hold
    small.pe2d.rows = small.pe2d.cols = small.pe1d.lanes = 16;
    small.pe2d.pe.reg_depth = 4;
    EXPECT_EQ(energy_coverage_problem(small, a.energy), "");
    EXPECT_EQ(energy_coverage_problem(scaled(256, 16, 32, 8 << 20), a.energy),
              "energy table fusemax_default covers a 16777216-byte GLB with 4096-bit rows, not 8388608 bytes with "
              "4096-bit rows");
    EXPECT_NE(energy_coverage_problem(scaled(16, 4, 16, 16 << 20), a.gemm_energy), "");  // 256-bit rows
}

// glb_model: fit. Energy per bit is a line through the two characterised GLBs (16 and 32 MiB,
// 4096-bit rows): it gives their energies back, scales with the row's bits and grows with capacity.
// Area is a power law over the table's 14 GLBs: every one within 50% of its fit (the worst,
// 1 MiB with 8192-bit rows, -47%), and larger or wider GLBs are larger.
TEST(Area, FittedGlbEstimates) {
    const ArchConfig a = load_arch_config(kConfigs + "/arch/fusemax_fitted_glb.yaml");
    ASSERT_TRUE(a.glb_fit);
    for (const GlbEnergy& g : a.glb_energy) {
        const auto fit = fit_glb_energy(a.glb_energy, g.capacity_bytes, g.row_bits);
        ASSERT_TRUE(fit);
        EXPECT_NEAR(fit->read_pj, g.read_pj, 1e-9 * g.read_pj);
        EXPECT_NEAR(fit->write_pj, g.write_pj, 1e-9 * g.write_pj);
    }
    const auto narrow = fit_glb_energy(a.glb_energy, 16 << 20, 2048), small = fit_glb_energy(a.glb_energy, 1 << 20, 4096);
    EXPECT_NEAR(narrow->read_pj, a.glb_energy[0].read_pj / 2, 1e-9 * narrow->read_pj);
    EXPECT_LT(small->read_pj, a.glb_energy[0].read_pj);
    EXPECT_GT(small->read_pj, 0);
    EXPECT_FALSE(fit_glb_energy({a.glb_energy[0]}, 1 << 20, 4096));  // one size: no line
    for (const auto& [key, um2] : a.area.glb) {
        const auto fit = fit_glb_area(a.area, key.first, key.second);
        ASSERT_TRUE(fit);
        EXPECT_LT(std::abs(*fit / um2 - 1), 0.5) << key.first << " " << key.second;
    }
    EXPECT_LT(*fit_glb_area(a.area, 4 << 20, 4096), *fit_glb_area(a.area, 8 << 20, 4096));
    EXPECT_LT(*fit_glb_area(a.area, 4 << 20, 2048), *fit_glb_area(a.area, 4 << 20, 4096));
    // Through the architecture: a 4 MiB GLB gets a fitted area (marked) and energy (with a note).
    ArchConfig four = a;
    four.glb.capacity_bytes = 4 << 20;
    const AreaReport r = area_of(four);
    EXPECT_TRUE(r.glb.fitted);
    EXPECT_NEAR(*r.glb.um2, *fit_glb_area(a.area, 4 << 20, 4096), 1e-6);
    const ResolvedEnergy e = resolve_energy(four, four.energy);
    EXPECT_EQ(e.problem, "");
    EXPECT_NE(e.note.find("glb_model: fit"), std::string::npos);
    EXPECT_NEAR(e.table.glb_read_pj, fit_glb_energy(a.glb_energy, 4 << 20, 4096)->read_pj, 1e-9);
    // The characterised size keeps its table energy, without a note.
    EXPECT_EQ(resolve_energy(a, a.energy).note, "");
}

}  // namespace
}  // namespace fusemax
