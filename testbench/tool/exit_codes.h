#pragma once
#include <string>

#include "fusemax/csr/fusemax_regs.h"

namespace fusemax {

// The exit codes of every executable (fusemax-sim, fusemax-trace, fusemax-platform); the README's
// table is this one.
enum ExitCode : int {
    kExitOk = 0,
    kExitCheckFailed = 1,    // the numerical check or a trace check failed
    kExitBadInput = 2,       // bad input or configuration, an output that cannot be written, a job
                             // too large for this machine or for simulated time
    kExitPlatformError = 3,  // the platform answered a transaction with a TLM error response
    kExitInternal = 4,       // the model failed (a SystemC report or an unexpected exception): a bug
};

// What a job's STATUS.ERROR code means for the process that ran it.
ExitCode exit_code_for(regs::Error error);
const char* error_name(regs::Error error);

}  // namespace fusemax
