#include "fusemax/scheduler/scheduler_recordable.h"

#include <string>

namespace fusemax {

SchedulerRecordable::SchedulerRecordable(const sc_core::sc_module_name& name, const ArchConfig& arch,
                                         const TraceOptions& trace)
    : Scheduler(name, arch), trace_(trace) {
    if (trace_.signals) tile_step_ = std::make_unique<TimedSignal<std::uint64_t>>("tile_step", clock(), 0);
}

void SchedulerRecordable::trace(sc_core::sc_trace_file* tf) const {
    if (tile_step_) tile_step_->add_to(tf, std::string(name()) + ".tile_step");
}

void SchedulerRecordable::step_started(Cycle at, std::uint64_t step) {
    if (tile_step_ && trace_.covers(at, at)) tile_step_->set(at, step);
}

}  // namespace fusemax
