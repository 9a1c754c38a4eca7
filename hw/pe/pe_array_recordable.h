#pragma once
#include <memory>
#include <vector>

#include "fusemax/observe/timed_signal.h"
#include "fusemax/observe/trace_options.h"
#include "fusemax/pe/pe_array.h"

namespace fusemax {

// A PE array that records what it runs (DRAMSys's recordable-controller idiom: recording wraps the
// module instead of living in its transport): the waveforms `busy` and `op` (0 idle, else 1 + the
// op's code) and one activity slice per op, named by op and tile indices, within the trace window.
class PeArrayRecordable final : public PeArray, public ActivitySource {
public:
    PeArrayRecordable(const sc_core::sc_module_name& name, ArrayKind kind, const ArchConfig& arch,
                      const TraceOptions& trace);

    void trace(sc_core::sc_trace_file* tf) const override;
    const std::vector<Slice>& activity() const override { return slices_; }

private:
    TraceOptions trace_;
    std::unique_ptr<TimedSignal<bool>> busy_;
    std::unique_ptr<TimedSignal<std::uint32_t>> op_;
    std::vector<Slice> slices_;

    void executed(const TileOp& op, Cycle start, Cycle end) override;
};

}  // namespace fusemax
