#include "fusemax/scheduler/unfused_program.h"

#include <algorithm>

#include "fusemax/config/config_error.h"

namespace fusemax {
namespace {

std::uint64_t round_up(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b * b; }

}  // namespace

UnfusedProgram::UnfusedProgram(ProgramContext& ctx, const Tiling& tiling)
    : ctx_(ctx),
      arch_(ctx.arch()),
      job_(ctx.job()),
      t_(tiling),
      io_(ctx),
      outer_(ctx, 0),
      inner_(ctx, 1),
      head_ff_(ctx, 2),
      mask_(ctx.job().shape.key_mask()),
      seen_(tiling, mask_, ctx.job().shape.seq_kv, ctx.job().shape.pairs()) {
    const Workload& w = job_.shape;
    pairs_ = w.batch * w.heads;
    blocks_ = pairs_ * t_.p2;
    row_tiles_ = pairs_ * t_.query_tiles;
    e_ = w.head_dim;
    f_ = w.v_dim;
    const GlbLayout g = layout(arch_, w, t_);
    tile_words_ = g.tile_words;
    ring_ = g.ring;
    q_slots_ = g.q_slots;
    q_slot_[0] = ring_ * tile_words_;
    q_slot_[1] = q_slot_[0] + g.q_words;

    for (Slots* s : {&q_, &k_, &v_, &a_})
        for (auto* a : {&s->ready, &s->last_use})
            for (Cycle& c : *a) times_.push_back(&c);
    times_.push_back(&kernel_start_);
    times_.push_back(&io_.all_done_ref());
}

// GLB: Q blocks of the QK kernel and a ring of score tiles for the softmax kernel. The ring's
// addresses wrap: like the reference, the model lets a row block's tiles stay on chip across the
// three passes without charging the capacity that would take at long sequences.
UnfusedProgram::GlbLayout UnfusedProgram::layout(const ArchConfig& arch, const Workload& w, const Tiling& t) {
    const std::uint64_t row = arch.glb.row_words;
    GlbLayout g;
    g.tile_words = round_up(std::uint64_t{t.m0} * t.p0, row);
    g.q_words = round_up(t.p1 * t.p0 * w.head_dim, row);
    const std::uint64_t capacity = arch.glb_capacity_words();
    while (g.ring > 2 && g.q_words + g.ring * g.tile_words > capacity) g.ring /= 2;
    if (g.q_words + g.ring * g.tile_words > capacity)
        throw ConfigError(arch.source + ": key 'glb.capacity_bytes': " + std::to_string(arch.glb.capacity_bytes) +
                          " bytes cannot hold the Unfused QK kernel's Q block (" + std::to_string(t.p1) +
                          " query tiles, " + std::to_string(g.q_words * arch.word_bytes) + " bytes) and two score tiles (" +
                          std::to_string(2 * g.tile_words * arch.word_bytes) + " bytes): lower tiling.p1 or grow the GLB");
    g.q_slots = 2 * g.q_words + g.ring * g.tile_words <= capacity ? 2 : 1;
    return g;
}

void UnfusedProgram::validate(const ArchConfig& arch, const Workload& w, const Tiling& t) { layout(arch, w, t); }

TileCoord UnfusedProgram::coord(std::uint64_t blk, std::uint64_t m1, std::uint64_t p1) const {
    const std::uint64_t pair = blk / t_.p2;
    return {static_cast<std::uint32_t>(pair / job_.shape.heads), static_cast<std::uint32_t>(pair % job_.shape.heads),
            static_cast<std::uint32_t>(blk % t_.p2), static_cast<std::uint32_t>(m1), static_cast<std::uint32_t>(p1)};
}

std::uint32_t UnfusedProgram::queries_of(std::uint64_t blk, std::uint64_t p1) const {
    return t_.queries_in((blk % t_.p2) * t_.p1 + p1);
}

std::uint64_t UnfusedProgram::ring_word(std::uint64_t m1, std::uint64_t which) const {
    return ((2 * m1 + which) % ring_) * tile_words_;
}

bool UnfusedProgram::sees(std::uint64_t blk, std::uint64_t p1, std::uint64_t m1) const {
    return !mask_.active || seen_.sees(seen_.query_tile(blk, p1), m1);
}

// A row's key tile size, whether it is the block's first or last row, the size of the tile it
// streams ahead (`distance` rows on, possibly in the next block) and, masked, which query tiles
// run it and which see no later row (AV stores their O).
RowKind UnfusedProgram::row_kind(std::uint64_t blk, std::uint64_t m1, std::uint64_t distance) const {
    const std::uint64_t ahead = seen_.ordinal(blk, m1) + distance;
    const auto [begin, end] = seen_.of_block(blk);
    RowKind k{t_.keys_in(m1), ahead < seen_.total() ? t_.keys_in(seen_.row_of(ahead).second) : 0, m1 == begin,
              m1 + 1 == end, m1 == begin && blk + 1 < blocks_};
    if (mask_.active) {
        k.runs = seen_.tiles_where(blk, [m1](std::uint64_t f, std::uint64_t l) { return f <= m1 && m1 <= l; });
        k.lasts = seen_.tiles_where(blk, [m1](std::uint64_t, std::uint64_t l) { return l == m1; });  // O stores
    }
    return k;
}

BlockKind UnfusedProgram::block_kind(std::uint64_t blk) const {
    return {(blk % t_.p2) + 1 == t_.p2 && t_.last_p0 != t_.p0, blk == 0, blk + 2 >= blocks_};
}

ProgramFactory UnfusedProgram::factory() {
    return {[](const ArchConfig& a, const Job& j, const Tiling& t) { validate(a, j.shape, t); },
            [](ProgramContext& ctx, const Tiling& t, const GlbPlan&) {
                return std::make_unique<UnfusedProgram>(ctx, t);
            }};
}

void UnfusedProgram::run() {
    kernel_start_ = ctx_.job_start();
    qk_kernel();
    softmax_kernel();
    av_kernel();
}

template <class Body>
void UnfusedProgram::each(std::uint64_t count, std::uint64_t per_head, const Body& block) {
    each(count, per_head, block, [this](std::uint64_t b) { return block_kind(b); });
}

template <class Body, class KindOf>
void UnfusedProgram::each(std::uint64_t count, std::uint64_t per_head, const Body& block, const KindOf& kind) {
    if (mask_.active) {
        const std::uint64_t heads = count / per_head;
        auto head_kind = [heads](std::uint64_t h) { return PairKind{h == 0, h + 1 == heads}; };
        for (std::uint64_t h = 0; h < heads; ++h) {
            for (std::uint64_t i = 0; i < per_head; ++i) block(h * per_head + i);
            h += head_ff_.after(h, heads, head_kind, times_);
        }
        return;
    }
    for (std::uint64_t i = 0; i < count; ++i) {
        block(i);
        i += outer_.after(i, count, kind, times_);
    }
}

// Kernels run one after another: the next starts when everything of the last has completed.
void UnfusedProgram::begin_kernel(Stage stage, unsigned uses) {
    kernel_start_ = std::max({kernel_start_, io_.all_done(), ctx_.flush()});
    for (Slots* s : {&q_, &k_, &v_, &a_}) {
        s->ready.fill(kernel_start_);
        s->last_use.fill(kernel_start_);
    }
    uses_ = uses;
    ctx_.kernel_started(stage, kernel_start_);
    io_.stage(stage);
    outer_.reset(uses);
    inner_.reset(uses);
    head_ff_.reset(uses);
}

Cycle UnfusedProgram::load_q(std::uint64_t blk) {
    const std::uint32_t slot = static_cast<std::uint32_t>(blk % q_slots_);
    const std::uint64_t row0 = (blk % t_.p2) * t_.p1 * t_.p0;
    const std::uint64_t rows = std::min<std::uint64_t>(t_.p1 * t_.p0, job_.shape.seq_q - row0);
    q_.ready[slot] = io_.move(Tensor::Q, false, GlbSide::Buffer, rows * e_, q_slot_[slot], coord(blk, 0, 0),
                              q_.last_use[slot]);
    return q_.ready[slot];
}

// Streams of K (QK kernel) or V (AV kernel) tiles, one per row of key tiles, into the 2D array's
// double buffer: row r + 2 goes out once row r has issued every op that reads its half.
void UnfusedProgram::stream_row(Tensor t, std::uint64_t row) {
    if (row >= seen_.total()) return;
    const auto [blk, m1] = seen_.row_of(row);
    Slots& s = t == Tensor::K ? k_ : v_;
    const std::uint32_t half = static_cast<std::uint32_t>(row % 2);
    s.ready[half] = io_.move(t, false, GlbSide::Stream, std::uint64_t{t_.keys_in(m1)} * (t == Tensor::K ? e_ : f_), 0,
                             coord(blk, m1, 0), s.last_use[half]);
}

void UnfusedProgram::qk_kernel() {
    begin_kernel(Stage::QK, kUsesPe2d | kUsesDram);
    load_q(0);
    stream_row(Tensor::K, 0);
    stream_row(Tensor::K, 1);
    each(blocks_, t_.p2, [this](std::uint64_t blk) {
        if (q_slots_ == 1 && blk > 0) load_q(blk);
        block_rows(blk, 2, [this, blk](std::uint64_t m1, bool first) {
            qk_row(blk, m1);
            if (first && q_slots_ == 2 && blk + 1 < blocks_) load_q(blk + 1);
        });
    });
}

template <class Row>
void UnfusedProgram::block_rows(std::uint64_t blk, std::uint64_t distance, const Row& row) {
    inner_.reset(uses_);
    const auto [begin, end] = seen_.of_block(blk);
    if (end - begin < t_.m1) ctx_.steps_skipped((t_.m1 - (end - begin)) * t_.p1);
    auto kind = [this, blk, distance, begin = begin](std::uint64_t i) { return row_kind(blk, begin + i, distance); };
    for (std::uint64_t i = 0; i < end - begin; ++i) {
        row(begin + i, i == 0);
        i += inner_.after(i, end - begin, kind, times_);
    }
}

void UnfusedProgram::qk_row(std::uint64_t blk, std::uint64_t m1) {
    const std::uint64_t row = seen_.ordinal(blk, m1);
    const std::uint32_t qs = static_cast<std::uint32_t>(blk % q_slots_);
    const std::uint32_t ks = static_cast<std::uint32_t>(row % 2);
    const std::uint32_t keys = t_.keys_in(m1);
    for (std::uint64_t p1 = 0; p1 < t_.p1; ++p1) {
        if (!sees(blk, p1, m1)) {
            ctx_.steps_skipped(1);
            continue;
        }
        const std::uint32_t queries = queries_of(blk, p1);
        const TileCoord at = coord(blk, m1, p1);
        const Cycle done = io_.op(Op::QK, at, {keys, queries, std::uint32_t(e_), std::uint32_t(f_)},
                                  {glb_read(q_slot_[qs] + p1 * t_.p0 * e_, queries * e_)},
                                  std::max(q_.ready[qs], k_.ready[ks]));
        q_.last_use[qs] = std::max(q_.last_use[qs], done);
        k_.last_use[ks] = std::max(k_.last_use[ks], done);
        io_.move(Tensor::QK, true, GlbSide::Stream, std::uint64_t{keys} * queries, 0, at, done);
        ctx_.step_done();
    }
    stream_row(Tensor::K, row + 2);
}

void UnfusedProgram::softmax_kernel() {
    begin_kernel(Stage::Softmax, kUsesPe1d | kUsesDram);
    // A row block's work: its query count and that of the next block, which it fills.
    auto kind = [this](std::uint64_t g) {
        return RowBlockKind{t_.queries_in(g % t_.query_tiles),
                            g + 1 < row_tiles_ ? t_.queries_in((g + 1) % t_.query_tiles) : 0, g == 0};
    };
    each(row_tiles_, t_.query_tiles, [this](std::uint64_t g) { softmax_row_block(g); }, kind);
}

void UnfusedProgram::softmax_row_block(std::uint64_t g) {
    const std::uint64_t qt = g % t_.query_tiles;
    const std::uint32_t queries = t_.queries_in(qt);
    const std::uint64_t blk = (g / t_.query_tiles) * t_.p2 + qt / t_.p1;
    const TileCoord at0 = coord(blk, 0, qt % t_.p1);
    const auto [begin, final_row] = seen_.of_tile(qt);
    const std::uint64_t end = final_row + 1;
    if (end - begin < t_.m1) ctx_.steps_skipped(t_.m1 - (end - begin));
    // Fills: row block g's tiles were issued with g - 1 (or now, for the first); issue g + 1's.
    const std::uint32_t half = static_cast<std::uint32_t>(g % 2);
    auto fill = [&](std::uint64_t block_index, std::uint32_t slot) {
        Cycle last = kernel_start_;
        const std::uint64_t q = t_.queries_in(block_index % t_.query_tiles);
        const auto [first, final] = seen_.of_tile(block_index % t_.query_tiles);
        for (std::uint64_t m1 = first; m1 <= final; ++m1)
            last = io_.move(Tensor::QK, false, GlbSide::Buffer, std::uint64_t{t_.keys_in(m1)} * q, ring_word(m1, 0),
                            at0, a_.last_use[slot]);
        a_.ready[slot] = last;
    };
    if (g == 0) fill(0, 0);
    if (g + 1 < row_tiles_) fill(g + 1, 1 - half);

    // Pass 1 (MX) takes the max off the fill; pass 2 (SN, SD) and pass 3 (A) go through the GLB.
    Cycle mx_done = a_.ready[half];
    for (std::uint64_t m1 = begin; m1 < end; ++m1) {
        const TileCoord at{at0.b, at0.h, at0.p2, static_cast<std::uint32_t>(m1), at0.p1};
        mx_done = io_.op(Op::MX, at, {t_.keys_in(m1), queries, std::uint32_t(e_), std::uint32_t(f_)}, {},
                         a_.ready[half]);
    }
    Cycle sd_done = mx_done;
    for (std::uint64_t m1 = begin; m1 < end; ++m1) {
        const TileCoord at{at0.b, at0.h, at0.p2, static_cast<std::uint32_t>(m1), at0.p1};
        const std::uint64_t words = std::uint64_t{t_.keys_in(m1)} * queries;
        const OpExtent x{t_.keys_in(m1), queries, std::uint32_t(e_), std::uint32_t(f_)};
        const Cycle sn = io_.op(Op::SN, at, x, {glb_read(ring_word(m1, 0), words), glb_write(ring_word(m1, 1), words)},
                                mx_done);
        sd_done = io_.op(Op::SD, at, x, {}, sn);
    }
    Cycle last = sd_done;
    for (std::uint64_t m1 = begin; m1 < end; ++m1) {
        const TileCoord at{at0.b, at0.h, at0.p2, static_cast<std::uint32_t>(m1), at0.p1};
        const std::uint64_t words = std::uint64_t{t_.keys_in(m1)} * queries;
        const OpExtent x{t_.keys_in(m1), queries, std::uint32_t(e_), std::uint32_t(f_)};
        const Cycle a = io_.op(Op::A, at, x, {glb_read(ring_word(m1, 1), words), glb_write(ring_word(m1, 0), words)},
                               sd_done);
        io_.move(Tensor::A, true, GlbSide::Buffer, words, ring_word(m1, 0), at, a);
        last = a;
        ctx_.step_done();
    }
    a_.last_use[half] = last;
}

void UnfusedProgram::av_kernel() {
    begin_kernel(Stage::AV, kUsesPe2d | kUsesDram);
    stream_row(Tensor::V, 0);
    each(blocks_, t_.p2, [this](std::uint64_t blk) {
        block_rows(blk, 1, [this, blk](std::uint64_t m1, bool) { av_row(blk, m1); });
    });
}

void UnfusedProgram::av_row(std::uint64_t blk, std::uint64_t m1) {
    const std::uint64_t row = seen_.ordinal(blk, m1);
    bool streamed = false;
    const std::uint32_t vs = static_cast<std::uint32_t>(row % 2);
    const std::uint32_t keys = t_.keys_in(m1);
    for (std::uint64_t p1 = 0; p1 < t_.p1; ++p1) {
        if (!sees(blk, p1, m1)) {
            ctx_.steps_skipped(1);
            continue;
        }
        const std::uint32_t queries = queries_of(blk, p1);
        const TileCoord at = coord(blk, m1, p1);
        const std::uint32_t as = static_cast<std::uint32_t>(p1 % 2);
        a_.ready[as] = io_.move(Tensor::A, false, GlbSide::Stream, std::uint64_t{keys} * queries, 0, at, a_.last_use[as]);
        // The next row's V tile goes out behind this row's first A tile: its buffer frees while
        // that tile is on the channel, so the channel never waits for it.
        if (!streamed) stream_row(Tensor::V, row + 1), streamed = true;
        const Cycle done = io_.op(Op::AVM, at, {keys, queries, std::uint32_t(e_), std::uint32_t(f_)}, {},
                                  std::max(v_.ready[vs], a_.ready[as]));
        a_.last_use[as] = done;
        v_.last_use[vs] = std::max(v_.last_use[vs], done);
        if (m1 == seen_.of_tile(seen_.query_tile(blk, p1)).second) io_.move(Tensor::O, true, GlbSide::Stream, std::uint64_t{queries} * f_, 0, at, done);
        ctx_.step_done();
    }
}

}  // namespace fusemax
