#include "pe2d/pe_array_2d.h"

namespace fusemax {

PeArray2D::PeArray2D(const sc_core::sc_module_name& name, const ArchConfig& arch, const TraceOptions& trace)
    : PeArray(name, ArrayKind::Pe2d, arch, trace, "sched2pe2d", "pe1d2pe2d", "pe2d2glb", "pe2d2pe1d"),
      sched2pe2d(cmd_in),
      pe1d2pe2d(link_in),
      pe2d2glb(glb_out),
      pe2d2pe1d(link_out) {}

}  // namespace fusemax
