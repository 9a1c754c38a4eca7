#pragma once
#include <cstdint>

#include "fusemax/config/arch_config.h"
#include "fusemax/config/gemm_shape.h"

namespace fusemax {

// How a GEMM Z = A W is mapped (reference end_to_end_and_area.md, section 1): the 2D array computes
// an m0 x n0 block of Z over K, one k0 chunk per tile op, k innermost, so each Z block leaves its PEs
// once (to DRAM, past the GLB). The GLB keeps W whole if it fits beside one m0-row tile of A (W is
// then read from DRAM once, and A's tiles stream through `block_tiles` buffers, two when they fit),
// else one n0-column tile of W at a time against a block of A tiles, as many as fit beside it,
// halving from all of M (W is then re-read once per A block). A and W live in the GLB as (m0 x k0)
// and (k0 x n0) pieces, each contiguous and row-aligned.
struct GemmPlan {
    std::uint32_t m0 = 0, n0 = 0, k0 = 0;
    std::uint64_t m_tiles = 0, n_tiles = 0, k_chunks = 0;
    std::uint64_t block_tiles = 0;  // A tile buffers: m-tiles per A block (W split), or in flight (W whole)
    std::uint64_t blocks = 0;
    bool w_whole = false;           // all of W stays in the GLB
    bool w_outer = false;           // W split, its column tiles outermost (GemmOrder::WTiles)
    std::uint32_t w_slots = 1;      // W tile buffers when W is split (2: the next tile loads behind)
    std::uint64_t a_piece_words = 0, w_piece_words = 0;  // row-aligned
    std::uint64_t a_base = 0, w_base = 0, words_used = 0;
    std::uint32_t last_m = 0, last_n = 0, last_k = 0;  // valid rows, columns, K of the last tiles

    std::uint32_t rows_in(std::uint64_t m_tile) const { return m_tile + 1 == m_tiles ? last_m : m0; }
    std::uint32_t cols_in(std::uint64_t n_tile) const { return n_tile + 1 == n_tiles ? last_n : n0; }
    std::uint32_t k_in(std::uint64_t chunk) const { return chunk + 1 == k_chunks ? last_k : k0; }
    std::uint64_t tiles_in_block(std::uint64_t block) const {
        return block + 1 == blocks ? m_tiles - block * block_tiles : block_tiles;
    }
    // GLB words of the A piece buffer for chunk `c` of A tile buffer `buffer`, and of W's.
    std::uint64_t a_word(std::uint64_t buffer, std::uint64_t c) const {
        return a_base + (buffer * k_chunks + c) * a_piece_words;
    }
    std::uint64_t w_word(std::uint64_t buffer, std::uint64_t c) const {
        return w_base + (buffer * k_chunks + c) * w_piece_words;
    }
};

// Plans the GEMM on this architecture; tile sizes not given in `g` (zero) default to the array's
// rows and columns and k0 = the array's rows. `top`: the buffers sit at the top of the GLB rather
// than at the bottom (consecutive jobs alternate, so that a queued job can load beside the running
// one). Throws ConfigError naming the sizes when the GLB cannot hold one A tile and one W tile, or
// a given tile size is out of range.
GemmPlan plan_gemm(const ArchConfig& a, const GemmShape& g, bool top = false);

}  // namespace fusemax
