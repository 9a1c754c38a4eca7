#pragma once
#include <optional>
#include <string>

#include "fusemax/config/arch_config.h"

namespace fusemax {

// One block's area: instances x area per instance, or why the table cannot say.
struct BlockArea {
    std::optional<double> um2;
    std::string unavailable;  // the reason when um2 is empty
    bool fitted = false;      // an estimate (glb_model: fit), not a characterised size
};

// The chip's area by block (end_to_end_and_area.md section 2): the 2D array (PEs of register file
// plus compute units, and a spatial link per column), the 1D array (lanes of the same), the GLB.
// DRAM is off chip.
struct AreaReport {
    BlockArea pe2d, pe1d, glb;
    std::optional<double> total_um2() const;
    std::string unavailable() const;  // the first block's reason, or empty
};

AreaReport area_of(const ArchConfig& a);

}  // namespace fusemax
