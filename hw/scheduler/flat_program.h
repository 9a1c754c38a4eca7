#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "fusemax/config/flat_dataflow.h"
#include "fusemax/scheduler/fast_forward.h"
#include "fusemax/scheduler/iteration_kinds.h"
#include "fusemax/scheduler/program.h"
#include "fusemax/scheduler/program_io.h"
#include "fusemax/tiling/tiling.h"

namespace fusemax {

// The FLAT baseline (reference section 5b): per (b, h) and query tile of P1 rows, QK on the 2D
// array, the 3-pass softmax on the 1D array (4 cycles per score), then A V on the 2D array, with
// the dataflow flat_dataflow.csv gives for the point.
//  - Output-stationary (1K to 64K): Q and K stream into the 2D array per tile op (each Q element
//    once per 256-key block, each K element once per 256-query block); score tiles stay in the GLB:
//    QK write, pass 1 read, pass 2 read + SN write, pass 3 read + A write, AV read (7 accesses per
//    score), each also moving a fraction p (spill) through DRAM. V streams per 256-query block. Q or
//    V marked on chip is loaded into the GLB once per (b, h) ((1 - p) of it from DRAM) and re-read
//    there, each re-read also costing p.
//  - Weight-stationary (256K, 1M): the Q tile is loaded into the GLB once; K tiles stream in and
//    scores go straight to DRAM; the softmax reads QK back through the GLB and writes A back to DRAM;
//    A streams into the 2D array and the partial O tile is read-modified-written in the GLB.
// Query tiles are software-pipelined in three stages: while the 1D array runs tile g's softmax,
// the 2D array runs QK of tile g + 1 and AV of tile g - 1. The stages are issued interleaved, a
// 256-query sub-tile of the softmax at a time with a matching share of the other two stages' key
// tiles, so transfers reach the DRAM channel in the order they become ready and the arrays and the
// channel overlap as the reference's max(bytes / bandwidth, 2D, 1D) assumes.
// Causal and sliding-window masks: a 256-query sub-tile skips the key tiles none of its queries
// sees (no K or V loads, no QK, softmax or AV ops for them, no spill), and a K or V tile streamed
// once for the whole query tile (weight-stationary) is skipped when no sub-tile sees it.
// Grouped-query attention runs on the job with each group's queries stacked (stack_query_groups).
// Timing mode only.
class FlatProgram final : public Program {
public:
    FlatProgram(ProgramContext& ctx, const Tiling& tiling);
    void run() override;
    static ProgramFactory factory();
    // Throws ConfigError when the table has no dataflow for the shape or the GLB cannot hold it.
    static void validate(const ArchConfig& arch, const Workload& w, const Tiling& t);
    // The dataflow FLAT uses for this shape (a table row, or its nearest when allowed).
    static FlatDataflowMatch dataflow(const ArchConfig& arch, const Workload& w);
    static std::pair<std::uint64_t, const char*> glb_need(const ArchConfig& arch, const Workload& w,
                                                          const FlatDataflow& df);
    static std::uint64_t glb_window(const ArchConfig& arch);  // GLB words, whole rows

private:
    // A double buffer at a PE array's input: a load may start once the op two back has finished.
    struct Stream {
        std::array<Cycle, 2> last_use{};
        std::uint64_t next = 0;
    };

    ProgramContext& ctx_;
    const ArchConfig& arch_;
    const Job& job_;
    const Tiling& t_;
    ProgramIo io_;
    FlatDataflow df_;
    KeyMask mask_;
    std::uint64_t pairs_ = 0, tiles_ = 0, total_ = 0;  // query tiles per (b, h), in the whole job
    std::uint64_t e_ = 0, f_ = 0, tile_words_ = 0;
    bool head_loads_ = false;  // Q or V loaded on chip per (b, h): a pair's first tiles differ
    // No tile differs from the next but at the job's ends (nothing is loaded per (b, h), no mask,
    // no ragged tile): the job's tiles are one loop for fast-forward, across (b, h) pairs.
    bool one_loop_ = false;
    std::uint64_t window_ = 0;  // GLB words the score tiles and on-chip tensors cycle through
    std::uint64_t cursor_ = 0;
    std::uint64_t row_mask_ = 0;  // GLB row words - 1 where a power of two (rounding without a divide)
    // The (b, h, query tile) of the tile coord() last saw: a phase asks for one tile many times.
    mutable std::uint64_t coord_tile_ = ~std::uint64_t{0};
    mutable TileCoord coord_base_;

    std::array<Cycle, 2> qk_done_{}, sm_done_{};  // by tile parity
    Cycle pass1_done_ = 0;                          // softmax: end of pass 1 of the current sub-tile
    std::vector<Cycle> o_done_;                     // AV: last op per sub-tile of the tile in flight
    Stream q_in_, k_in_, v_in_, a_in_;
    std::vector<Cycle*> times_;
    LoopFastForward outer_, inner_;

    // Query tiles [first, first + count), one loop of fast-forward.
    void tiles(std::uint64_t first, std::uint64_t count);
    void tile(std::uint64_t g);
    // Each phase in pieces: QK and AV over key tiles [m_begin, m_end), the softmax per 256-query
    // sub-tile j and pass group, so the pipeline's stages can be issued interleaved in time order.
    void qk_phase(std::uint64_t g, std::uint64_t m_begin, std::uint64_t m_end);
    void softmax_pass1(std::uint64_t g, std::uint64_t j);
    void softmax_pass23(std::uint64_t g, std::uint64_t j);
    void av_phase(std::uint64_t g, std::uint64_t m_begin, std::uint64_t m_end);
    std::uint64_t subtiles(std::uint64_t g) const;
    std::uint32_t queries_of(std::uint64_t g, std::uint64_t j) const;
    // The key tiles [begin, end) some query of sub-tile j of tile g sees; all of them unmasked.
    std::pair<std::uint64_t, std::uint64_t> seen_tiles(std::uint64_t g, std::uint64_t j) const;
    bool sees(std::uint64_t g, std::uint64_t j, std::uint64_t m1) const;
    bool any_sees(std::uint64_t g, std::uint64_t m1) const;
    std::uint64_t part_begin(std::uint64_t part, std::uint64_t parts) const { return t_.m1 * part / parts; }
    Cycle stream_in(Stream& s, Tensor t, std::uint64_t words, const TileCoord& at);
    void used(Stream& s, Cycle done);
    void spill(bool store, std::uint64_t words, const TileCoord& at, Cycle ready);
    std::uint64_t glb_word(std::uint64_t words);
    std::uint64_t rows_of(std::uint64_t t) const;
    TileCoord coord(std::uint64_t g, std::uint64_t m1, std::uint64_t j) const;
    QueryTileKind kind(std::uint64_t g) const;
};

}  // namespace fusemax
