#include "fusemax/scheduler/fast_forward.h"

#include <algorithm>

namespace fusemax {

void LoopFastForward::reset(unsigned uses) {
    uses_ = uses;
    for (Snapshot& s : history_) s.valid = false;
}

void LoopFastForward::record(std::uint64_t i, Cycle horizon, std::vector<Cycle> relative) {
    ctx_.mark(slot(i));
    Snapshot& s = history_[i % 2];
    s.valid = true;
    s.iteration = i;
    s.horizon = horizon;
    s.relative = std::move(relative);
}

std::uint64_t LoopFastForward::after(std::uint64_t i, std::uint64_t count, bool like_previous,
                                     const std::function<bool(std::uint64_t)>& like_this,
                                     const std::vector<Cycle*>& times) {
    std::vector<Cycle*> all = times;
    for (Cycle* t : ctx_.own_times(uses_)) all.push_back(t);
    const Cycle h = ctx_.horizon(uses_);
    std::vector<Cycle> relative;
    relative.reserve(all.size());
    for (const Cycle* t : all) relative.push_back(std::max(*t, h) - h);
    for (Cycle c : ctx_.probe(h)) relative.push_back(c);

    const Snapshot& old = history_[i % 2];
    const bool periodic = old.valid && old.iteration + 2 == i && like_previous && old.relative == relative;
    if (!periodic) {
        record(i, h, std::move(relative));
        return 0;
    }
    std::uint64_t run = 0;
    while (i + 1 + run < count && like_this(i + 1 + run)) ++run;
    const std::uint64_t periods = run / 2;
    if (periods == 0) {
        record(i, h, std::move(relative));
        return 0;
    }
    const Cycle shift = h - old.horizon;
    ctx_.jump(slot(i), periods, shift, uses_);
    for (Cycle* t : times) *t += periods * shift;
    const std::uint64_t skipped = 2 * periods;
    for (Snapshot& s : history_) s.valid = false;
    record(i + skipped, h + periods * shift, std::move(relative));
    return skipped;
}

}  // namespace fusemax
