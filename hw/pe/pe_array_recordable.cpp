#include "fusemax/pe/pe_array_recordable.h"

#include <string>

namespace fusemax {

PeArrayRecordable::PeArrayRecordable(const sc_core::sc_module_name& name, ArrayKind kind, const ArchConfig& arch,
                                     const TraceOptions& trace)
    : PeArray(name, kind, arch), trace_(trace) {
    records_ = true;
    if (trace_.signals) {
        busy_ = std::make_unique<TimedSignal<bool>>("busy", clock(), false);
        op_ = std::make_unique<TimedSignal<std::uint32_t>>("op", clock(), 0u);
    }
}

void PeArrayRecordable::trace(sc_core::sc_trace_file* tf) const {
    if (!busy_) return;
    busy_->add_to(tf, std::string(name()) + ".busy");
    op_->add_to(tf, std::string(name()) + ".op");
}

// "QK b0 h1 p2=0 m1=2 p1=3": the op and its tile indices.
void PeArrayRecordable::executed(const TileOp& op, Cycle start, Cycle end) {
    if (!trace_.covers(start, end)) return;
    if (busy_) {
        busy_->set(start, true);
        op_->set(start, static_cast<std::uint32_t>(index_of(op.op)) + 1);
        busy_->set(end, false);
        op_->set(end, 0u);
    }
    if (trace_.slices) {
        const TileCoord& a = op.at;
        slices_.push_back({std::string(op_name(op.op)) + " b" + std::to_string(a.b) + " h" + std::to_string(a.h) +
                               " p2=" + std::to_string(a.p2) + " m1=" + std::to_string(a.m1) + " p1=" + std::to_string(a.p1),
                           start, end});
    }
}

}  // namespace fusemax
