#include "fusemax/glb/global_buffer_recordable.h"

#include <string>

namespace fusemax {

GlobalBufferRecordable::GlobalBufferRecordable(const sc_core::sc_module_name& name, const ArchConfig& arch,
                                               const TraceOptions& trace)
    : GlobalBuffer(name, arch.glb, arch.word_bytes), clock_(arch.clock_hz), trace_(trace) {
    if (trace_.signals) occupancy_ = std::make_unique<TimedSignal<std::int64_t>>("occupancy_bytes", clock_, 0);
}

void GlobalBufferRecordable::trace(sc_core::sc_trace_file* tf) const {
    if (occupancy_) occupancy_->add_to(tf, std::string(name()) + ".occupancy_bytes");
}

void GlobalBufferRecordable::occupancy(Cycle at, std::int64_t bytes) {
    if (!occupancy_ || !trace_.covers(at, at)) return;
    occupancy_->add(at, bytes);
    live_ += bytes;
}

void GlobalBufferRecordable::job_ended(Cycle at) {
    occupancy(at, -live_);
    live_ = 0;
}

}  // namespace fusemax
