#pragma once
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "fusemax/clock/clock.h"

namespace fusemax {

// What the modules record for waveforms (VCD) and transaction traces (Perfetto), and when. Off by
// default: recording costs time and memory, and a traced run simulates every tile step.
struct TraceOptions {
    bool signals = false;  // drive the trace signals (busy, current op, tile step, occupancy, ...)
    bool slices = false;   // keep one slice per tile op and transfer
    Cycle start = 0;       // only activity overlapping [start, stop) is recorded
    Cycle stop = std::numeric_limits<Cycle>::max();

    bool any() const { return signals || slices; }
    bool covers(Cycle from, Cycle to) const { return to >= start && from < stop; }
};

// One slice of activity on a module's track.
struct Slice {
    std::string name;
    Cycle start = 0, end = 0;
};

// A module that records activity slices; a reporter walks the module tree for them.
class ActivitySource {
public:
    virtual ~ActivitySource() = default;
    virtual const std::vector<Slice>& activity() const = 0;
};

}  // namespace fusemax
