#pragma once
#include <cstdint>
#include <vector>

#include "fusemax/clock/clock.h"

namespace fusemax {

// The timing model's own controls (scheduler -> modules), beside the TLM sockets rather than on
// them: fast-forward bookkeeping never travels as a transaction on a functional path.
//  mark:         remember the statistics now, in `slot`.
//  fast_forward: the schedule has become periodic; account `periods` more repetitions of what
//                happened since the mark in `slot`, with every time `shift` cycles later per period
//                (zero for a module that was idle through the period).
//  probe:        append any timing state the scheduler cannot see, as cycles after `horizon` (times
//                at or before it clamp to 0), so that periodicity is judged on everything that matters.
//  drain:        complete everything the module has accepted (posted writes) and say when.
class TimingControl {
public:
    static constexpr std::uint32_t kSlots = 8;

    virtual ~TimingControl() = default;
    virtual void mark(std::uint32_t slot) = 0;
    virtual void fast_forward(std::uint32_t slot, std::uint64_t periods, Cycle shift) = 0;
    virtual void probe(Cycle /*horizon*/, std::vector<Cycle>& /*state*/) const {}
    virtual Cycle drain() { return 0; }
};

}  // namespace fusemax
