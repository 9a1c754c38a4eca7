#include <gtest/gtest.h>

#include "fusemax/config/arch_config.h"
#include "fusemax/energy/energy_model.h"
#include "fusemax/energy/energy_table.h"

namespace fusemax {
namespace {

const std::string kConfigs = FUSEMAX_CONFIG_DIR;

TEST(EnergyTable, FuseMaxValuesFromErt) {
    const EnergyTable t = load_energy_table(kConfigs + "/energy/fusemax_45nm.yaml");
    EXPECT_DOUBLE_EQ(t.dram_read_pj, 249.6);
    EXPECT_DOUBLE_EQ(t.glb_read_pj, 12512.760572);
    EXPECT_DOUBLE_EQ(t.glb_write_pj, 15751.460572);
    EXPECT_DOUBLE_EQ(*t.pe2d.mac, 17.1645);
    EXPECT_DOUBLE_EQ(*t.pe2d.add, 8.3395);
    EXPECT_DOUBLE_EQ(*t.pe2d.max, 0.028036);
    EXPECT_FALSE(t.pe2d.divide.has_value());
    EXPECT_DOUBLE_EQ(*t.pe1d.divide, 36.251153);
}

TEST(EnergyTable, FlatHasExpUnitOn1D) {
    const EnergyTable t = load_energy_table(kConfigs + "/energy/flat_45nm.yaml");
    EXPECT_DOUBLE_EQ(*t.pe1d.exp, 94.6475);
    EXPECT_DOUBLE_EQ(t.glb_read_pj, 23854.664592);
    EXPECT_FALSE(t.pe2d.max.has_value());
}

TEST(EnergyModel, CountsTimesTable) {
    const EnergyTable t = load_energy_table(kConfigs + "/energy/fusemax_45nm.yaml");
    ActivityCounts c;
    c.dram_read_accesses = 10;
    c.dram_write_accesses = 2;
    c.glb_row_reads = 3;
    c.glb_row_writes = 5;
    c.pe2d = {100, 20, 7, 0, 0};
    c.pe1d = {4, 3, 2, 0, 9};
    const EnergyBreakdown e = energy_of(t, c);
    EXPECT_DOUBLE_EQ(e.dram_pj, 12 * 249.6);
    EXPECT_DOUBLE_EQ(e.glb_pj, 3 * 12512.760572 + 5 * 15751.460572);
    EXPECT_DOUBLE_EQ(e.pe2d_pj, 100 * 17.1645 + 20 * 8.3395 + 7 * 0.028036);
    EXPECT_DOUBLE_EQ(e.pe1d_pj, 4 * 17.1645 + 3 * 8.3395 + 2 * 0.028036 + 9 * 36.251153);
    EXPECT_DOUBLE_EQ(e.total_pj(), e.dram_pj + e.glb_pj + e.pe2d_pj + e.pe1d_pj);
}

TEST(OpActions, FuseMaxExpIsSixMacsAndAnAdd) {
    const ExpActions taylor{6, 1, 0};
    const OpExtent x{256, 256, 64, 64};
    EXPECT_EQ(op_actions(Op::QK, x, taylor), (ActionCounts{256 * 256 * 64, 0, 0, 0, 0}));
    EXPECT_EQ(op_actions(Op::SLN, x, taylor), (ActionCounts{6 * 65536, 65536, 0, 0, 0}));
    EXPECT_EQ(op_actions(Op::PRM, x, taylor), (ActionCounts{6 * 256, 256, 0, 0, 0}));
    EXPECT_EQ(op_actions(Op::AV, x, taylor), (ActionCounts{0, 0, 0, 0, 256 * 64}));
    const ExpActions unit{0, 1, 1};
    EXPECT_EQ(op_actions(Op::SLN, x, unit), (ActionCounts{0, 65536, 0, 65536, 0}));
}

}  // namespace
}  // namespace fusemax
