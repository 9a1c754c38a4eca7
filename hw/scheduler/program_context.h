#pragma once
#include <cstdint>
#include <vector>

#include "fusemax/clock/clock.h"
#include "fusemax/protocol/dma.h"
#include "fusemax/protocol/job.h"
#include "fusemax/protocol/tile_op.h"
#include "fusemax/config/arch_config.h"

namespace fusemax {

// Resources a loop keeps busy, for fast-forward.
inline constexpr unsigned kUsesPe2d = 1, kUsesPe1d = 2, kUsesDram = 4, kUsesAll = 7;

// GLB words [word, word + words) a finished job no longer reads after cycle `free_at`: a job queued
// behind it may load data there from then on.
struct GlbRelease {
    std::uint64_t word = 0, words = 0;
    Cycle free_at = 0;
};

// What a program (the loop nest of one design) needs from the scheduler module: issuing tile ops
// and DRAM transfers through the sockets, and the fast-forward bookkeeping. Programs hold their
// own timing state (when each buffer, tile and running value becomes ready) in cycles.
class ProgramContext {
public:
    virtual ~ProgramContext() = default;

    virtual const ArchConfig& arch() const = 0;
    virtual const Job& job() const = 0;
    virtual Cycle job_start() const = 0;
    // How many jobs this scheduler started before this one (programs alternate where they place
    // their buffers, so that a queued job can load into space the running one does not use).
    virtual std::uint64_t job_number() const = 0;

    // Issues `op` to the array its binding names, arriving at `ready` (its inputs are ready then).
    // Returns the cycle its result is available; op.start and op.end tell when the array ran it.
    // `out` receives the op's output where it has one (AV: the O tile).
    virtual Cycle issue(TileOp& op, Cycle ready, float* out = nullptr) = 0;
    // Moves a block between DRAM and the chip, arriving at the controller at `ready`; returns when
    // the data has arrived. Functional stores take their values from `data`.
    virtual Cycle transfer(DmaTransfer& x, Cycle ready, float* data = nullptr) = 0;
    // One tile step issued: counts it and lets the rest of the platform catch up (quantum keeper).
    virtual void step_done() = 0;
    // `n` tile steps the program skips (masked: nothing to compute), for the statistics.
    virtual void steps_skipped(std::uint64_t n) = 0;
    // A program whose kernels run one after another (Unfused) says when each starts.
    virtual void kernel_started(Stage s, Cycle at) = 0;
    // Completes all buffered work (posted DRAM writes); returns when the last of it is done.
    virtual Cycle flush() = 0;
    // Waveform of GLB occupancy: `delta` bytes start or stop holding live data at cycle `at`.
    virtual void glb_occupancy(Cycle at, std::int64_t delta) = 0;

    // Fast-forward: whether it is on; where the queues of the resources in `mask` end (nothing
    // issued to them later starts earlier); the scheduler's own times for those resources; marks
    // and jumps applied to the modules (a jump moves only the resources in `mask` on in time).
    virtual bool fast_forward_enabled() const = 0;
    virtual Cycle horizon(unsigned mask) const = 0;
    virtual std::vector<Cycle*> own_times(unsigned mask) = 0;
    // Timing state the modules hold beyond their queue ends, relative to `horizon`.
    virtual std::vector<Cycle> probe(Cycle horizon) = 0;
    virtual void mark(std::uint32_t slot) = 0;
    virtual void jump(std::uint32_t slot, std::uint64_t periods, Cycle shift, unsigned mask) = 0;
};

}  // namespace fusemax
