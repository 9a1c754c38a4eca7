#pragma once
#include <memory>
#include <vector>

#include "fusemax/dram/dram_controller.h"
#include "fusemax/observe/timed_signal.h"
#include "fusemax/observe/trace_options.h"

namespace fusemax {

// A DRAM controller that records its transfers (recording wraps the controller, as DRAMSys's
// ControllerRecordable does): the waveform `bytes_in_flight` (requested, not yet arrived) and one
// activity slice per transfer, named by tensor and tile indices, within the trace window.
class DramControllerRecordable final : public DramController, public ActivitySource {
public:
    DramControllerRecordable(const sc_core::sc_module_name& name, const ArchConfig& arch, const TraceOptions& trace);

    void trace(sc_core::sc_trace_file* tf) const override;
    const std::vector<Slice>& activity() const override { return slices_; }

private:
    TraceOptions trace_;
    std::unique_ptr<TimedSignal<std::uint64_t>> in_flight_;
    std::vector<Slice> slices_;

    void moved(const DmaTransfer& x, std::uint64_t bytes) override;
};

}  // namespace fusemax
