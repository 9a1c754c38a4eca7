#pragma once
#include <cstdint>
#include <tuple>
#include <utility>

namespace fusemax {

// What makes one loop iteration's work differ from another's as far as timing and counts go:
// fast-forward jumps only over runs of iterations of equal kind. Each kind is a plain struct whose
// tie() lists its fields; kinds compare field by field.
template <class Kind, class = decltype(std::declval<const Kind&>().tie())>
bool operator==(const Kind& a, const Kind& b) {
    return a.tie() == b.tie();
}

// A row of key tiles against a block of query tiles.
struct RowKind {
    std::uint32_t keys = 0;        // keys in this row's key tile (the last may be ragged)
    std::uint32_t keys_ahead = 0;  // keys of the tile it streams ahead (0: none left)
    bool first = false;            // the block's first key tile (running state starts)
    bool last = false;             // the block's last key tile (AV, O stores)
    std::uint64_t next_q_tiles = 0;  // tiles of the next block's Q it loads
    // Masked attention: the query tiles [begin, end) of the block that run this row, and those for
    // which it is the first (state starts) and the last (AV, O store) key tile they see.
    std::pair<std::uint64_t, std::uint64_t> runs{}, firsts{}, lasts{};
    auto tie() const { return std::tie(keys, keys_ahead, first, last, next_q_tiles, runs, firsts, lasts); }
};

// A block of query tiles (one Q block in the GLB).
struct BlockKind {
    bool ragged = false;    // its last query tile is ragged
    bool first = false;     // the job's first block
    bool near_end = false;  // fewer loads ahead near the end of the job
    std::uint64_t masked_p2 = 0;  // masked attention: which block of its head (their rows differ), plus one
    auto tie() const { return std::tie(ragged, first, near_end, masked_p2); }
};

// A row block of the Unfused softmax kernel (and the one it fills ahead).
struct RowBlockKind {
    std::uint32_t queries = 0, next_queries = 0;
    bool first = false;
    auto tie() const { return std::tie(queries, next_queries, first); }
};

// A FLAT query tile: its rows, and those of the tiles whose QK and AV it overlaps.
struct QueryTileKind {
    std::uint64_t rows = 0, next_rows = 0, prev_rows = 0;
    bool head_start = false, head_end = false;  // first / last tile of a (b, h)
    bool first = false, last = false;           // of the job
    bool prev_head_start = false;               // finishes the first tile of a (b, h) (FLAT: on-chip V)
    std::uint64_t masked_tile = 0;              // masked attention: which tile of its (b, h), plus one
    auto tie() const {
        return std::tie(rows, next_rows, prev_rows, head_start, head_end, first, last, prev_head_start, masked_tile);
    }
};

// A (b, h) pair of FLAT.
struct PairKind {
    bool first = false, last = false;
    auto tie() const { return std::tie(first, last); }
};

// A GEMM's m-tile when all of W stays in the GLB (a row of Z blocks).
struct GemmRowKind {
    std::uint32_t rows = 0;        // A rows in the tile (the last may be ragged)
    std::uint32_t ahead_rows = 0;  // rows of the A tile it loads ahead (0: none)
    bool first = false;            // loads W and the first tiles of A
    auto tie() const { return std::tie(rows, ahead_rows, first); }
};

// A pass of one W column tile over a GEMM's A block (W split).
struct GemmPassKind {
    std::uint32_t cols = 0;         // W columns in the tile
    std::uint32_t refill_cols = 0;  // columns of the W tile loaded into its buffer after it
    bool refills_a = false;         // the block's last pass: the next block's A loads behind it
    bool fresh = false;             // it loads contents no buffer held before
    auto tie() const { return std::tie(cols, refill_cols, refills_a, fresh); }
};

// A GEMM's A block (W split).
struct GemmBlockKind {
    std::uint64_t tiles = 0, next_tiles = 0;
    bool first = false, last = false;
    auto tie() const { return std::tie(tiles, next_tiles, first, last); }
};

}  // namespace fusemax
