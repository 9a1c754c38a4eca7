#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <vector>

#include "fusemax/scheduler/program_context.h"

namespace fusemax {

// Exact fast-forward of one loop level. After each iteration the program reports which kind of
// work the iteration was and lists its timing state. Times at or before the horizon (every
// resource is busy past them) cannot influence anything later, so the state is compared relative
// to the horizon with those clamped. When the state after iteration i equals the state after
// iteration i-2 (two iterations make a period, since double buffers alternate), and the coming
// iterations are of the same kind, the schedule is periodic: the remaining whole periods are
// accounted in one jump (every module repeats its counters' last-period deltas, every time moves
// on by the period's shift). Nothing is approximated: a run with fast-forward gives the same
// cycles and counts as one without.
//
// What kind of work an iteration is comes from the program as a typed value (a small struct of the
// sizes and flags that make iterations differ, compared with ==).
class LoopFastForward {
public:
    LoopFastForward(ProgramContext& ctx, std::uint32_t level) : ctx_(ctx), level_(level) {}

    // The resources the loop keeps busy (kUses*): the others are idle during it, and their old
    // queue ends neither bound the horizon nor move in a jump.
    void reset(unsigned uses = kUsesAll);
    // Call after iteration `i` of `count`; `kind(j)` is iteration j's kind. Returns how many
    // further iterations were accounted (the caller skips them).
    template <class KindOf>
    std::uint64_t after(std::uint64_t i, std::uint64_t count, const KindOf& kind, const std::vector<Cycle*>& times) {
        if (!ctx_.fast_forward_enabled()) return 0;
        const auto k = kind(i);
        const bool like_previous = i >= 1 && kind(i - 1) == k;
        return after(i, count, like_previous, [&kind, &k](std::uint64_t j) { return kind(j) == k; }, times);
    }

private:
    struct Snapshot {
        bool valid = false;
        std::uint64_t iteration = 0;
        Cycle horizon = 0;
        std::vector<Cycle> relative;
    };

    ProgramContext& ctx_;
    std::uint32_t level_;
    unsigned uses_ = kUsesAll;
    std::array<Snapshot, 2> history_;  // by iteration parity

    std::uint32_t slot(std::uint64_t i) const { return 2 * level_ + static_cast<std::uint32_t>(i % 2); }
    void record(std::uint64_t i, Cycle horizon, std::vector<Cycle> relative);
    std::uint64_t after(std::uint64_t i, std::uint64_t count, bool like_previous,
                        const std::function<bool(std::uint64_t)>& like_this, const std::vector<Cycle*>& times);
};

}  // namespace fusemax
