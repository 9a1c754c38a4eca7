#pragma once
#include <string>
#include <cstdint>

#include "fusemax/energy/energy_table.h"
#include "fusemax/program/ops.h"

namespace fusemax {

// Everything a run did that costs energy.
struct ActivityCounts {
    std::uint64_t dram_read_accesses = 0, dram_write_accesses = 0;  // 64-bit accesses
    std::uint64_t glb_row_reads = 0, glb_row_writes = 0;            // 256-word rows
    ActionCounts pe2d, pe1d;

    ActivityCounts& operator+=(const ActivityCounts& o) {
        dram_read_accesses += o.dram_read_accesses, dram_write_accesses += o.dram_write_accesses;
        glb_row_reads += o.glb_row_reads, glb_row_writes += o.glb_row_writes;
        pe2d += o.pe2d, pe1d += o.pe1d;
        return *this;
    }
    ActivityCounts operator-(const ActivityCounts& o) const {
        return {dram_read_accesses - o.dram_read_accesses, dram_write_accesses - o.dram_write_accesses,
                glb_row_reads - o.glb_row_reads, glb_row_writes - o.glb_row_writes, pe2d - o.pe2d, pe1d - o.pe1d};
    }
};

struct EnergyBreakdown {
    double dram_pj = 0, glb_pj = 0, pe2d_pj = 0, pe1d_pj = 0;
    // Why no energy table holds for the configured sizes (then the figures above mean nothing and
    // reports show the energy as unavailable), or empty.
    std::string unavailable;
    std::string note;  // how the GLB was priced when no table characterises it (an estimate)
    double total_pj() const { return dram_pj + glb_pj + pe2d_pj + pe1d_pj; }
    bool available() const { return unavailable.empty(); }
};

// Energy = counts x energy per action (reference section 6); leakage and register files are not
// counted, as in the published accounting.
EnergyBreakdown energy_of(const EnergyTable& table, const ActivityCounts& counts);

}  // namespace fusemax
