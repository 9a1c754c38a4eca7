#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "fusemax/scheduler/fast_forward.h"
#include "fusemax/scheduler/iteration_kinds.h"
#include "fusemax/scheduler/program.h"
#include "fusemax/scheduler/seen_rows.h"
#include "fusemax/scheduler/tensor_block.h"
#include "fusemax/tiling/tiling.h"

namespace fusemax {

// The 1-pass cascade's loop nest (FuseMax, +Architecture, +Cascade): b, h, p2 (Q block in the GLB),
// m1 (K and V tiles streamed past it), p1 (tile steps), AV after the last key tile of each query
// tile. Loads are issued as soon as a GLB slot is free; each op is issued when its inputs are
// ready. Rows of key tiles and whole Q blocks are fast-forwarded once periodic.
class OnePassProgram final : public Program {
public:
    OnePassProgram(ProgramContext& ctx, const Tiling& tiling, const GlbPlan& plan);
    void run() override;
    static ProgramFactory factory();

private:
    ProgramContext& ctx_;
    const ArchConfig& arch_;
    const Job& job_;
    const Tiling& t_;
    const GlbPlan& plan_;
    std::uint64_t blocks_ = 0, rows_ = 0;

    // When things become ready or free (cycles). Q and K/V slots are double buffers.
    // Q arrives a query tile at a time (the block's first tile first), so a block's first QK waits
    // for its own tile only; each tile's place frees once the block's last QK has read it.
    std::array<std::vector<Cycle>, 2> q_ready_, q_last_use_;
    std::array<Cycle, 2> k_ready_{}, k_last_use_{}, v_ready_{}, v_last_use_{};
    std::vector<Cycle> rm_ready_, rd_ready_, rnv_ready_;  // running state per query tile of the block
    std::vector<Cycle> state_free_;                        // AV has read the previous block's state
    std::array<Cycle, 2> routed_free_{};                   // routed tile buffers, by step parity
    std::array<std::vector<std::int64_t>, 2> q_bytes_;
    std::array<std::int64_t, 2> k_bytes_{}, v_bytes_{};  // what each slot holds (waveform only)
    Cycle barrier_ = 0;                                    // without interleaving: previous step drained
    std::uint64_t steps_ = 0;

    std::array<bool, kOpCount> forward_{};
    std::array<bool, kOpCount> overlaps_next_{};
    // A step op's dependencies, resolved once from its table row and binding: the earlier ops of
    // the step it waits for (bits by position in the step) and the GLB operands it reads and
    // writes (bits by Operand), so that a tile step follows bits instead of walking the table.
    struct StepOp {
        const OpBinding* binding = nullptr;
        Op op = Op::QK;
        bool forward = false;    // its result crosses to the other array by register forward
        bool glb_write = false;  // its result is routed through the GLB
        std::uint32_t waits_for = 0;
        std::uint32_t reads = 0, writes = 0;
        std::uint32_t tile_reads = 0;  // Q, K and V reads: the op is their tile's latest user
        bool opens = false;            // no inputs: waits for the barrier (the previous step drained)
        bool reads_state = false;      // at the first key tile, waits until AV read the previous block's state
        bool reads_routed = false;     // reads an intermediate back from the GLB's routed buffer
        bool holds_barrier = false;    // without interleaving: the next step waits for it
    };
    std::vector<StepOp> step_;
    TileOp op_;
    DmaTransfer dma_;
    std::vector<float> o_tile_;
    std::vector<Cycle*> times_;
    // Masked, a head's blocks differ (each sees other rows): the period is a head, not a block.
    LoopFastForward block_ff_, row_ff_, head_ff_;
    // Masked attention (causal, window): a block runs only the key rows its queries see, and each
    // query tile only the rows it sees; K/V slots alternate by the row's number in that order.
    KeyMask mask_;
    SeenRows seen_;

    // What the tile steps of the block being run share, worked out when it starts so that the
    // divides stay off the per-step path.
    struct BlockState {
        std::uint64_t index = 0;
        TileCoord at;                  // the block's b, h and p2 (each step sets m1 and p1)
        std::uint64_t first_tile = 0;  // its first query tile
        std::uint64_t tiles = 0;       // query tiles it has (fewer than P1 at a head's end)
        std::uint32_t q_slot = 0;
        std::uint64_t begin = 0, end = 0;  // the rows it runs, [begin, end)
        std::uint64_t ordinal = 0;         // the number of its first row
        std::vector<std::pair<std::uint64_t, std::uint64_t>> seen;  // the key rows each query tile sees
    };
    BlockState block_;

    void plan_steps();
    void enter(std::uint64_t blk);
    void block(std::uint64_t blk);
    void row(std::uint64_t blk, std::uint64_t m1);
    // One tile step of row m1: the row's K/V slot, and the key rows [first, last] the tile sees.
    void tile_step(std::uint64_t blk, std::uint64_t m1, std::uint64_t p1, std::uint32_t kvs,
                   std::pair<std::uint64_t, std::uint64_t> seen);
    void load_q(std::uint64_t blk, std::uint64_t first_tile, std::uint64_t end_tile);  // tiles [first, end)
    // The next block's Q tiles [begin, end) that row r of the running block (counted from its
    // first) loads.
    std::pair<std::uint64_t, std::uint64_t> next_q_tiles(std::uint64_t r) const;
    void load_kv(std::uint64_t row);
    void store_o(std::uint64_t blk, std::uint64_t p1, Cycle ready);
    void replace_contents(std::int64_t& held, std::int64_t bytes);
    GlbAccess routed_access(Op op, std::uint32_t parity, bool write) const;
    TileOperands operand_words(std::uint32_t qs, std::uint32_t kvs, std::uint64_t p1) const;
    std::vector<Cycle>& state_ready(Operand o);
    Cycle dma(const TensorBlock& block, std::uint64_t glb_word, bool store, Cycle ready);
    Cycle dma_part(const TensorBlock& block, std::uint64_t glb_word, bool store, Cycle ready, float* data);
    TileCoord coord(std::uint64_t blk, std::uint64_t m1, std::uint64_t p1) const;
    RowKind row_kind(std::uint64_t m1) const;  // of the running block
    BlockKind block_kind(std::uint64_t blk) const;
};

}  // namespace fusemax
