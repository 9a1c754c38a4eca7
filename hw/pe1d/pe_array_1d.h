#pragma once
#include "common/pe_array.h"

namespace fusemax {

// The 1D array: one lane per query column. Which ops it runs and their cost come from the
// architecture's binding (FuseMax: RM, PRM, SPD, RD, SPNV, RNV and AV).
class PeArray1D : public PeArray {
public:
    PeArray1D(const sc_core::sc_module_name& name, const ArchConfig& arch, const TraceOptions& trace = {});

    tlm_utils::simple_target_socket<PeArray>& sched2pe1d;
    tlm_utils::simple_target_socket<PeArray>& pe2d2pe1d;
    tlm_utils::simple_initiator_socket<PeArray>& pe1d2glb;
    tlm_utils::simple_initiator_socket<PeArray>& pe1d2pe2d;
};

}  // namespace fusemax
