#pragma once
#include <cstdint>

#include "fusemax/config/workload.h"
#include "fusemax/program/ops.h"

namespace fusemax {

// Closed forms of the reference (sections 3 to 6) for FuseMax (+Binding) on full 256 x 256 tiles.
// They exist to check the simulation; the simulator never uses them.
struct ClosedForm {
    std::uint64_t p1 = 0, p2 = 0, m1 = 0;
    std::uint64_t summed_cycles = 0;  // section 4's +Binding sum over all tile steps of the run
    std::uint64_t fill_cycles = 0;    // the first QK + LM with the 1D array idle: E + 1
    std::uint64_t dram_bytes = 0;     // section 5
    double glb_read_rows = 0, glb_write_rows = 0;  // section 6, words / 256
    ActionCounts pe2d, pe1d;                       // section 6, FuseMax exp as 6 MAC + 1 add
};

// B, H, P, M, E, F from the workload; P1 as the reference chooses it for a GLB of `glb_bytes`.
ClosedForm fusemax_closed_form(const Workload& w, std::uint64_t glb_bytes);

}  // namespace fusemax
