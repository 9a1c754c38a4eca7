#pragma once
#include <memory>

#include "fusemax/glb/global_buffer.h"
#include "fusemax/observe/timed_signal.h"
#include "fusemax/observe/trace_options.h"

namespace fusemax {

// A global buffer that records its occupancy (waveform `occupancy_bytes`: bytes holding live data),
// within the trace window.
class GlobalBufferRecordable final : public GlobalBuffer {
public:
    GlobalBufferRecordable(const sc_core::sc_module_name& name, const ArchConfig& arch, const TraceOptions& trace);
    void trace(sc_core::sc_trace_file* tf) const override;
    void occupancy(Cycle at, std::int64_t bytes) override;
    void job_ended(Cycle at) override;

private:
    Clock clock_;
    TraceOptions trace_;
    std::unique_ptr<TimedSignal<std::int64_t>> occupancy_;
    std::int64_t live_ = 0;  // the changes announced this job
};

}  // namespace fusemax
