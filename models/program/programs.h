#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "fusemax/program/ops.h"

namespace fusemax {

// What a program (the loop nest of one design or kernel) needs from an architecture's
// configuration, as data: the configuration names its program, and the loader checks the op
// bindings against this row. How the program runs is its own file (hw/scheduler/*_program.cpp),
// registered under the same name (hw/scheduler/program_registry.h).
struct ProgramSpec {
    std::string_view name;
    std::vector<Op> ops;  // the ops it issues; the configuration binds each to an array
    // A 1-pass cascade: its ops are issued per tile step in list order (each after its inputs) and
    // may route results through the GLB (glb_write, glb_reads, interleave, overlap_next).
    bool tile_step_dataflow = false;
    bool functional = false;      // computes values (else timing mode only)
    bool needs_flat_table = false;  // reads FLAT's per-point dataflow table (flat.dataflow_table)
    bool masks = false;             // runs causal and sliding-window attention, skipping masked tiles
};

// The program of that name, or null.
const ProgramSpec* find_program(std::string_view name);
// "one_pass, unfused, flat": the names find_program knows.
std::string program_names();

}  // namespace fusemax
