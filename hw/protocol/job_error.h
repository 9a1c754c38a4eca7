#pragma once
#include <cstdint>

namespace fusemax {

// How a job ended (the register map's STATUS.ERROR field).
enum class JobError : std::uint32_t {
    None = 0,
    StartWhileBusy = 1,  // START written while BUSY: refused, the running job continues
    BadJob = 2,          // the job's registers describe a job this configuration cannot run
    MemoryError = 3,     // the platform memory answered a transfer with an error response
    Aborted = 4,         // SOFT_RESET stopped the job
    TimeLimit = 5,       // the job ran past the end of simulated time (a clock too slow for its length)
    Internal = 6,        // the model failed (an exception it did not expect): a bug, please report it
};

}  // namespace fusemax
