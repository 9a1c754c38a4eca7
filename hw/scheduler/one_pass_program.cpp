#include "fusemax/scheduler/one_pass_program.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <tuple>

namespace fusemax {

namespace {

// The index of the lowest set bit of a non-zero mask.
inline unsigned lowest_bit(std::uint32_t m) { return static_cast<unsigned>(__builtin_ctz(m)); }

constexpr std::uint32_t bit(Operand o) { return std::uint32_t{1} << index_of(o); }

}  // namespace

OnePassProgram::OnePassProgram(ProgramContext& ctx, const Tiling& tiling, const GlbPlan& plan)
    : ctx_(ctx),
      arch_(ctx.arch()),
      job_(ctx.job()),
      t_(tiling),
      plan_(plan),
      block_ff_(ctx, 0),
      row_ff_(ctx, 1),
      head_ff_(ctx, 2),
      mask_(ctx.job().shape.key_mask()),
      seen_(tiling, mask_, ctx.job().shape.seq_kv, ctx.job().shape.pairs()) {
    const Workload& w = job_.shape;
    blocks_ = w.batch * w.heads * t_.p2;
    rows_ = seen_.total();
    const Cycle t0 = ctx_.job_start();
    for (auto* a : {&k_ready_, &k_last_use_, &v_ready_, &v_last_use_, &routed_free_}) a->fill(t0);
    for (auto* a : {&q_ready_, &q_last_use_})
        for (auto& slot : *a) slot.assign(t_.p1, t0);
    for (auto& slot : q_bytes_) slot.assign(t_.p1, 0);
    for (auto* v : {&rm_ready_, &rd_ready_, &rnv_ready_, &state_free_}) v->assign(t_.p1, t0);
    barrier_ = t0;
    // A result crosses to the other array by register forward unless routed through the GLB.
    for (const OpBinding& b : arch_.schedule.step_ops)
        for (Op in : op_inputs(b.op)) {
            const bool via_glb = std::find(b.glb_reads.begin(), b.glb_reads.end(), in) != b.glb_reads.end();
            if (arch_.schedule.binding(in).array != b.array && !via_glb) forward_[index_of(in)] = true;
        }
    for (Op op : arch_.schedule.overlap_next) overlaps_next_[index_of(op)] = true;
    plan_steps();
    // What every op of the job shares; a tile step sets the mask's first key and query.
    op_.functional = job_.functional;
    op_.mask = mask_;
    o_tile_.assign(job_.functional ? std::size_t{t_.p0} * w.v_dim : 0, 0.0f);

    for (auto* a : {&k_ready_, &k_last_use_, &v_ready_, &v_last_use_, &routed_free_})
        for (Cycle& c : *a) times_.push_back(&c);
    for (auto* a : {&q_ready_, &q_last_use_})
        for (auto& slot : *a)
            for (Cycle& c : slot) times_.push_back(&c);
    for (auto* v : {&rm_ready_, &rd_ready_, &rnv_ready_, &state_free_})
        for (Cycle& c : *v) times_.push_back(&c);
    times_.push_back(&barrier_);
}

void OnePassProgram::plan_steps() {
    const std::vector<OpBinding>& ops = arch_.schedule.step_ops;
    constexpr std::uint32_t tiles = bit(Operand::QTile) | bit(Operand::KTile) | bit(Operand::VTile);
    constexpr std::uint32_t state = bit(Operand::RunningMax) | bit(Operand::RunningDen) | bit(Operand::RunningNum);
    static_assert(kOpCount <= 32, "a step's positions are bits of a 32-bit mask");
    for (std::size_t i = 0; i < ops.size(); ++i) {
        const OpSpec& spec = op_spec(ops[i].op);
        StepOp s;
        s.binding = &ops[i];
        s.op = ops[i].op;
        s.forward = forward_[index_of(ops[i].op)];
        s.glb_write = ops[i].glb_write;
        s.opens = spec.inputs.empty();
        // An input is the latest earlier op of the step that produces it (the configuration lists
        // each op once, its inputs first).
        for (Op in : spec.inputs)
            for (std::size_t j = i; j-- > 0;)
                if (ops[j].op == in) {
                    s.waits_for |= std::uint32_t{1} << j;
                    break;
                }
        for (Operand o : spec.reads) s.reads |= bit(o);
        for (Operand o : spec.writes) s.writes |= bit(o);
        if ((s.reads | s.writes) & ~(tiles | state))
            throw std::logic_error("one_pass: op " + std::string(op_name(ops[i].op)) +
                                   " uses an operand outside Q, K, V and the running state");
        if (s.writes & ~state)
            throw std::logic_error("one_pass: op " + std::string(op_name(ops[i].op)) + " writes a Q, K or V tile");
        s.tile_reads = s.reads & tiles;
        s.reads_state = (s.reads & state) != 0;
        s.reads_routed = !ops[i].glb_reads.empty();
        s.holds_barrier = !arch_.schedule.interleave && !overlaps_next_[index_of(ops[i].op)];
        step_.push_back(s);
    }
}

TileCoord OnePassProgram::coord(std::uint64_t blk, std::uint64_t m1, std::uint64_t p1) const {
    const std::uint64_t bh = blk / t_.p2;
    return {static_cast<std::uint32_t>(bh / job_.shape.heads), static_cast<std::uint32_t>(bh % job_.shape.heads),
            static_cast<std::uint32_t>(blk % t_.p2), static_cast<std::uint32_t>(m1), static_cast<std::uint32_t>(p1)};
}

// What a row of the running block does, as far as timing and counts go: its key tile size,
// whether it is the first or last key tile, which query tiles run it (masks), and which loads it
// triggers (the K/V row kv_slots ahead, tiles of the next Q block). Worked out from the block's
// state: fast-forward asks it of every row it jumps over.
RowKind OnePassProgram::row_kind(std::uint64_t m1) const {
    const BlockState& b = block_;
    const std::uint64_t ahead = b.ordinal + (m1 - b.begin) + plan_.kv_slots;
    const std::uint64_t block_rows = b.end - b.begin;
    std::uint32_t keys_ahead = 0;
    if (ahead < b.ordinal + block_rows) keys_ahead = t_.keys_in(b.begin + (ahead - b.ordinal));
    else if (ahead < rows_) keys_ahead = t_.keys_in(seen_.row_of(ahead).second);
    const auto [q_begin, q_end] = next_q_tiles(m1 - b.begin);
    RowKind k{t_.keys_in(m1), keys_ahead, m1 == b.begin, m1 + 1 == b.end, q_end - q_begin};
    auto seen = [&b](std::uint64_t p1) { return b.seen[p1]; };
    k.runs = tiles_where(b.tiles, seen, [m1](std::uint64_t f, std::uint64_t l) { return f <= m1 && m1 <= l; });
    k.firsts = tiles_where(b.tiles, seen, [m1](std::uint64_t f, std::uint64_t) { return f == m1; });
    k.lasts = tiles_where(b.tiles, seen, [m1](std::uint64_t, std::uint64_t l) { return l == m1; });
    return k;
}

// With two Q slots the next block's Q tiles are loaded across this block's first rows, a tile per
// row (or, with fewer rows than tiles, in proportion: row m1 loads [P1 m1 / M1, P1 (m1 + 1) / M1)),
// so that they take the channel between the K/V rows this block needs rather than ahead of them.
// The rows after the first P1 load no Q, so that a long block's rows repeat for fast-forward.
std::pair<std::uint64_t, std::uint64_t> OnePassProgram::next_q_tiles(std::uint64_t r) const {
    if (plan_.q_slots != 2 || block_.index + 1 >= blocks_) return {0, 0};
    const std::uint64_t rows = block_.end - block_.begin;  // the block's rows; r counts from its first
    if (rows >= t_.p1) return r < t_.p1 ? std::pair{r, r + 1} : std::pair<std::uint64_t, std::uint64_t>{0, 0};
    return {t_.p1 * r / rows, t_.p1 * (r + 1) / rows};
}

// Blocks differ only by a ragged last query tile and near the end of the job (fewer loads ahead).
BlockKind OnePassProgram::block_kind(std::uint64_t blk) const {
    return {(blk % t_.p2) + 1 == t_.p2 && t_.last_p0 != t_.p0, blk == 0, blk + 2 >= blocks_,
            mask_.active ? blk % t_.p2 + 1 : 0};
}

// Tiling and the GLB plan are checked by choose_tiling, for every program.
ProgramFactory OnePassProgram::factory() {
    return {[](const ArchConfig&, const Job&, const Tiling&) {},
            [](ProgramContext& ctx, const Tiling& t, const GlbPlan& plan) {
                return std::make_unique<OnePassProgram>(ctx, t, plan);
            }};
}

void OnePassProgram::run() {
    // The running state and routed tile buffers hold data for the whole job.
    const std::int64_t fixed = std::int64_t(plan_.words_used - plan_.rm) * arch_.word_bytes;
    ctx_.glb_occupancy(ctx_.job_start(), fixed);
    // The first tile step needs the first Q tile and the first K/V row only: those go first.
    load_q(0, 0, 1);
    load_kv(0);
    load_q(0, 1, t_.p1);
    for (std::uint64_t r = 1; r < std::min<std::uint64_t>(rows_, plan_.kv_slots); ++r) load_kv(r);
    if (mask_.active) {
        const std::uint64_t heads = job_.shape.pairs();
        auto kind = [heads](std::uint64_t h) { return PairKind{h == 0, h + 1 == heads}; };
        for (std::uint64_t h = 0; h < heads; ++h) {
            for (std::uint64_t p2 = 0; p2 < t_.p2; ++p2) block(h * t_.p2 + p2);
            h += head_ff_.after(h, heads, kind, times_);
        }
        return;
    }
    auto kind = [this](std::uint64_t b) { return block_kind(b); };
    for (std::uint64_t blk = 0; blk < blocks_; ++blk) {
        block(blk);
        blk += block_ff_.after(blk, blocks_, kind, times_);
    }
}

void OnePassProgram::enter(std::uint64_t blk) {
    block_.index = blk;
    block_.at = coord(blk, 0, 0);
    block_.first_tile = seen_.query_tile(blk, 0);
    block_.tiles = std::min<std::uint64_t>(t_.p1, t_.query_tiles - block_.first_tile);
    block_.q_slot = static_cast<std::uint32_t>(blk % plan_.q_slots);
    std::tie(block_.begin, block_.end) = seen_.of_block(blk);
    block_.ordinal = seen_.ordinal(blk, block_.begin);
    block_.seen.resize(t_.p1);
    for (std::uint64_t p1 = 0; p1 < t_.p1; ++p1) block_.seen[p1] = seen_.of_tile(block_.first_tile + p1);
}

void OnePassProgram::block(std::uint64_t blk) {
    enter(blk);
    // With one Q slot the next block's Q waits until this block's last QK has been issued.
    if (plan_.q_slots == 1 && blk > 0) load_q(blk, 0, t_.p1);
    row_ff_.reset();
    const std::uint64_t begin = block_.begin, end = block_.end;
    // Rows no query tile of the block sees are not visited at all: their tile steps are skipped.
    if (end - begin < t_.m1) ctx_.steps_skipped((t_.m1 - (end - begin)) * t_.p1);
    auto kind = [this, begin](std::uint64_t i) { return row_kind(begin + i); };
    for (std::uint64_t i = 0; i < end - begin; ++i) {
        row(blk, begin + i);
        i += row_ff_.after(i, end - begin, kind, times_);
    }
}

void OnePassProgram::row(std::uint64_t blk, std::uint64_t m1) {
    const std::uint64_t number = block_.ordinal + (m1 - block_.begin);
    const auto kvs = static_cast<std::uint32_t>(number % plan_.kv_slots);
    std::uint64_t skipped = 0;
    for (std::uint64_t p1 = 0; p1 < t_.p1; ++p1) {
        const auto seen = block_.seen[p1];
        if (seen.first <= m1 && m1 <= seen.second) tile_step(blk, m1, p1, kvs, seen);
        else ++skipped;  // every key of the tile is masked for every query of it
    }
    if (skipped) ctx_.steps_skipped(skipped);
    // This row has issued every read of its K/V slot: the slot can take the row kv_slots ahead.
    const std::uint64_t ahead = number + plan_.kv_slots;
    if (ahead < rows_) load_kv(ahead);
    const auto [q_begin, q_end] = next_q_tiles(m1 - block_.begin);
    if (q_end > q_begin) load_q(blk + 1, q_begin, q_end);
}

void OnePassProgram::load_q(std::uint64_t blk, std::uint64_t first_tile, std::uint64_t end_tile) {
    const Workload& w = job_.shape;
    const std::uint32_t slot = static_cast<std::uint32_t>(blk % plan_.q_slots);
    for (std::uint64_t p1 = first_tile; p1 < end_tile; ++p1) {
        const TileCoord c = coord(blk, 0, p1);
        const std::uint64_t query_tile = std::uint64_t{c.p2} * t_.p1 + p1;
        const std::uint32_t n = t_.queries_in(query_tile);
        op_.at = c;
        q_ready_[slot][p1] = dma({Tensor::Q, c.b, c.h, query_tile * t_.p0, 0, n, static_cast<std::uint32_t>(w.head_dim)},
                                 plan_.q_slot[slot] + p1 * t_.p0 * w.head_dim, false, q_last_use_[slot][p1]);
        replace_contents(q_bytes_[slot][p1], std::int64_t(n) * std::int64_t(w.head_dim * arch_.word_bytes));
    }
}

// Waveform bookkeeping: a slot's old contents die as the transfer refilling it starts; the new
// contents live from when they have arrived.
void OnePassProgram::replace_contents(std::int64_t& held, std::int64_t bytes) {
    ctx_.glb_occupancy(dma_.start, -held);
    ctx_.glb_occupancy(dma_.done, bytes);
    held = bytes;
}

void OnePassProgram::load_kv(std::uint64_t row) {
    const Workload& w = job_.shape;
    const auto [blk, m1] = seen_.row_of(row);
    const std::uint32_t slot = static_cast<std::uint32_t>(row % plan_.kv_slots);
    const TileCoord c = coord(blk, m1, 0);
    const std::uint64_t row0 = m1 * t_.m0;
    const std::uint32_t n = t_.keys_in(m1);
    op_.at = c;
    k_ready_[slot] = dma({Tensor::K, c.b, c.h, row0, 0, n, static_cast<std::uint32_t>(w.head_dim)},
                         plan_.k_slot[slot], false, k_last_use_[slot]);
    replace_contents(k_bytes_[slot], std::int64_t(n) * std::int64_t(w.head_dim * arch_.word_bytes));
    v_ready_[slot] = dma({Tensor::V, c.b, c.h, row0, 0, n, static_cast<std::uint32_t>(w.v_dim)},
                         plan_.v_slot[slot], false, v_last_use_[slot]);
    replace_contents(v_bytes_[slot], std::int64_t(n) * std::int64_t(w.v_dim * arch_.word_bytes));
}

void OnePassProgram::tile_step(std::uint64_t blk, std::uint64_t m1, std::uint64_t p1, std::uint32_t kvs,
                               std::pair<std::uint64_t, std::uint64_t> seen) {
    const Workload& w = job_.shape;
    const std::uint64_t query_tile = block_.first_tile + p1;
    const std::uint32_t qs = block_.q_slot;
    const auto [first_row, last_row] = seen;
    const std::uint64_t e = w.head_dim, f = w.v_dim;
    const std::uint32_t parity = static_cast<std::uint32_t>(steps_++ % 2);

    op_.at = block_.at;
    op_.at.m1 = static_cast<std::uint32_t>(m1);
    op_.at.p1 = static_cast<std::uint32_t>(p1);
    op_.extent = {t_.keys_in(m1), t_.queries_in(query_tile), static_cast<std::uint32_t>(e),
                  static_cast<std::uint32_t>(f)};
    op_.operands = operand_words(qs, kvs, p1);
    op_.first_key_tile = m1 == first_row;
    op_.mask.key0 = m1 * t_.m0;
    op_.mask.query0 = query_tile * t_.p0;

    // Each op waits for the ops whose results it reads and for the operands its table row reads:
    // a Q, K or V tile to have arrived, the running state of this query tile to have been written by
    // the previous key tile (and, at the first key tile, where the state is overwritten, for AV to
    // have read the previous block's). The op that opens the step (no inputs) waits for the barrier.
    const Cycle t0 = ctx_.job_start();
    std::array<Cycle*, kOperandCount> ready_at{}, last_use{};  // this step's tiles and running state
    ready_at[index_of(Operand::QTile)] = &q_ready_[qs][p1];
    ready_at[index_of(Operand::KTile)] = &k_ready_[kvs];
    ready_at[index_of(Operand::VTile)] = &v_ready_[kvs];
    for (Operand o : {Operand::RunningMax, Operand::RunningDen, Operand::RunningNum}) ready_at[index_of(o)] = &state_ready(o)[p1];
    last_use[index_of(Operand::QTile)] = &q_last_use_[qs][p1];
    last_use[index_of(Operand::KTile)] = &k_last_use_[kvs];
    last_use[index_of(Operand::VTile)] = &v_last_use_[kvs];
    const Cycle state_floor = m1 == first_row ? state_free_[p1] : t0;
    std::array<Cycle, kOpCount> done;  // by position in the step; an op waits only for earlier ones
    Cycle barrier = barrier_, routed_last_use = routed_free_[parity];
    for (std::size_t i = 0; i < step_.size(); ++i) {
        const StepOp& s = step_[i];
        Cycle ready = s.opens ? barrier_ : t0;
        for (std::uint32_t m = s.waits_for; m; m &= m - 1) ready = std::max(ready, done[lowest_bit(m)]);
        for (std::uint32_t m = s.reads; m; m &= m - 1) ready = std::max(ready, *ready_at[lowest_bit(m)]);
        if (s.reads_state) ready = std::max(ready, state_floor);
        // Intermediates routed through the GLB: written to this step's buffer, read back by consumers.
        op_.glb_count = 0;
        if (s.glb_write) {
            ready = std::max(ready, routed_free_[parity]);
            op_.glb[op_.glb_count++] = routed_access(s.op, parity, true);
        }
        if (s.reads_routed)
            for (Op in : s.binding->glb_reads) op_.glb[op_.glb_count++] = routed_access(in, parity, false);
        op_.op = s.op;
        op_.forward = s.forward;
        const Cycle op_done = ctx_.issue(op_, ready);
        done[i] = op_done;
        for (std::uint32_t m = s.tile_reads; m; m &= m - 1) {
            Cycle& last = *last_use[lowest_bit(m)];
            last = std::max(last, op_done);
        }
        for (std::uint32_t m = s.writes; m; m &= m - 1) *ready_at[lowest_bit(m)] = op_done;
        if (s.reads_routed) routed_last_use = std::max(routed_last_use, op_done);
        if (s.holds_barrier) barrier = std::max(barrier, op_done);
    }
    op_.glb_count = 0;
    routed_free_[parity] = routed_last_use;

    if (m1 == last_row) {
        op_.op = Op::AV;
        op_.forward = false;
        Cycle ready = t0;
        for (Operand o : op_spec(Op::AV).reads) ready = std::max(ready, state_ready(o)[p1]);
        const Cycle av_done = ctx_.issue(op_, ready, o_tile_.data());
        state_free_[p1] = av_done;
        if (!arch_.schedule.interleave && !overlaps_next_[index_of(Op::AV)]) barrier = std::max(barrier, av_done);
        store_o(blk, p1, av_done);
    }
    barrier_ = barrier;
    ctx_.step_done();
}

// The GLB access of a result routed through the GLB: `op`'s buffer of this step's parity, as many
// words as the op left in its registers for the current tile.
GlbAccess OnePassProgram::routed_access(Op op, std::uint32_t parity, bool write) const {
    const std::uint64_t words = op_result_words(op, op_.extent.rows, t_.p0, job_.shape.v_dim);
    return {plan_.routed[index_of(op)] + parity * plan_.routed_words[index_of(op)], words, write,
            op_spec(op).outputs.front()};
}

TileOperands OnePassProgram::operand_words(std::uint32_t qs, std::uint32_t kvs, std::uint64_t p1) const {
    const std::uint64_t cols = t_.p0, e = job_.shape.head_dim, f = job_.shape.v_dim;
    TileOperands words{};
    words[index_of(Operand::QTile)] = plan_.q_slot[qs] + p1 * cols * e;
    words[index_of(Operand::KTile)] = plan_.k_slot[kvs];
    words[index_of(Operand::VTile)] = plan_.v_slot[kvs];
    words[index_of(Operand::RunningMax)] = plan_.rm + p1 * cols;
    words[index_of(Operand::RunningDen)] = plan_.rd + p1 * cols;
    words[index_of(Operand::RunningNum)] = plan_.rnv + p1 * cols * f;
    return words;
}

// When each query tile's running state (RM, RD or RNV) was last written.
std::vector<Cycle>& OnePassProgram::state_ready(Operand o) {
    return o == Operand::RunningMax ? rm_ready_ : o == Operand::RunningDen ? rd_ready_ : rnv_ready_;
}

void OnePassProgram::store_o(std::uint64_t blk, std::uint64_t p1, Cycle ready) {
    const TileCoord c = coord(blk, 0, p1);
    const std::uint64_t query_tile = std::uint64_t{c.p2} * t_.p1 + p1;
    dma({Tensor::O, c.b, c.h, query_tile * t_.p0, 0, t_.queries_in(query_tile),
         static_cast<std::uint32_t>(job_.shape.v_dim)},
        0, true, ready);
}

Cycle OnePassProgram::dma(const TensorBlock& block, std::uint64_t glb_word, bool store, Cycle ready) {
    const TensorLayout& l = job_.layout(block.tensor);
    float* data = store ? o_tile_.data() : nullptr;
    if (l.evenly_strided(block.row0, block.rows)) return dma_part(block, glb_word, store, ready, data);
    // Stacked query heads that are not adjacent in memory (a projection's output): one transfer
    // per head the tile holds rows of.
    Cycle done = ready;
    for (std::uint64_t row = block.row0, end = block.row0 + block.rows; row < end;) {
        const std::uint64_t next = std::min(end, (row / l.group_rows + 1) * l.group_rows);
        TensorBlock part = block;
        part.row0 = row;
        part.rows = static_cast<std::uint32_t>(next - row);
        const std::uint64_t offset = (row - block.row0) * block.cols;
        done = std::max(done, dma_part(part, glb_word + offset, store, ready, data ? data + offset : nullptr));
        row = next;
    }
    return done;
}

Cycle OnePassProgram::dma_part(const TensorBlock& block, std::uint64_t glb_word, bool store, Cycle ready,
                               float* data) {
    // O leaves straight from the 1D array.
    describe_transfer(dma_, job_, block, store, store ? GlbSide::Stream : GlbSide::Buffer, glb_word, op_.at);
    if (block.tensor == Tensor::Q) dma_.scale = static_cast<float>(job_.shape.scale);
    return ctx_.transfer(dma_, ready, data);
}

}  // namespace fusemax
