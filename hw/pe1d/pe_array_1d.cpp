#include "pe1d/pe_array_1d.h"

namespace fusemax {

PeArray1D::PeArray1D(const sc_core::sc_module_name& name, const ArchConfig& arch, const TraceOptions& trace)
    : PeArray(name, ArrayKind::Pe1d, arch, trace, "sched2pe1d", "pe2d2pe1d", "pe1d2glb", "pe1d2pe2d"),
      sched2pe1d(cmd_in),
      pe2d2pe1d(link_in),
      pe1d2glb(glb_out),
      pe1d2pe2d(link_out) {}

}  // namespace fusemax
