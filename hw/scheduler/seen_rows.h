#pragma once
#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "fusemax/program/ops.h"
#include "fusemax/tiling/tiling.h"

namespace fusemax {

// Which key rows (tiles of M0 keys) the query tiles of a tiling see under a mask, and the order a
// program visits them in. A block (P1 query tiles of a head) runs the rows from the first any of
// its tiles sees to the last (the seen ranges of consecutive query tiles overlap or touch, so every
// row between is seen by one of them); rows are numbered in the order blocks run them, so double
// buffers can alternate by that number. Without a mask every block runs every row.
class SeenRows {
public:
    SeenRows(const Tiling& t, const KeyMask& mask, std::uint64_t seq_kv, std::uint64_t pairs);

    // Key rows [first, last] that query tile `tile` of a head sees.
    std::pair<std::uint64_t, std::uint64_t> of_tile(std::uint64_t tile) const;
    bool sees(std::uint64_t tile, std::uint64_t m1) const;
    // Block `blk` (of the whole job, p2 per head): its rows [begin, end).
    std::pair<std::uint64_t, std::uint64_t> of_block(std::uint64_t blk) const;
    std::uint64_t ordinal(std::uint64_t blk, std::uint64_t m1) const;        // a row's number
    std::pair<std::uint64_t, std::uint64_t> row_of(std::uint64_t n) const;  // row n's (blk, m1)
    std::uint64_t total() const { return total_; }                        // rows the job runs
    std::uint64_t query_tile(std::uint64_t blk, std::uint64_t p1) const { return (blk % t_.p2) * t_.p1 + p1; }
    // The query tiles [begin, end) of block blk for which `pred(first, last)` holds of their seen
    // rows (an empty range as [0, 0)).
    template <class Pred>
    std::pair<std::uint64_t, std::uint64_t> tiles_where(std::uint64_t blk, Pred pred) const;

private:
    const Tiling& t_;
    KeyMask mask_;
    std::uint64_t seq_kv_ = 0;
    std::vector<std::uint64_t> before_;  // before_[p2]: the rows a head's blocks before p2 run
    std::uint64_t per_head_ = 0, total_ = 0;
};

// Of query tiles 0 .. count - 1, whose seen rows are `seen(i)`, the range from the first to the last
// for which `pred(first, last)` holds (an empty range as [0, 0)); masks make them consecutive.
template <class Seen, class Pred>
std::pair<std::uint64_t, std::uint64_t> tiles_where(std::uint64_t count, Seen seen, Pred pred) {
    std::uint64_t begin = count, end = 0;
    for (std::uint64_t i = 0; i < count; ++i) {
        const auto [first, last] = seen(i);
        if (pred(first, last)) begin = std::min(begin, i), end = i + 1;
    }
    return begin < end ? std::pair{begin, end} : std::pair<std::uint64_t, std::uint64_t>{0, 0};
}

template <class Pred>
std::pair<std::uint64_t, std::uint64_t> SeenRows::tiles_where(std::uint64_t blk, Pred pred) const {
    const std::uint64_t first = query_tile(blk, 0);
    return fusemax::tiles_where(std::min<std::uint64_t>(t_.p1, t_.query_tiles - first),
                                [this, first](std::uint64_t i) { return of_tile(first + i); }, pred);
}

}  // namespace fusemax
