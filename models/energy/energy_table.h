#pragma once
#include <optional>
#include <string>
#include <vector>

#include "fusemax/program/ops.h"

namespace fusemax {

// Energy per action of one array's compute units (pJ); an action the hardware lacks is empty.
struct ComputeEnergy {
    std::optional<double> mac, add, max, exp, divide;
};

// Energy per action (pJ) of every component, as Accelergy's ERT gives it (reference section 6).
// The sizes a table's energies were characterised for (0: not stated, not checked). An
// architecture of other sizes gets no energy from the table (see coverage_problem).
struct EnergyCovers {
    std::uint64_t glb_bytes = 0, glb_row_bits = 0;
    std::uint64_t pe2d_instances = 0, pe2d_reg_depth = 0, pe1d_instances = 0, pe1d_reg_depth = 0;
};

struct EnergyTable {
    std::string name;
    std::string source;
    EnergyCovers covers;
    double dram_read_pj = 0;   // per DRAM access of `dram_access_bytes`
    double dram_write_pj = 0;
    double glb_read_pj = 0;    // per GLB row
    double glb_write_pj = 0;
    ComputeEnergy pe2d, pe1d;

    const ComputeEnergy& compute(ArrayKind a) const { return a == ArrayKind::Pe2d ? pe2d : pe1d; }
    // Energy of the given actions on array `a`. Every action with a non-zero count must be priced.
    double compute_pj(ArrayKind a, const ActionCounts& counts) const;
    // The first action kind used in `kinds` that array `a` has no price for, or empty.
    std::optional<std::string> missing_action(ArrayKind a, const ActionCounts& kinds) const;
};

// GLB energy per row by size (configs/energy/glb_45nm.yaml): what any characterised GLB costs.
struct GlbEnergy {
    std::uint64_t capacity_bytes = 0, row_bits = 0;
    double read_pj = 0, write_pj = 0;
};
std::vector<GlbEnergy> load_glb_energy_table(const std::string& path, const std::string& what = "");

// Reads an energy table YAML (configs/energy/*.yaml); errors name the file and key.
EnergyTable load_energy_table(const std::string& path, const std::string& what = "");

}  // namespace fusemax
