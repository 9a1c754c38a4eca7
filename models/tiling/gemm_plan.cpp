#include "fusemax/tiling/gemm_plan.h"

#include "fusemax/config/config_error.h"

namespace fusemax {
namespace {

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }
std::uint64_t round_up(std::uint64_t a, std::uint64_t b) { return ceil_div(a, b) * b; }

}  // namespace

GemmPlan plan_gemm(const ArchConfig& a, const GemmShape& g, bool top) {
    GemmPlan p;
    auto tile = [](std::uint32_t given, std::uint32_t array, const char* what) {
        if (given > array)
            throw ConfigError("gemm: " + std::string(what) + " = " + std::to_string(given) + ": expected at most the array's " +
                              std::to_string(array));
        return given ? given : array;
    };
    p.m0 = tile(g.m0, a.pe2d.rows, "m0");
    p.n0 = tile(g.n0, a.pe2d.cols, "n0");
    p.k0 = a.pe2d.rows;
    p.m_tiles = ceil_div(g.m, p.m0);
    p.n_tiles = ceil_div(g.n, p.n0);
    p.k_chunks = ceil_div(g.k, p.k0);
    p.last_m = static_cast<std::uint32_t>(g.m - (p.m_tiles - 1) * p.m0);
    p.last_n = static_cast<std::uint32_t>(g.n - (p.n_tiles - 1) * p.n0);
    p.last_k = static_cast<std::uint32_t>(g.k - (p.k_chunks - 1) * p.k0);

    const std::uint64_t row = a.glb.row_words, capacity = a.glb_capacity_words();
    p.a_piece_words = round_up(std::uint64_t{p.m0} * p.k0, row);
    p.w_piece_words = round_up(std::uint64_t{p.k0} * p.n0, row);
    const std::uint64_t a_tile = p.k_chunks * p.a_piece_words, w_tile = p.k_chunks * p.w_piece_words;
    const std::uint64_t w_all = p.n_tiles * w_tile;
    if (a_tile + w_tile > capacity)
        throw ConfigError(a.source + ": key 'glb.capacity_bytes': " + std::to_string(a.glb.capacity_bytes) +
                          " bytes cannot hold one " + std::to_string(p.m0) + "-row tile of A and one " +
                          std::to_string(p.n0) + "-column tile of W for K = " + std::to_string(g.k) + " (" +
                          std::to_string((a_tile + w_tile) * a.word_bytes) + " bytes)");
    p.w_whole = w_all + a_tile <= capacity;
    const std::uint64_t w_space = p.w_whole ? w_all : w_tile;
    if (g.block_rows) {
        p.block_tiles = ceil_div(g.block_rows, p.m0);
        if (p.block_tiles * a_tile + w_space > capacity)
            throw ConfigError("gemm: block_rows = " + std::to_string(g.block_rows) + ": A blocks of " +
                              std::to_string(p.block_tiles * p.m0) + " rows do not fit the GLB beside W");
    } else if (p.w_whole) {
        // W is read once however A is blocked: A's tiles stream through two buffers (the next one
        // loads while one is in use), or one if two do not fit.
        p.block_tiles = 2 * a_tile + w_space <= capacity ? 2 : 1;
    } else {
        p.block_tiles = p.m_tiles;
        while (p.block_tiles > 1 && p.block_tiles * a_tile + w_space > capacity) p.block_tiles = ceil_div(p.block_tiles, 2);
    }
    p.block_tiles = std::min(p.block_tiles, p.m_tiles);
    p.blocks = ceil_div(p.m_tiles, p.block_tiles);
    p.w_slots = !p.w_whole && p.block_tiles * a_tile + 2 * w_tile <= capacity ? 2 : 1;
    p.w_outer = !p.w_whole && g.order == GemmOrder::WTiles;
    p.words_used = p.block_tiles * a_tile + (p.w_whole ? w_all : p.w_slots * w_tile);
    p.a_base = top ? capacity / row * row - p.words_used : 0;
    p.w_base = p.a_base + p.block_tiles * a_tile;
    return p;
}

}  // namespace fusemax
