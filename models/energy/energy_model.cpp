#include "fusemax/energy/energy_model.h"

namespace fusemax {

EnergyBreakdown energy_of(const EnergyTable& t, const ActivityCounts& c) {
    EnergyBreakdown e;
    e.dram_pj = double(c.dram_read_accesses) * t.dram_read_pj + double(c.dram_write_accesses) * t.dram_write_pj;
    e.glb_pj = double(c.glb_row_reads) * t.glb_read_pj + double(c.glb_row_writes) * t.glb_write_pj;
    e.pe2d_pj = t.compute_pj(ArrayKind::Pe2d, c.pe2d);
    e.pe1d_pj = t.compute_pj(ArrayKind::Pe1d, c.pe1d);
    return e;
}

}  // namespace fusemax
