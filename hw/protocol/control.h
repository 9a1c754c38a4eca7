#pragma once
#include <tlm>

#include <cstdint>
#include <vector>

#include "util/clock.h"

namespace fusemax {

// Control of the timing model (scheduler -> PE arrays and DRAM controller, DRAM controller -> GLB),
// carried with TLM_IGNORE_COMMAND.
//  Mark: remember the statistics now, in `slot`.
//  FastForward: the schedule has become periodic; account `periods` more repetitions of what
//    happened since the mark in `slot`, with every time `shift` cycles later per period.
//  Probe: append any timing state the scheduler cannot see to `state`, as cycles after `horizon`
//    (times at or before it clamp to 0), so periodicity is judged on everything that matters.
//  Flush: complete all buffered work; `result` is when the last of it is done.
struct Control : tlm::tlm_extension<Control> {
    enum class Kind : std::uint8_t { Mark, FastForward, Probe, Flush };
    Kind kind = Kind::Mark;
    std::uint32_t slot = 0;
    std::uint64_t periods = 0;
    Cycle shift = 0;  // cycles per period
    Cycle horizon = 0;
    Cycle result = 0;
    std::vector<Cycle> state;

    static constexpr std::uint32_t kSlots = 8;

    tlm::tlm_extension_base* clone() const override { return new Control(*this); }
    void copy_from(const tlm::tlm_extension_base& other) override { *this = static_cast<const Control&>(other); }
};

// Counter arithmetic for fast-forward: current += periods x (current - mark).
inline void advance_counter(std::uint64_t& current, std::uint64_t mark, std::uint64_t periods) {
    current += periods * (current - mark);
}

}  // namespace fusemax
