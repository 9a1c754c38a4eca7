#include "fusemax/dram/dram_controller_recordable.h"

#include <string>

namespace fusemax {

DramControllerRecordable::DramControllerRecordable(const sc_core::sc_module_name& name, const ArchConfig& arch,
                                                   const TraceOptions& trace)
    : DramController(name, arch), trace_(trace) {
    if (trace_.signals) in_flight_ = std::make_unique<TimedSignal<std::uint64_t>>("bytes_in_flight", clock(), 0);
}

void DramControllerRecordable::trace(sc_core::sc_trace_file* tf) const {
    if (in_flight_) in_flight_->add_to(tf, std::string(name()) + ".bytes_in_flight");
}

void DramControllerRecordable::moved(const DmaTransfer& x, std::uint64_t bytes) {
    if (in_flight_ && trace_.covers(x.arrival, x.done)) {
        in_flight_->add(x.arrival, bytes);
        in_flight_->add(x.done, ~bytes + 1);  // unsigned wrap-around subtracts
    }
    if (trace_.slices && trace_.covers(x.start, x.end))
        slices_.push_back({std::string(x.store ? "store " : "load ") + tensor_name(x.tensor) + " b" +
                               std::to_string(x.at.b) + " h" + std::to_string(x.at.h) + " m1=" + std::to_string(x.at.m1) +
                               " p1=" + std::to_string(x.at.p1) + " " + std::to_string(bytes) + " B",
                           x.start, x.end});
}

}  // namespace fusemax
