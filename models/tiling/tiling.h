#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <string>

#include "fusemax/config/arch_config.h"
#include "fusemax/config/workload.h"

namespace fusemax {

// How one (b, h) pair is cut into tiles (reference section 5). Loop order, outer to inner:
// b, h, p2, m1, p1, then the spatial m0 x p0 tile.
struct Tiling {
    std::uint32_t m0 = 0;           // keys per tile (2D rows)
    std::uint32_t p0 = 0;           // queries per tile (2D columns)
    std::uint64_t m1 = 0;           // key tiles, ceil(M / m0)
    std::uint64_t query_tiles = 0;  // ceil(P / p0)
    std::uint64_t p1 = 0;           // query tiles sharing each K/V tile in the GLB
    std::uint64_t p2 = 0;           // query blocks, query_tiles / p1
    std::uint32_t last_m0 = 0;      // valid keys in the last key tile
    std::uint32_t last_p0 = 0;      // valid queries in the last query tile

    std::uint64_t tile_steps_per_pair() const { return m1 * query_tiles; }
    std::uint32_t keys_in(std::uint64_t m1_index) const { return m1_index + 1 == m1 ? last_m0 : m0; }
    std::uint32_t queries_in(std::uint64_t query_tile) const {
        return query_tile + 1 == query_tiles ? last_p0 : p0;
    }
};

// Word addresses of the GLB regions the schedule uses; every region starts on a row.
struct GlbPlan {
    std::uint64_t q_slot[2] = {0, 0};
    std::uint64_t k_slot[2] = {0, 0};
    std::uint64_t v_slot[2] = {0, 0};
    std::uint32_t q_slots = 1;   // 2 when the next Q block is prefetched
    std::uint32_t kv_slots = 1;  // 2 when the next K/V tile is prefetched
    std::uint64_t rm = 0, rd = 0, rnv = 0;  // running state of the block's p1 * p0 query columns
    // Two buffers (by tile-step parity) for each op whose result the configuration routes through
    // the GLB: where they start and the words of one, row-aligned.
    std::array<std::uint64_t, kOpCount> routed{};
    std::array<std::uint64_t, kOpCount> routed_words{};
    std::uint64_t words_used = 0;
};

// Keys and queries per tile (M0, P0): the mapping's, at most the array's rows and columns.
inline std::uint32_t tile_keys(const ArchConfig& a) { return a.tiling.m0 ? std::min(a.tiling.m0, a.pe2d.rows) : a.pe2d.rows; }
inline std::uint32_t tile_queries(const ArchConfig& a) {
    return a.tiling.p0 ? std::min(a.tiling.p0, a.pe2d.cols) : a.pe2d.cols;
}

// Chooses P1 from the GLB size as the reference does (or takes the configured P1) and checks the
// working set fits. Throws ConfigError naming the sizes when the GLB cannot hold one tile step.
Tiling choose_tiling(const ArchConfig& arch, const Workload& w);

// Lays the regions out in the GLB; spare space becomes second K/V and Q buffers for prefetching.
GlbPlan plan_glb(const ArchConfig& arch, const Workload& w, const Tiling& t);

}  // namespace fusemax
