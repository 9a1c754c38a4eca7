#include "fusemax/scheduler/flat_program.h"

#include <algorithm>
#include <cmath>

#include "fusemax/config/config_error.h"

namespace fusemax {

FlatProgram::FlatProgram(ProgramContext& ctx, const Tiling& tiling)
    : ctx_(ctx), arch_(ctx.arch()), job_(ctx.job()), t_(tiling), io_(ctx), outer_(ctx, 0), inner_(ctx, 1) {
    const Workload& w = job_.shape;
    df_ = dataflow(arch_, w).dataflow;
    mask_ = w.key_mask();
    pairs_ = w.batch * w.heads;
    tiles_ = (w.seq_q + df_.p1 - 1) / df_.p1;
    total_ = pairs_ * tiles_;
    e_ = w.head_dim;
    f_ = w.v_dim;
    tile_words_ = std::uint64_t{t_.m0} * t_.p0;
    head_loads_ = !df_.weight_stationary && (df_.q_on_chip || df_.v_on_chip);
    one_loop_ = !head_loads_ && !mask_.active && w.seq_q % df_.p1 == 0;
    // Score tiles and on-chip tensors take turns in the GLB; like the reference, the model does not
    // charge the capacity a whole row block would take (the spill fraction p stands for that).
    const std::uint64_t row = arch_.glb.row_words;
    window_ = arch_.glb_capacity_words() / row * row;
    if ((row & (row - 1)) == 0) row_mask_ = row - 1;
    const Cycle t0 = ctx_.job_start();
    for (auto* a : {&qk_done_, &sm_done_}) a->fill(t0);
    for (Stream* s : {&q_in_, &k_in_, &v_in_, &a_in_}) s->last_use.fill(t0);
    for (auto* a : {&qk_done_, &sm_done_, &q_in_.last_use, &k_in_.last_use, &v_in_.last_use, &a_in_.last_use})
        for (Cycle& c : *a) times_.push_back(&c);
    pass1_done_ = t0;
    times_.push_back(&pass1_done_);
    times_.push_back(&io_.all_done_ref());
}

// The nearest row must be one whose on-chip regions fit this GLB.
FlatDataflowMatch FlatProgram::dataflow(const ArchConfig& arch, const Workload& w) {
    auto fits = [&](const FlatDataflow& df) { return glb_need(arch, w, df).first <= glb_window(arch); };
    return flat_dataflow_for(arch.flat.rows, arch.flat.dataflow_table, arch.flat.nearest_outside_table, w.heads,
                             w.head_dim, w.v_dim, w.seq_q, w.seq_kv, fits);
}

std::uint64_t FlatProgram::glb_window(const ArchConfig& arch) {
    return arch.glb_capacity_words() / arch.glb.row_words * arch.glb.row_words;
}

// The largest region FLAT places in the GLB at once for this job (words, and what it is): an
// on-chip Q or V of a whole (b, h), a weight-stationary Q tile, or a tile of scores, Q, V or
// partial O.
std::pair<std::uint64_t, const char*> FlatProgram::glb_need(const ArchConfig& arch, const Workload& w,
                                                            const FlatDataflow& df) {
    const std::uint64_t m0 = arch.pe2d.rows, p0 = arch.pe2d.cols;
    std::uint64_t most = std::max({m0 * p0, p0 * w.head_dim, p0 * w.v_dim, m0 * w.v_dim});
    const char* what = "a tile";
    auto consider = [&](bool used, std::uint64_t words, const char* name) {
        if (used && words > most) most = words, what = name;
    };
    consider(df.q_on_chip && !df.weight_stationary, w.seq_q * w.head_dim, "Q of one head (Q_loc onchip)");
    consider(df.v_on_chip && !df.weight_stationary, w.seq_kv * w.v_dim, "V of one head (V_loc onchip)");
    consider(df.weight_stationary, df.p1 * w.head_dim, "the weight-stationary Q tile");
    return {most, what};
}

void FlatProgram::validate(const ArchConfig& arch, const Workload& w, const Tiling&) {
    const auto [most, what] = glb_need(arch, w, dataflow(arch, w).dataflow);
    const std::uint64_t window = glb_window(arch);
    if (most > window)
        throw ConfigError(arch.source + ": key 'glb.capacity_bytes': FLAT keeps " + what + " in the GLB, " +
                          std::to_string(most * arch.word_bytes) + " bytes, more than its " +
                          std::to_string(window * arch.word_bytes) + " usable bytes");
}

std::uint64_t FlatProgram::rows_of(std::uint64_t t) const {
    return std::min<std::uint64_t>(df_.p1, job_.shape.seq_q - t * df_.p1);
}

TileCoord FlatProgram::coord(std::uint64_t g, std::uint64_t m1, std::uint64_t j) const {
    if (g != coord_tile_) {
        const std::uint64_t pair = g / tiles_;
        coord_base_ = {static_cast<std::uint32_t>(pair / job_.shape.heads),
                       static_cast<std::uint32_t>(pair % job_.shape.heads), static_cast<std::uint32_t>(g % tiles_), 0, 0};
        coord_tile_ = g;
    }
    TileCoord c = coord_base_;
    c.m1 = static_cast<std::uint32_t>(m1);
    c.p1 = static_cast<std::uint32_t>(j);
    return c;
}

// Consecutive GLB addresses for successive tiles, wrapping inside the GLB.
std::uint64_t FlatProgram::glb_word(std::uint64_t words) {
    if (cursor_ + words > window_) cursor_ = 0;
    const std::uint64_t at = cursor_;
    const std::uint64_t row = arch_.glb.row_words;
    cursor_ += row_mask_ ? (words + row - 1) & ~row_mask_ : (words + row - 1) / row * row;
    return at;
}

Cycle FlatProgram::stream_in(Stream& s, Tensor t, std::uint64_t words, const TileCoord& at) {
    return io_.move(t, false, GlbSide::Stream, words, 0, at, s.last_use[s.next % 2]);
}

void FlatProgram::used(Stream& s, Cycle done) { s.last_use[s.next++ % 2] = done; }

void FlatProgram::spill(bool store, std::uint64_t words, const TileCoord& at, Cycle ready) {
    if (df_.spill == 0) return;  // most rows spill nothing: no rounding per access
    const auto n = static_cast<std::uint64_t>(std::llround(df_.spill * double(words)));
    if (n) io_.move(Tensor::Spill, store, GlbSide::Stream, n, 0, at, ready);
}

// Tiles differ by their number of query rows (the last may be ragged), at the start of a (b, h)
// where Q or V is loaded on chip (Q with the QK of a pair's first tile, V with its AV one iteration
// later), and at the ends of the job. Iteration g also starts tile g + 1's QK and finishes tile
// g - 1's AV, so their sizes belong to it too. Masked, every tile of a (b, h) sees its own key
// tiles: only whole (b, h) pairs repeat.
QueryTileKind FlatProgram::kind(std::uint64_t g) const {
    const std::uint64_t t = g % tiles_;
    return {rows_of(t),
            g + 1 < total_ ? rows_of((g + 1) % tiles_) : 0,
            g > 0 ? rows_of((g - 1) % tiles_) : 0,
            head_loads_ && t == 0,
            head_loads_ && (g + 1) % tiles_ == 0,
            g == 0,
            g + 1 == total_,
            head_loads_ && g > 0 && (g - 1) % tiles_ == 0,
            mask_.active ? t + 1 : 0};
}

std::uint64_t FlatProgram::subtiles(std::uint64_t g) const {
    return (rows_of(g % tiles_) + t_.p0 - 1) / t_.p0;
}

std::uint32_t FlatProgram::queries_of(std::uint64_t g, std::uint64_t j) const {
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(t_.p0, rows_of(g % tiles_) - j * t_.p0));
}

std::pair<std::uint64_t, std::uint64_t> FlatProgram::seen_tiles(std::uint64_t g, std::uint64_t j) const {
    if (!mask_.active) return {0, t_.m1};
    const std::uint64_t q0 = (g % tiles_) * df_.p1 + j * t_.p0;
    const auto [first, last] = mask_.seen_keys(q0, q0 + queries_of(g, j), job_.shape.seq_kv);
    return {first / t_.m0, last / t_.m0 + 1};
}

bool FlatProgram::sees(std::uint64_t g, std::uint64_t j, std::uint64_t m1) const {
    const auto [begin, end] = seen_tiles(g, j);
    return begin <= m1 && m1 < end;
}

bool FlatProgram::any_sees(std::uint64_t g, std::uint64_t m1) const {
    for (std::uint64_t j = 0; j < subtiles(g); ++j)
        if (sees(g, j, m1)) return true;
    return false;
}

ProgramFactory FlatProgram::factory() {
    return {[](const ArchConfig& a, const Job& j, const Tiling& t) { validate(a, j.shape, t); },
            [](ProgramContext& ctx, const Tiling& t, const GlbPlan&) {
                return std::make_unique<FlatProgram>(ctx, t);
            }};
}

void FlatProgram::run() {
    qk_phase(0, 0, t_.m1);
    if (one_loop_) {
        tiles(0, total_);
    } else {
        auto pair_kind = [this](std::uint64_t p) { return PairKind{p == 0, p + 1 == pairs_}; };
        for (std::uint64_t pair = 0; pair < pairs_; ++pair) {
            tiles(pair * tiles_, tiles_);
            pair += outer_.after(pair, pairs_, pair_kind, times_);
        }
    }
    av_phase(total_ - 1, 0, t_.m1);
}

void FlatProgram::tiles(std::uint64_t first, std::uint64_t count) {
    inner_.reset();
    auto tile_kind = [this, first](std::uint64_t i) { return kind(first + i); };
    for (std::uint64_t i = 0; i < count; ++i) {
        tile(first + i);
        i += inner_.after(i, count, tile_kind, times_);
    }
}

void FlatProgram::tile(std::uint64_t g) {
    // Each query tile places its regions from the GLB's start, so that its addresses, and with them
    // the banks its accesses count, depend on the tile's kind alone: fast-forward repeats a period's
    // counts, and a cursor carried on from the tiles it skipped would have put later tiles elsewhere.
    cursor_ = 0;
    const std::uint64_t parts = subtiles(g);
    for (std::uint64_t j = 0; j < parts; ++j) {
        softmax_pass1(g, j);
        if (g + 1 < total_) qk_phase(g + 1, part_begin(j, parts), part_begin(j + 1, parts));
        softmax_pass23(g, j);
        if (g > 0) av_phase(g - 1, part_begin(j, parts), part_begin(j + 1, parts));
    }
}

void FlatProgram::qk_phase(std::uint64_t g, std::uint64_t m_begin, std::uint64_t m_end) {
    io_.stage(Stage::QK);
    const std::uint64_t t = g % tiles_, rows = rows_of(t), parts = subtiles(g);
    const OpExtent full{t_.m0, t_.p0, std::uint32_t(e_), std::uint32_t(f_)};
    Cycle done = m_begin == 0 ? ctx_.job_start() : qk_done_[g % 2];
    if (!df_.weight_stationary) {
        if (t == 0 && m_begin == 0 && df_.q_on_chip) {
            const std::uint64_t words = job_.shape.seq_q * e_;
            io_.move(Tensor::Q, false, GlbSide::Buffer, words - std::uint64_t(std::llround(df_.spill * double(words))),
                     glb_word(words), coord(g, 0, 0), ctx_.job_start());
        }
        for (std::uint64_t m1 = m_begin; m1 < m_end; ++m1)
            for (std::uint64_t j = 0; j < parts; ++j) {
                if (!sees(g, j, m1)) {
                    ctx_.steps_skipped(1);
                    continue;
                }
                const TileCoord at = coord(g, m1, j);
                const std::uint32_t queries = queries_of(g, j);
                const OpExtent x{t_.keys_in(m1), queries, full.e, full.f};
                const std::uint64_t scores = std::uint64_t{x.rows} * x.cols;
                Cycle ready = stream_in(k_in_, Tensor::K, std::uint64_t{x.rows} * e_, at);
                Cycle op_done = 0;
                if (df_.q_on_chip) {
                    spill(false, queries * e_, at, ctx_.job_start());
                    op_done = io_.op(Op::QK, at, x,
                                     {glb_read(glb_word(queries * e_), queries * e_), glb_write(glb_word(scores), scores)},
                                     ready);
                } else {
                    ready = std::max(ready, stream_in(q_in_, Tensor::Q, queries * e_, at));
                    op_done = io_.op(Op::QK, at, x, {glb_write(glb_word(scores), scores)}, ready);
                    used(q_in_, op_done);
                }
                used(k_in_, op_done);
                spill(true, scores, at, op_done);
                done = std::max(done, op_done);
                ctx_.step_done();
            }
    } else {
        if (m_begin == 0)
            io_.move(Tensor::Q, false, GlbSide::Buffer, rows * e_, glb_word(rows * e_), coord(g, 0, 0), ctx_.job_start());
        for (std::uint64_t m1 = m_begin; m1 < m_end; ++m1) {
            if (!any_sees(g, m1)) {
                ctx_.steps_skipped(parts);
                continue;
            }
            const Cycle k = stream_in(k_in_, Tensor::K, std::uint64_t{t_.keys_in(m1)} * e_, coord(g, m1, 0));
            Cycle last = k;
            for (std::uint64_t j = 0; j < parts; ++j) {
                if (!sees(g, j, m1)) {
                    ctx_.steps_skipped(1);
                    continue;
                }
                const TileCoord at = coord(g, m1, j);
                const std::uint32_t queries = queries_of(g, j);
                const OpExtent x{t_.keys_in(m1), queries, full.e, full.f};
                last = io_.op(Op::QK, at, x, {glb_read(glb_word(queries * e_), queries * e_)}, k);
                io_.move(Tensor::QK, true, GlbSide::Stream, std::uint64_t{x.rows} * x.cols, 0, at, last);
                ctx_.step_done();
            }
            used(k_in_, last);
            done = std::max(done, last);
        }
    }
    qk_done_[g % 2] = m_begin == 0 ? done : std::max(qk_done_[g % 2], done);
}

void FlatProgram::softmax_pass1(std::uint64_t g, std::uint64_t j) {
    io_.stage(Stage::Softmax);
    const std::uint32_t queries = queries_of(g, j);
    const auto [begin, end_tile] = seen_tiles(g, j);
    // The sub-tiles run one after another on the 1D array; pass 1 needs the tile's scores.
    const Cycle start = std::max(qk_done_[g % 2], j == 0 ? qk_done_[g % 2] : pass1_done_);
    Cycle end = start;
    for (std::uint64_t m1 = begin; m1 < end_tile; ++m1) {
        const TileCoord at = coord(g, m1, j);
        const OpExtent x{t_.keys_in(m1), queries, std::uint32_t(e_), std::uint32_t(f_)};
        const std::uint64_t scores = std::uint64_t{x.rows} * x.cols;
        Cycle ready = start;
        if (df_.weight_stationary)  // scores come back from DRAM into the GLB
            ready = io_.move(Tensor::QK, false, GlbSide::Buffer, scores, glb_word(scores), at, start);
        else
            spill(false, scores, at, start);
        end = io_.op(Op::MX, at, x, {glb_read(glb_word(scores), scores)}, ready);
    }
    pass1_done_ = end;
}

void FlatProgram::softmax_pass23(std::uint64_t g, std::uint64_t j) {
    io_.stage(Stage::Softmax);
    const std::uint32_t queries = queries_of(g, j);
    const auto [begin, end] = seen_tiles(g, j);
    // Pass 2: SN = exp(QK - max), SD = sum SN.
    Cycle pass = pass1_done_, pass_end = pass;
    for (std::uint64_t m1 = begin; m1 < end; ++m1) {
        const TileCoord at = coord(g, m1, j);
        const OpExtent x{t_.keys_in(m1), queries, std::uint32_t(e_), std::uint32_t(f_)};
        const std::uint64_t scores = std::uint64_t{x.rows} * x.cols;
        spill(false, scores, at, pass);
        const Cycle sn = io_.op(Op::SN, at, x, {glb_read(glb_word(scores), scores), glb_write(glb_word(scores), scores)},
                                pass);
        spill(true, scores, at, sn);
        pass_end = io_.op(Op::SD, at, x, {}, sn);
    }
    // Pass 3: A = SN / SD.
    pass = pass_end;
    if (end - begin < t_.m1) ctx_.steps_skipped(t_.m1 - (end - begin));
    for (std::uint64_t m1 = begin; m1 < end; ++m1) {
        const TileCoord at = coord(g, m1, j);
        const OpExtent x{t_.keys_in(m1), queries, std::uint32_t(e_), std::uint32_t(f_)};
        const std::uint64_t scores = std::uint64_t{x.rows} * x.cols;
        spill(false, scores, at, pass);
        // Weight-stationary: A goes from the 1D array straight to DRAM, as QK and O do (no GLB stage).
        if (df_.weight_stationary) {
            pass_end = io_.op(Op::A, at, x, {glb_read(glb_word(scores), scores)}, pass);
            io_.move(Tensor::A, true, GlbSide::Stream, scores, 0, at, pass_end);
        } else {
            const std::uint64_t a_word = glb_word(scores);
            pass_end = io_.op(Op::A, at, x, {glb_read(glb_word(scores), scores), glb_write(a_word, scores)}, pass);
        }
        spill(true, scores, at, pass_end);
        ctx_.step_done();
    }
    pass1_done_ = pass_end;  // the next sub-tile's pass 1 follows on the 1D array
    if (j + 1 == subtiles(g)) sm_done_[g % 2] = pass_end;
}

void FlatProgram::av_phase(std::uint64_t g, std::uint64_t m_begin, std::uint64_t m_end) {
    io_.stage(Stage::AV);
    const std::uint64_t t = g % tiles_, rows = rows_of(t), parts = subtiles(g);
    const Cycle a_ready = sm_done_[g % 2];
    if (t == 0 && m_begin == 0 && df_.v_on_chip && !df_.weight_stationary) {
        const std::uint64_t words = job_.shape.seq_kv * f_;
        io_.move(Tensor::V, false, GlbSide::Buffer, words - std::uint64_t(std::llround(df_.spill * double(words))),
                 glb_word(words), coord(g, 0, 0), ctx_.job_start());
    }
    if (m_begin == 0) o_done_.assign(parts, a_ready);
    for (std::uint64_t m1 = m_begin; m1 < m_end; ++m1) {
        if (!any_sees(g, m1)) {
            ctx_.steps_skipped(parts);
            continue;
        }
        Cycle v = a_ready;
        if (df_.weight_stationary) v = stream_in(v_in_, Tensor::V, std::uint64_t{t_.keys_in(m1)} * f_, coord(g, m1, 0));
        Cycle last = v;
        for (std::uint64_t j = 0; j < parts; ++j) {
            if (!sees(g, j, m1)) {
                ctx_.steps_skipped(1);
                continue;
            }
            const TileCoord at = coord(g, m1, j);
            const std::uint32_t queries = queries_of(g, j);
            const OpExtent x{t_.keys_in(m1), queries, std::uint32_t(e_), std::uint32_t(f_)};
            const std::uint64_t scores = std::uint64_t{x.rows} * x.cols, v_words = std::uint64_t{x.rows} * f_;
            if (df_.weight_stationary) {
                const Cycle a = stream_in(a_in_, Tensor::A, scores, at);
                const std::uint64_t o_word = glb_word(queries * f_);
                last = io_.op(Op::AVM, at, x, {glb_read(o_word, queries * f_), glb_write(o_word, queries * f_)},
                              std::max({v, a, a_ready}));
                used(a_in_, last);
            } else if (df_.v_on_chip) {
                spill(false, v_words, at, a_ready);
                spill(false, scores, at, a_ready);
                last = io_.op(Op::AVM, at, x, {glb_read(glb_word(v_words), v_words), glb_read(glb_word(scores), scores)},
                              a_ready);
            } else {
                const Cycle vin = stream_in(v_in_, Tensor::V, v_words, at);
                spill(false, scores, at, a_ready);
                last = io_.op(Op::AVM, at, x, {glb_read(glb_word(scores), scores)}, std::max(vin, a_ready));
                used(v_in_, last);
            }
            o_done_[j] = last;
            ctx_.step_done();
        }
        if (df_.weight_stationary) used(v_in_, last);
    }
    if (m_end < t_.m1) return;
    for (std::uint64_t j = 0; j < parts; ++j) {
        const std::uint64_t queries = std::min<std::uint64_t>(t_.p0, rows - j * t_.p0);
        io_.move(Tensor::O, true, GlbSide::Stream, queries * f_, 0, coord(g, t_.m1 - 1, j), o_done_[j]);
    }
}

}  // namespace fusemax
