#include "fusemax/tiling/tiling.h"

#include <algorithm>
#include <stdexcept>

#include "fusemax/config/config_error.h"

namespace fusemax {
namespace {

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }
std::uint64_t round_up(std::uint64_t a, std::uint64_t b) { return ceil_div(a, b) * b; }

struct Regions {
    std::uint64_t q, k, v, rm, rnv;  // words, before row alignment
    std::uint64_t routed;            // all routed tile buffers
};

// One buffer of an op's routed result: as much as the largest tile step leaves, row-aligned.
std::uint64_t routed_buffer_words(const ArchConfig& a, const Workload& w, Op op) {
    return round_up(op_result_words(op, a.pe2d.rows, a.pe2d.cols, w.v_dim), a.glb.row_words);
}

std::uint64_t routed_words(const ArchConfig& a, const Workload& w) {
    std::uint64_t n = 0;
    for (const OpBinding& b : a.schedule.ops)
        if (b.glb_write) n += 2 * routed_buffer_words(a, w, b.op);
    return n;
}

Regions regions(const ArchConfig& a, const Workload& w, const Tiling& t, std::uint64_t p1) {
    const std::uint64_t cols = p1 * t.p0;
    return {cols * w.head_dim,
            std::uint64_t{t.m0} * w.head_dim,
            std::uint64_t{t.m0} * w.v_dim,
            cols,
            cols * w.v_dim,
            routed_words(a, w)};
}

// Words of the smallest layout (one Q block, one K and one V tile), with every region row-aligned.
std::uint64_t minimum_words(const ArchConfig& a, const Regions& r) {
    const std::uint64_t row = a.glb.row_words;
    return round_up(r.q, row) + round_up(r.k, row) + round_up(r.v, row) + 2 * round_up(r.rm, row) +
           round_up(r.rnv, row) + r.routed;
}

std::uint64_t largest_divisor_at_most(std::uint64_t n, std::uint64_t cap) {
    for (std::uint64_t d = std::min(n, cap); d > 1; --d)
        if (n % d == 0) return d;
    return 1;
}

}  // namespace

Tiling choose_tiling(const ArchConfig& a, const Workload& w) {
    Tiling t;
    t.m0 = tile_keys(a);
    t.p0 = tile_queries(a);
    t.m1 = ceil_div(w.seq_kv, t.m0);
    t.query_tiles = ceil_div(w.seq_q, t.p0);
    t.last_m0 = static_cast<std::uint32_t>(w.seq_kv - (t.m1 - 1) * t.m0);
    t.last_p0 = static_cast<std::uint32_t>(w.seq_q - (t.query_tiles - 1) * t.p0);

    const std::uint64_t wb = a.word_bytes;
    const std::uint64_t capacity_words = a.glb_capacity_words();
    const Regions one = regions(a, w, t, 1);
    if (minimum_words(a, one) > capacity_words) {
        throw ConfigError("GLB of " + std::to_string(a.glb.capacity_bytes) + " bytes (" + a.source +
                          ", glb.capacity_bytes) cannot hold one tile step: Q tile " + std::to_string(t.p0) + "x" +
                          std::to_string(w.head_dim) + ", K tile " + std::to_string(t.m0) + "x" +
                          std::to_string(w.head_dim) + ", V tile " + std::to_string(t.m0) + "x" +
                          std::to_string(w.v_dim) + " and running state " + std::to_string(t.p0) + "x(" +
                          std::to_string(w.v_dim) + "+2) need " + std::to_string(minimum_words(a, one) * wb) +
                          " bytes with rows of " + std::to_string(a.glb.row_words) + " words");
    }

    if (a.tiling.p1 != 0) {
        t.p1 = a.tiling.p1;
        if (t.query_tiles % t.p1 != 0)
            throw ConfigError(a.source + ": key 'tiling.p1': " + std::to_string(t.p1) + " does not divide the " +
                              std::to_string(t.query_tiles) + " query tiles of this workload");
        if (minimum_words(a, regions(a, w, t, t.p1)) > capacity_words)
            throw ConfigError(a.source + ": key 'tiling.p1': " + std::to_string(t.p1) + " query tiles need " +
                              std::to_string(minimum_words(a, regions(a, w, t, t.p1)) * wb) + " bytes of GLB, more than " +
                              std::to_string(a.glb.capacity_bytes));
    } else {
        // Reference section 5: floor((GLB - K tile - V tile) / (bytes per query column)), capped at
        // the number of query tiles and rounded down to a divisor of it.
        const std::uint64_t kv_bytes = (one.k + one.v) * wb;
        const CostVariables vars{std::int64_t(w.head_dim), std::int64_t(w.v_dim), a.pe2d.rows, a.pe2d.cols,
                                 a.pe1d.lanes};
        std::int64_t query_words = 0;
        try {
            query_words = a.tiling.query_words.eval(vars);
        } catch (const std::overflow_error&) {
            query_words = -1;
        }
        if (query_words <= 0 || query_words > (std::int64_t{1} << 40))
            throw ConfigError(a.source + ": key 'tiling.query_words': '" + a.tiling.query_words.text() +
                              "' is not a positive count (at most 2^40) for this workload");
        const std::uint64_t per_tile = std::uint64_t{t.p0} * std::uint64_t(query_words) * wb;
        std::uint64_t p1 = (a.glb.capacity_bytes - std::min(a.glb.capacity_bytes, kv_bytes)) / per_tile;
        p1 = largest_divisor_at_most(t.query_tiles, std::max<std::uint64_t>(p1, 1));
        // Row alignment can cost a little more than the formula assumes.
        while (p1 > 1 && minimum_words(a, regions(a, w, t, p1)) > capacity_words)
            p1 = largest_divisor_at_most(t.query_tiles, p1 - 1);
        t.p1 = p1;
    }
    t.p2 = t.query_tiles / t.p1;
    return t;
}

GlbPlan plan_glb(const ArchConfig& a, const Workload& w, const Tiling& t) {
    const Regions r = regions(a, w, t, t.p1);
    const std::uint64_t row = a.glb.row_words;
    const std::uint64_t q = round_up(r.q, row), k = round_up(r.k, row), v = round_up(r.v, row);
    const std::uint64_t rm = round_up(r.rm, row), rnv = round_up(r.rnv, row);
    const std::uint64_t capacity = a.glb_capacity_words();
    const std::uint64_t minimum = q + k + v + 2 * rm + rnv + r.routed;

    GlbPlan p;
    p.kv_slots = (a.tiling.double_buffer && minimum + k + v <= capacity) ? 2 : 1;
    p.q_slots = (a.tiling.double_buffer && minimum + (p.kv_slots - 1) * (k + v) + q <= capacity) ? 2 : 1;

    std::uint64_t next = 0;
    auto take = [&next](std::uint64_t words) {
        const std::uint64_t at = next;
        next += words;
        return at;
    };
    for (std::uint32_t s = 0; s < p.q_slots; ++s) p.q_slot[s] = take(q);
    for (std::uint32_t s = 0; s < p.kv_slots; ++s) p.k_slot[s] = take(k);
    for (std::uint32_t s = 0; s < p.kv_slots; ++s) p.v_slot[s] = take(v);
    p.rm = take(rm);
    p.rd = take(rm);
    p.rnv = take(rnv);
    for (const OpBinding& b : a.schedule.ops)
        if (b.glb_write) {
            p.routed_words[index_of(b.op)] = routed_buffer_words(a, w, b.op);
            p.routed[index_of(b.op)] = take(2 * p.routed_words[index_of(b.op)]);
        }
    p.words_used = next;
    return p;
}

}  // namespace fusemax
