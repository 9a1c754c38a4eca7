#pragma once
#include <cstdint>

#include "fusemax/clock/clock.h"

namespace fusemax {

// A buffer told what it holds: `bytes` start (positive) or stop (negative) holding live data at
// cycle `at`; at the end of a job everything it held is dead. The global buffer keeps the count
// and its waveform itself; programs, which know when a slot's contents are replaced, tell it.
class OccupancyObserver {
public:
    virtual ~OccupancyObserver() = default;
    virtual void occupancy(Cycle at, std::int64_t bytes) = 0;
    virtual void job_ended(Cycle at) = 0;
};

}  // namespace fusemax
