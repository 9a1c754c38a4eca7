#pragma once
#include <cstdint>
#include <vector>

#include "fusemax/scheduler/fast_forward.h"
#include "fusemax/scheduler/program.h"
#include "fusemax/tiling/gemm_plan.h"

namespace fusemax {

// Z = A W on the 2D array, mapped as reference end_to_end_and_area.md section 1 says (GemmPlan):
// one MM op per K chunk of each m0 x n0 block of Z, k innermost, the block leaving the array for
// DRAM after its last chunk. A and W wait in the GLB as pieces (an m0 x k0 or k0 x n0 chunk each):
//  - W whole: Z blocks row by row (m outer, n inner); A's tiles stream through `block_tiles`
//    buffers, each loading as soon as the tile before it in that buffer is done;
//  - W split: per A block, W's column tiles one after another through `w_slots` buffers, each
//    against all of the block's A tiles; the next block's A tiles load during the last W tile;
//  - W split, W tiles outermost (GemmOrder::WTiles): each W tile once, against all of A's tiles
//    through the `block_tiles` buffers (A read once per W tile unless one block holds it all).
//    Simulated step by step (no fast-forward).
// Loads are issued in the order the ops need them (the DRAM channel serves them in that order):
// W piece by piece as the first ops need it, the first A block likewise. The A tile sequence is
// the m-tiles in order; the W sequence is W's column tiles, once (whole) or once per block (split).
class GemmProgram final : public Program {
public:
    GemmProgram(ProgramContext& ctx, const GemmPlan& plan);
    void run() override;
    std::vector<GlbRelease> glb_releases() const override;
    static ProgramFactory factory();

private:
    struct Piece {                // one GLB buffer for an A or W piece
        std::uint64_t holds = 0;  // 1 + the sequence number of its contents (0: empty)
        Cycle ready = 0, last_use = 0;
        std::int64_t bytes = 0;
    };

    ProgramContext& ctx_;
    const ArchConfig& arch_;
    const Job& job_;
    GemmPlan p_;
    std::uint64_t w_buffers_ = 0,
                  w_total_ = 0;  // W tile buffers; W tiles the job loads
    std::vector<Piece> a_, w_;   // by buffer * k_chunks + chunk
    std::vector<float> z_;
    TileOp op_;
    DmaTransfer dma_;
    LoopFastForward outer_, inner_;

    void whole_w();
    void split_w();
    void w_tiles_outer();
    void z_block(std::uint64_t g, std::uint64_t j, std::uint64_t s, bool a_last, bool w_last);
    Piece& a_piece(std::uint64_t g, std::uint64_t c) { return a_[(g % p_.block_tiles) * p_.k_chunks + c]; }
    Piece& w_piece(std::uint64_t s, std::uint64_t c) { return w_[(s % w_buffers_) * p_.k_chunks + c]; }
    void load_a(std::uint64_t g, std::uint64_t c);
    void load_w(std::uint64_t s, std::uint64_t c);
    // Loads the pieces of A tile `g` / W tile `s` its buffers do not hold yet.
    void load_tile_a(std::uint64_t g);
    void load_tile_w(std::uint64_t s);
    void replace_contents(Piece& piece, std::uint64_t holds, std::int64_t bytes);
    // Fast-forward: the timing state listed from A tile `g`'s and W tile `s`'s
    // buffers on (so equal lists mean equal states relative to the loop
    // position), and the buffers moved on after `a_by` A tiles and `w_by` W tiles
    // were skipped.
    std::vector<Cycle*> times(std::uint64_t g, std::uint64_t s);
    void skip(std::uint64_t a_by, std::uint64_t w_by);
};

}  // namespace fusemax
