#pragma once
#include "common/pe_array.h"

namespace fusemax {

// The R x C array of PEs: columns run over query positions (P0), rows over key positions (M0).
// Which ops it runs and their cost come from the architecture's binding (FuseMax: QK, LM, SLN,
// SLD, SLNV).
class PeArray2D : public PeArray {
public:
    PeArray2D(const sc_core::sc_module_name& name, const ArchConfig& arch, const TraceOptions& trace = {});

    tlm_utils::simple_target_socket<PeArray>& sched2pe2d;
    tlm_utils::simple_target_socket<PeArray>& pe1d2pe2d;
    tlm_utils::simple_initiator_socket<PeArray>& pe2d2glb;
    tlm_utils::simple_initiator_socket<PeArray>& pe2d2pe1d;
};

}  // namespace fusemax
