#include "fusemax/scheduler/gemm_program.h"

#include <algorithm>

#include "fusemax/config/config_error.h"
#include "fusemax/scheduler/iteration_kinds.h"
#include "fusemax/scheduler/tensor_block.h"

namespace fusemax {
namespace {

TileCoord coord(std::uint64_t m_tile, std::uint64_t chunk, std::uint64_t n_tile) {
    return {0, 0, static_cast<std::uint32_t>(m_tile), static_cast<std::uint32_t>(chunk),
            static_cast<std::uint32_t>(n_tile)};
}

}  // namespace

GemmProgram::GemmProgram(ProgramContext& ctx, const GemmPlan& plan)
    : ctx_(ctx), arch_(ctx.arch()), job_(ctx.job()), p_(plan), outer_(ctx, 0), inner_(ctx, 1) {
    w_buffers_ = p_.w_whole ? p_.n_tiles : p_.w_slots;
    w_total_ = p_.w_whole || p_.w_outer ? p_.n_tiles : p_.blocks * p_.n_tiles;
    a_.resize(p_.block_tiles * p_.k_chunks);
    w_.resize(w_buffers_ * p_.k_chunks);
    z_.assign(job_.functional ? std::size_t{p_.m0} * p_.n0 : 0, 0.0f);
    op_.op = Op::MM;
    op_.functional = job_.functional;
}

ProgramFactory GemmProgram::factory() {
    return {[](const ArchConfig& a, const Job& job, const Tiling&) {
                if (a.schedule.binding(Op::MM).array != ArrayKind::Pe2d)
                    throw ConfigError(a.source + ": op MM: array '" +
                                      std::string(array_name(a.schedule.binding(Op::MM).array)) +
                                      "': the GEMM program runs on the 2D array (expected pe2d)");
                plan_gemm(a, job.gemm);
            },
            [](ProgramContext& ctx, const Tiling&, const GlbPlan&) {
                const bool top = ctx.job_number() % 2 == 1;
                return std::make_unique<GemmProgram>(ctx, plan_gemm(ctx.arch(), ctx.job().gemm, top));
            }};
}

void GemmProgram::run() {
    for (std::vector<Piece>* set : {&a_, &w_})
        for (Piece& x : *set) x.ready = x.last_use = ctx_.job_start();
    if (p_.w_whole)
        whole_w();
    else if (p_.w_outer)
        w_tiles_outer();
    else
        split_w();
}

void GemmProgram::w_tiles_outer() {
    const std::uint64_t n = p_.n_tiles, tiles = p_.m_tiles, bt = p_.block_tiles;
    for (std::uint64_t j = 0; j < n; ++j)
        for (std::uint64_t g = 0; g < tiles; ++g) {
            // The next W tile loads behind this pass's last A tile; an A buffer takes the tile bt
            // on once its tile is done (all of A stays when one block holds it).
            if (g + 1 == tiles && j + 1 < std::min(w_buffers_, n)) load_tile_w(j + 1);
            z_block(g, j, j, bt < tiles, g + 1 == tiles);
        }
}

// A's tiles in order, each against all of W: tile g + bt - 1 loads as tile g starts, into the buffer
// tile g - 1 left (with one buffer, piece by piece behind the last op that reads it).
void GemmProgram::whole_w() {
    const std::uint64_t bt = p_.block_tiles, tiles = p_.m_tiles;
    auto ahead = [&](std::uint64_t g) -> std::uint64_t {
        if (bt == 1) return g + 1;
        return g >= 1 ? g + bt - 1 : tiles;
    };
    auto kind = [&](std::uint64_t g) {
        return GemmRowKind{p_.rows_in(g), ahead(g) < tiles ? p_.rows_in(ahead(g)) : 0, g == 0};
    };
    outer_.reset(kUsesPe2d | kUsesDram);
    for (std::uint64_t g = 0; g < tiles; ++g) {
        if (bt > 1 && ahead(g) < tiles) load_tile_a(ahead(g));
        for (std::uint64_t j = 0; j < p_.n_tiles; ++j) z_block(g, j, j, bt == 1 && j + 1 == p_.n_tiles, false);
        // The first tile loads W piece by piece as its ops need it; the next tiles queue behind.
        if (g == 0)
            for (std::uint64_t t = 1; t < std::min(bt, tiles); ++t) load_tile_a(t);
        const std::uint64_t skipped = outer_.after(g, tiles, kind, times(g, 0));
        skip(skipped, 0);
        g += skipped;
    }
}

void GemmProgram::split_w() {
    const std::uint64_t n = p_.n_tiles;
    auto block_kind = [&](std::uint64_t b) {
        return GemmBlockKind{p_.tiles_in_block(b), b + 1 < p_.blocks ? p_.tiles_in_block(b + 1) : 0, b == 0,
                             b + 1 == p_.blocks};
    };
    outer_.reset(kUsesPe2d | kUsesDram);
    for (std::uint64_t b = 0; b < p_.blocks; ++b) {
        const std::uint64_t g0 = b * p_.block_tiles, tiles = p_.tiles_in_block(b);
        auto pass_kind = [&](std::uint64_t j) {
            const std::uint64_t s = b * n + j;
            return GemmPassKind{p_.cols_in(j), s + w_buffers_ < w_total_ ? p_.cols_in((s + w_buffers_) % n) : 0,
                                j + 1 == n && b + 1 < p_.blocks, b == 0 || s < w_buffers_};
        };
        inner_.reset(kUsesPe2d | kUsesDram);
        for (std::uint64_t j = 0; j < n; ++j) {
            const std::uint64_t s = b * n + j;
            for (std::uint64_t i = 0; i < tiles; ++i) {
                // The next W tile's first contents load behind this pass's last m-tile.
                if (i + 1 == tiles && s + 1 < std::min(w_buffers_, w_total_)) load_tile_w(s + 1);
                z_block(g0 + i, j, s, j + 1 == n, i + 1 == tiles);
            }
            const std::uint64_t skipped = inner_.after(j, n, pass_kind, times(g0, s));
            skip(0, skipped);
            j += skipped;
        }
        const std::uint64_t skipped = outer_.after(b, p_.blocks, block_kind, times(g0, b * n));
        skip(skipped * p_.block_tiles, skipped * n);
        b += skipped;
    }
}

// The k0 chunks of one Z block: each MM op waits for its A and W pieces; the
// block leaves for DRAM after the last. `a_last` / `w_last`: no later op reads
// these A / W pieces, so their buffers take their next contents.
void GemmProgram::z_block(std::uint64_t g, std::uint64_t j, std::uint64_t s, bool a_last, bool w_last) {
    const std::uint32_t rows = p_.rows_in(g), cols = p_.cols_in(j);
    Cycle done = 0;
    for (std::uint64_t c = 0; c < p_.k_chunks; ++c) {
        Piece& a = a_piece(g, c);
        if (a.holds != g + 1) load_a(g, c);
        Piece& w = w_piece(s, c);
        if (w.holds != s + 1) load_w(s, c);
        op_.at = coord(g, c, j);
        op_.extent = {rows, cols, p_.k_in(c), 0};
        op_.operands[index_of(Operand::ATile)] = p_.a_word(g % p_.block_tiles, c);
        op_.operands[index_of(Operand::WTile)] = p_.w_word(s % w_buffers_, c);
        op_.first_key_tile = c == 0;
        done = ctx_.issue(op_, std::max(a.ready, w.ready), c + 1 == p_.k_chunks ? z_.data() : nullptr);
        a.last_use = std::max(a.last_use, done);
        w.last_use = std::max(w.last_use, done);
        if (a_last && g + p_.block_tiles < p_.m_tiles) load_a(g + p_.block_tiles, c);
        if (w_last && s + w_buffers_ < w_total_) load_w(s + w_buffers_, c);
    }
    describe_transfer(dma_, job_, {Tensor::Z, 0, 0, g * p_.m0, j * p_.n0, rows, cols}, true, GlbSide::Stream, 0,
                      op_.at);
    ctx_.transfer(dma_, done, z_.data());
    ctx_.step_done();
}

void GemmProgram::load_a(std::uint64_t g, std::uint64_t c) {
    Piece& x = a_piece(g, c);
    const std::uint32_t rows = p_.rows_in(g), k = p_.k_in(c);
    describe_transfer(dma_, job_, {Tensor::X, 0, 0, g * p_.m0, c * p_.k0, rows, k}, false, GlbSide::Buffer,
                      p_.a_word(g % p_.block_tiles, c), coord(g, c, 0));
    x.ready = ctx_.transfer(dma_, x.last_use);
    replace_contents(x, g + 1, std::int64_t{rows} * k * arch_.word_bytes);
}

void GemmProgram::load_w(std::uint64_t s, std::uint64_t c) {
    Piece& x = w_piece(s, c);
    const std::uint64_t j = s % p_.n_tiles;
    const std::uint32_t k = p_.k_in(c), cols = p_.cols_in(j);
    describe_transfer(dma_, job_, {Tensor::W, 0, 0, c * p_.k0, j * p_.n0, k, cols}, false, GlbSide::Buffer,
                      p_.w_word(s % w_buffers_, c), coord(0, c, j));
    x.ready = ctx_.transfer(dma_, x.last_use);
    replace_contents(x, s + 1, std::int64_t{k} * cols * arch_.word_bytes);
}

void GemmProgram::load_tile_a(std::uint64_t g) {
    for (std::uint64_t c = 0; c < p_.k_chunks; ++c)
        if (a_piece(g, c).holds != g + 1) load_a(g, c);
}

void GemmProgram::load_tile_w(std::uint64_t s) {
    for (std::uint64_t c = 0; c < p_.k_chunks; ++c)
        if (w_piece(s, c).holds != s + 1) load_w(s, c);
}

std::vector<GlbRelease> GemmProgram::glb_releases() const {
    std::vector<GlbRelease> out;
    for (std::uint64_t b = 0; b < p_.block_tiles; ++b)
        for (std::uint64_t c = 0; c < p_.k_chunks; ++c)
            out.push_back({p_.a_word(b, c), p_.a_piece_words, a_[b * p_.k_chunks + c].last_use});
    for (std::uint64_t b = 0; b < w_buffers_; ++b)
        for (std::uint64_t c = 0; c < p_.k_chunks; ++c)
            out.push_back({p_.w_word(b, c), p_.w_piece_words, w_[b * p_.k_chunks + c].last_use});
    return out;
}

// Waveform bookkeeping: a buffer's old contents die as the transfer refilling
// it starts; the new contents live from when they have arrived.
void GemmProgram::replace_contents(Piece& piece, std::uint64_t holds, std::int64_t bytes) {
    ctx_.glb_occupancy(dma_.start, -piece.bytes);
    ctx_.glb_occupancy(dma_.done, bytes);
    piece.bytes = bytes;
    piece.holds = holds;
}

std::vector<Cycle*> GemmProgram::times(std::uint64_t g, std::uint64_t s) {
    std::vector<Cycle*> out;
    out.reserve(2 * (a_.size() + w_.size()));
    auto list = [&](std::vector<Piece>& set, std::uint64_t buffers, std::uint64_t from) {
        for (std::uint64_t d = 0; d < buffers; ++d)
            for (std::uint64_t c = 0; c < p_.k_chunks; ++c) {
                Piece& x = set[((from + d) % buffers) * p_.k_chunks + c];
                out.push_back(&x.ready);
                out.push_back(&x.last_use);
            }
    };
    list(a_, p_.block_tiles, g);
    list(w_, w_buffers_, s);
    return out;
}

// After a jump over `a_by` A tiles and `w_by` W tiles, each buffer's state
// (already moved on in time) belongs to the buffer that many tiles on, holding
// contents that many tiles later.
void GemmProgram::skip(std::uint64_t a_by, std::uint64_t w_by) {
    auto rotate = [this](std::vector<Piece>& set, std::uint64_t buffers, std::uint64_t by) {
        if (by == 0) return;
        const std::vector<Piece> old = set;
        for (std::uint64_t b = 0; b < buffers; ++b)
            for (std::uint64_t c = 0; c < p_.k_chunks; ++c) {
                Piece& to = set[((b + by) % buffers) * p_.k_chunks + c];
                to = old[b * p_.k_chunks + c];
                if (to.holds) to.holds += by;
            }
    };
    rotate(a_, p_.block_tiles, a_by);
    if (!p_.w_whole) rotate(w_, w_buffers_, w_by);
}

}  // namespace fusemax
