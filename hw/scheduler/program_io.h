#pragma once
#include <cstdint>
#include <initializer_list>

#include "fusemax/scheduler/program_context.h"

namespace fusemax {

// Issue helpers of the timing-only programs (Unfused, FLAT): ops whose GLB traffic is listed with
// them, and transfers that have a size but no place in platform memory. Tracks the completion of
// everything issued, which is what a kernel barrier waits for.
class ProgramIo {
public:
    explicit ProgramIo(ProgramContext& ctx) : ctx_(ctx) {
        op_.functional = false;
        op_.listed_only = true;
    }

    // `glb` lists the op's GLB reads (when it starts) and writes (when it ends).
    Cycle op(Op op, const TileCoord& at, const OpExtent& extent, std::initializer_list<GlbAccess> glb, Cycle ready);
    // A block of `words` hardware words between DRAM and the chip; `side` says whether the chip end
    // is the GLB (rows counted there) or a PE array.
    Cycle move(Tensor t, bool store, GlbSide side, std::uint64_t words, std::uint64_t glb_word, const TileCoord& at,
               Cycle ready);

    // The kernel the ops and transfers issued from now on serve (statistics: rooflines).
    void stage(Stage s) { op_.stage = dma_.stage = s; }

    Cycle all_done() const { return all_done_; }
    Cycle& all_done_ref() { return all_done_; }

private:
    ProgramContext& ctx_;
    TileOp op_;
    DmaTransfer dma_;
    Cycle all_done_ = 0;
};

// A GLB access of a whole tile at `word`.
inline GlbAccess glb_read(std::uint64_t word, std::uint64_t words) { return {word, words, false, TileValue::QK}; }
inline GlbAccess glb_write(std::uint64_t word, std::uint64_t words) { return {word, words, true, TileValue::QK}; }

}  // namespace fusemax
