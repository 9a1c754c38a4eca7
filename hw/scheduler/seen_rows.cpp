#include "fusemax/scheduler/seen_rows.h"

#include <algorithm>

namespace fusemax {

SeenRows::SeenRows(const Tiling& t, const KeyMask& mask, std::uint64_t seq_kv, std::uint64_t pairs)
    : t_(t), mask_(mask), seq_kv_(seq_kv) {
    before_.assign(t_.p2 + 1, 0);
    for (std::uint64_t p2 = 0; p2 < t_.p2; ++p2) {
        const auto [begin, end] = of_block(p2);
        before_[p2 + 1] = before_[p2] + (end - begin);
    }
    per_head_ = before_[t_.p2];
    total_ = pairs * per_head_;
}

std::pair<std::uint64_t, std::uint64_t> SeenRows::of_tile(std::uint64_t tile) const {
    const std::uint64_t first_query = tile * t_.p0;
    const auto [first, last] = mask_.seen_keys(first_query, first_query + t_.queries_in(tile), seq_kv_);
    return {first / t_.m0, last / t_.m0};
}

bool SeenRows::sees(std::uint64_t tile, std::uint64_t m1) const {
    const auto [first, last] = of_tile(tile);
    return first <= m1 && m1 <= last;
}

std::pair<std::uint64_t, std::uint64_t> SeenRows::of_block(std::uint64_t blk) const {
    const std::uint64_t first_tile = query_tile(blk, 0);
    const std::uint64_t last_tile = std::min(first_tile + t_.p1, t_.query_tiles) - 1;
    return {of_tile(first_tile).first, of_tile(last_tile).second + 1};
}

std::uint64_t SeenRows::ordinal(std::uint64_t blk, std::uint64_t m1) const {
    return (blk / t_.p2) * per_head_ + before_[blk % t_.p2] + (m1 - of_block(blk).first);
}

std::pair<std::uint64_t, std::uint64_t> SeenRows::row_of(std::uint64_t n) const {
    const std::uint64_t head = n / per_head_, within = n % per_head_;
    const std::uint64_t p2 = std::uint64_t(std::upper_bound(before_.begin(), before_.end(), within) - before_.begin()) - 1;
    const std::uint64_t blk = head * t_.p2 + p2;
    return {blk, of_block(blk).first + (within - before_[p2])};
}

}  // namespace fusemax
