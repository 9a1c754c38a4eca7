#pragma once
#include <memory>

#include "fusemax/observe/timed_signal.h"
#include "fusemax/observe/trace_options.h"
#include "fusemax/scheduler/scheduler.h"

namespace fusemax {

// A scheduler that records the index of the tile step being started (waveform `tile_step`), within
// the trace window.
class SchedulerRecordable final : public Scheduler {
public:
    SchedulerRecordable(const sc_core::sc_module_name& name, const ArchConfig& arch, const TraceOptions& trace);
    void trace(sc_core::sc_trace_file* tf) const override;

private:
    TraceOptions trace_;
    std::unique_ptr<TimedSignal<std::uint64_t>> tile_step_;

    void step_started(Cycle at, std::uint64_t step) override;
};

}  // namespace fusemax
