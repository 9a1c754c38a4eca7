#pragma once
#include <tlm>

#include <string>

#include "fusemax/clock/clock.h"
#include "fusemax/protocol/job.h"
#include "fusemax/protocol/job_error.h"

namespace fusemax {

// Register block -> scheduler (csr2sched): start a job, queue one behind the running job (it starts
// when that one has issued its last op), or abort. A refused start answers
// TLM_GENERIC_ERROR_RESPONSE with the reason in `message`.
struct JobCommand : tlm::tlm_extension<JobCommand> {
    enum class Kind : std::uint8_t { Start, Enqueue, Abort };
    Kind kind = Kind::Start;
    Job job;
    std::string message;

    tlm::tlm_extension_base* clone() const override { return new JobCommand(*this); }
    void copy_from(const tlm::tlm_extension_base& other) override { *this = static_cast<const JobCommand&>(other); }
};

// Scheduler -> register block (sched2csr): a job has ended, at the time of the transaction.
// `next_running`: the job queued behind it is running now.
struct JobReport : tlm::tlm_extension<JobReport> {
    JobError error = JobError::None;
    bool next_running = false;
    std::string message;
    Cycle cycles = 0;
    Cycle pe2d_busy = 0, pe1d_busy = 0;
    std::uint64_t tile_steps = 0;

    tlm::tlm_extension_base* clone() const override { return new JobReport(*this); }
    void copy_from(const tlm::tlm_extension_base& other) override { *this = static_cast<const JobReport&>(other); }
};

}  // namespace fusemax
