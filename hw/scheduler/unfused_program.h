#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "fusemax/scheduler/fast_forward.h"
#include "fusemax/scheduler/iteration_kinds.h"
#include "fusemax/scheduler/program.h"
#include "fusemax/scheduler/program_io.h"
#include "fusemax/scheduler/seen_rows.h"
#include "fusemax/tiling/tiling.h"

namespace fusemax {

// The Unfused baseline (reference sections 4 and 5b): QK, the 3-pass softmax and AV as three
// kernels, one after another, each reading its inputs from DRAM and writing its output back.
// Data movement (the energy accounting the published numbers imply, within 1%):
//  - QK kernel: a Q block is filled into the GLB and a Q tile read per tile step; K tiles stream
//    from DRAM into the 2D array; each QK tile streams back to DRAM.
//  - softmax kernel: each 256-query row block of QK tiles is filled into the GLB (the 1D array
//    takes pass 1, the max, off the fill); pass 2 reads QK and writes SN, pass 3 reads SN and writes
//    A; A drains from the GLB to DRAM. 4 cycles per score on the 1D array.
//  - AV kernel: V tiles (held in the 2D array across a block's query tiles) and A tiles stream in,
//    O streams out after the last key tile.
// Streams into a PE array are double buffered: the next tile may arrive while one is in use.
// Causal and sliding-window masks: each kernel skips the (key tile, query tile) pairs no query of
// the tile sees (no QK op or store, no softmax pass or A store, no A load or AV op), and a block
// skips the K and V rows none of its query tiles sees. Grouped-query attention runs on the job with
// each group's queries stacked (stack_query_groups).
// Timing mode only.
class UnfusedProgram final : public Program {
public:
    UnfusedProgram(ProgramContext& ctx, const Tiling& tiling);
    void run() override;
    static ProgramFactory factory();
    // Throws ConfigError when the GLB cannot hold the job's working set.
    static void validate(const ArchConfig& arch, const Workload& w, const Tiling& t);

private:
    struct Slots {  // a double buffer: when each half holds its data, and when it was last read
        std::array<Cycle, 2> ready{}, last_use{};
    };

    struct GlbLayout {
        std::uint64_t tile_words = 0, q_words = 0;
        std::uint64_t ring = 8;
        std::uint32_t q_slots = 1;
    };
    static GlbLayout layout(const ArchConfig& arch, const Workload& w, const Tiling& t);

    ProgramContext& ctx_;
    const ArchConfig& arch_;
    const Job& job_;
    const Tiling& t_;
    ProgramIo io_;
    std::uint64_t pairs_ = 0, blocks_ = 0, row_tiles_ = 0;
    std::uint64_t e_ = 0, f_ = 0;
    std::uint64_t tile_words_ = 0;
    std::uint64_t q_slot_[2] = {0, 0};
    std::uint32_t q_slots_ = 1;
    std::uint64_t ring_ = 0;  // score tiles in flight in the GLB (a ring of buffers)

    Cycle kernel_start_ = 0;
    Slots q_, k_, v_, a_;
    unsigned uses_ = kUsesAll;  // resources the current kernel keeps busy
    std::vector<Cycle*> times_;
    // Masked, a head's blocks and row blocks differ (each sees other rows): the period is a head.
    LoopFastForward outer_, inner_, head_ff_;
    KeyMask mask_;
    SeenRows seen_;  // rows of K and V tiles numbered in the order the blocks run them

    // Runs `block(i)` for i in [0, count), where a head has `per_head` of them, with fast-forward
    // over single iterations (kind(i)) unmasked and over whole heads masked.
    template <class Body, class KindOf>
    void each(std::uint64_t count, std::uint64_t per_head, const Body& block, const KindOf& kind);
    template <class Body>
    void each(std::uint64_t count, std::uint64_t per_head, const Body& block);  // blocks of query tiles
    // The key rows block `blk` runs (the seen ones), `row(m1, first)` each, with fast-forward over
    // rows of equal kind; `distance`: how many rows ahead a row streams its K or V.
    template <class Row>
    void block_rows(std::uint64_t blk, std::uint64_t distance, const Row& row);
    void qk_kernel();
    void qk_row(std::uint64_t blk, std::uint64_t m1);
    void softmax_kernel();
    void softmax_row_block(std::uint64_t g);
    void av_kernel();
    void av_row(std::uint64_t blk, std::uint64_t m1);
    bool sees(std::uint64_t blk, std::uint64_t p1, std::uint64_t m1) const;
    void begin_kernel(Stage stage, unsigned uses);
    Cycle load_q(std::uint64_t blk);

    TileCoord coord(std::uint64_t blk, std::uint64_t m1, std::uint64_t p1) const;
    RowKind row_kind(std::uint64_t blk, std::uint64_t m1, std::uint64_t distance) const;
    void stream_row(Tensor t, std::uint64_t row);
    BlockKind block_kind(std::uint64_t blk) const;
    std::uint32_t queries_of(std::uint64_t blk, std::uint64_t p1) const;
    std::uint64_t ring_word(std::uint64_t m1, std::uint64_t which) const;
};

}  // namespace fusemax
