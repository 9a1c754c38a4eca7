#pragma once
#include <cstdint>
#include <vector>

#include "common/clock.h"
#include "common/dma.h"
#include "common/job.h"
#include "common/tile_op.h"
#include "config/arch_config.h"

namespace fusemax {

// What a program (the loop nest of one design) needs from the scheduler module: issuing tile ops
// and DRAM transfers through the sockets, and the fast-forward bookkeeping. Programs hold their
// own timing state (when each buffer, tile and running value becomes ready) in cycles.
class ProgramContext {
public:
    virtual ~ProgramContext() = default;

    virtual const ArchConfig& arch() const = 0;
    virtual const Job& job() const = 0;
    virtual Cycle job_start() const = 0;

    // Issues `op` to the array its binding names, arriving at `ready` (its inputs are ready then).
    // Returns the cycle its result is available; op.start and op.end tell when the array ran it.
    // `out` receives the op's output where it has one (AV: the O tile).
    virtual Cycle issue(TileOp& op, Cycle ready, float* out = nullptr) = 0;
    // Moves a block between DRAM and the chip, arriving at the controller at `ready`; returns when
    // the data has arrived. Functional stores take their values from `data`.
    virtual Cycle transfer(DmaTransfer& x, Cycle ready, float* data = nullptr) = 0;
    // One tile step issued: counts it and lets the rest of the platform catch up (quantum keeper).
    virtual void step_done() = 0;

    // Fast-forward: whether it is on; where every resource's queue ends (nothing issued later
    // starts earlier); the scheduler's own times; marks and jumps applied to every module.
    virtual bool fast_forward_enabled() const = 0;
    virtual Cycle horizon() const = 0;
    virtual std::vector<Cycle*> own_times() = 0;
    virtual void mark(std::uint32_t slot) = 0;
    virtual void jump(std::uint32_t slot, std::uint64_t periods, Cycle shift) = 0;
};

}  // namespace fusemax
