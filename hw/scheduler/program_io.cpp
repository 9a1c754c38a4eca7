#include "fusemax/scheduler/program_io.h"

#include <algorithm>

namespace fusemax {

Cycle ProgramIo::op(Op op, const TileCoord& at, const OpExtent& extent, std::initializer_list<GlbAccess> glb,
                    Cycle ready) {
    op_.op = op;
    op_.at = at;
    op_.extent = extent;
    op_.glb_count = 0;
    for (const GlbAccess& g : glb) op_.glb[op_.glb_count++] = g;
    const Cycle done = ctx_.issue(op_, ready);
    all_done_ = std::max(all_done_, done);
    return done;
}

Cycle ProgramIo::move(Tensor t, bool store, GlbSide side, std::uint64_t words, std::uint64_t glb_word,
                      const TileCoord& at, Cycle ready) {
    if (words == 0) return ready;
    dma_.store = store;
    dma_.side = side;
    dma_.tensor = t;
    dma_.at = at;
    dma_.mem_addr = 0;
    dma_.rows = 1;
    dma_.row_elems = static_cast<std::uint32_t>(words);
    dma_.row_stride = words * 2;
    dma_.glb_word = glb_word;
    dma_.functional = false;
    const Cycle done = ctx_.transfer(dma_, ready);
    all_done_ = std::max(all_done_, done);
    return done;
}

}  // namespace fusemax
