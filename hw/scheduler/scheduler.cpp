#include "scheduler/scheduler.h"

#include <algorithm>
#include <cstdio>

#include "common/word_port.h"
#include "config/config_error.h"

namespace fusemax {
namespace {

std::string hex(std::uint64_t a) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(a));
    return buf;
}

}  // namespace

Scheduler::Scheduler(const sc_core::sc_module_name& name, const ArchConfig& arch)
    : sc_core::sc_module(name),
      sched2pe2d("sched2pe2d"),
      sched2pe1d("sched2pe1d"),
      sched2dram("sched2dram"),
      arch_(arch),
      clock_(arch.clock_hz),
      op_ext_(new TileOp),
      dma_ext_(new DmaTransfer) {
    // The payloads own their extensions and free them on destruction.
    op_gp_.set_extension(op_ext_);
    dma_gp_.set_extension(dma_ext_);
    quantum_.set_global_quantum(clock_.at(100000));
    for (const OpBinding& b : arch_.schedule.step_ops)
        for (Op in : op_inputs(b.op))
            if (arch_.schedule.binding(in).array != b.array) forward_[index_of(in)] = true;
    for (Op op : arch_.schedule.overlap_next) overlaps_next_[index_of(op)] = true;
    SC_HAS_PROCESS(Scheduler);
    SC_THREAD(run);
}

Scheduler::~Scheduler() = default;

void Scheduler::start(const Job& job) {
    if (busy_) throw ConfigError(std::string(name()) + ": a job is already running");
    validate_workload(job.shape, "job");
    Tiling tiling = choose_tiling(arch_, job.shape);
    const CostVariables vars{static_cast<std::int64_t>(job.shape.head_dim), static_cast<std::int64_t>(job.shape.v_dim),
                             arch_.pe2d.rows, arch_.pe2d.cols, arch_.pe1d.lanes};
    for (std::size_t i = 0; i < kOpCount; ++i) {
        const OpBinding& b = arch_.schedule.binding(static_cast<Op>(i));
        if (b.cycles.eval(vars) < 0 || b.result_latency.eval(vars) < 0)
            throw ConfigError(arch_.source + ": op " + std::string(op_name(b.op)) + ": cycles '" + b.cycles.text() +
                              "' or result_latency '" + b.result_latency.text() + "' is negative for E=" +
                              std::to_string(vars.e) + ", F=" + std::to_string(vars.f));
    }
    job_ = job;
    tiling_ = tiling;
    plan_ = plan_glb(arch_, job.shape, tiling_);
    error_.clear();
    busy_ = true;
    start_.notify(sc_core::SC_ZERO_TIME);
}

void Scheduler::run() {
    for (;;) {
        // A job started during elaboration is already pending when this thread first runs.
        if (!busy_) sc_core::wait(start_);
        try {
            run_job();
        } catch (const TransportError& e) {
            error_ = e.what();
        }
        busy_ = false;
        ++stats_.jobs;
        done_.notify(sc_core::SC_ZERO_TIME);
    }
}

TileCoord Scheduler::coord(std::uint64_t blk, std::uint64_t m1, std::uint64_t p1) const {
    const std::uint64_t bh = blk / tiling_.p2;
    return {static_cast<std::uint32_t>(bh / job_.shape.heads), static_cast<std::uint32_t>(bh % job_.shape.heads),
            static_cast<std::uint32_t>(blk % tiling_.p2), static_cast<std::uint32_t>(m1),
            static_cast<std::uint32_t>(p1)};
}

void Scheduler::run_job() {
    const Workload& w = job_.shape;
    const std::uint64_t blocks = w.batch * w.heads * tiling_.p2;
    const std::uint64_t rows = blocks * tiling_.m1;
    const std::uint64_t p1s = tiling_.p1;

    tl_ = Timeline{};
    const Cycle t0 = clock_.now();
    tl_.t0 = tl_.barrier = tl_.end_all = tl_.dram_end = t0;
    tl_.q_ready.fill(t0);
    tl_.q_last_use.fill(t0);
    tl_.k_ready.fill(t0);
    tl_.k_last_use.fill(t0);
    tl_.v_ready.fill(t0);
    tl_.v_last_use.fill(t0);
    tl_.array_end.fill(t0);
    for (auto* v : {&tl_.rm_ready, &tl_.rd_ready, &tl_.rnv_ready, &tl_.state_free}) v->assign(p1s, t0);
    stats_.job_start = stats_.compute_start = stats_.compute_end = t0;
    o_tile_.assign(job_.functional ? std::size_t{tiling_.p0} * w.v_dim : 0, 0.0f);

    // Loads go out in the order the computation needs them: a slot is refilled as soon as every
    // op that reads its previous contents has been issued.
    std::uint64_t q_loaded = 0, kv_loaded = 0;
    auto load_kv_up_to = [&](std::uint64_t last_row) {
        for (; kv_loaded <= last_row && kv_loaded < rows; ++kv_loaded) {
            const std::uint64_t blk = kv_loaded / tiling_.m1, m1 = kv_loaded % tiling_.m1;
            const std::uint32_t slot = static_cast<std::uint32_t>(kv_loaded % plan_.kv_slots);
            tl_.k_ready[slot] = load(Tensor::K, blk, m1, tl_.k_last_use[slot]);
            tl_.v_ready[slot] = load(Tensor::V, blk, m1, tl_.v_last_use[slot]);
        }
    };
    auto load_q = [&](std::uint64_t blk) {
        const std::uint32_t slot = static_cast<std::uint32_t>(blk % plan_.q_slots);
        tl_.q_ready[slot] = load(Tensor::Q, blk, 0, tl_.q_last_use[slot]);
        q_loaded = blk + 1;
    };

    for (std::uint64_t blk = 0; blk < blocks; ++blk) {
        if (q_loaded <= blk) load_q(blk);
        for (std::uint64_t m1 = 0; m1 < tiling_.m1; ++m1) {
            const std::uint64_t row = blk * tiling_.m1 + m1;
            load_kv_up_to(row);
            for (std::uint64_t p1 = 0; p1 < p1s; ++p1) tile_step(blk, m1, p1);
            // Row `row` has issued its reads: its slot can take row + kv_slots.
            load_kv_up_to(row + plan_.kv_slots);
            if (plan_.q_slots == 2 && m1 == 0 && blk + 1 < blocks && q_loaded == blk + 1) load_q(blk + 1);
        }
    }

    // Let simulated time reach the completion of the last transfer.
    const Cycle now = clock_.now();
    quantum_.reset();
    if (tl_.end_all > now) sc_core::wait(clock_.at(tl_.end_all - now));
    stats_.job_end = tl_.end_all;
}

void Scheduler::tile_step(std::uint64_t blk, std::uint64_t m1, std::uint64_t p1) {
    const Workload& w = job_.shape;
    const std::uint64_t query_tile = (blk % tiling_.p2) * tiling_.p1 + p1;
    const std::uint32_t qs = static_cast<std::uint32_t>(blk % plan_.q_slots);
    const std::uint32_t kvs = static_cast<std::uint32_t>((blk * tiling_.m1 + m1) % plan_.kv_slots);
    const std::uint64_t cols = tiling_.p0, e = w.head_dim, f = w.v_dim;

    TileOp& op = *op_ext_;
    op.at = coord(blk, m1, p1);
    op.extent = {tiling_.keys_in(m1), tiling_.queries_in(query_tile), static_cast<std::uint32_t>(e),
                 static_cast<std::uint32_t>(f)};
    op.operands = {plan_.q_slot[qs] + p1 * cols * e, plan_.k_slot[kvs], plan_.v_slot[kvs],
                   plan_.rm + p1 * cols, plan_.rd + p1 * cols, plan_.rnv + p1 * cols * f};
    op.first_key_tile = m1 == 0;
    op.functional = job_.functional;

    // At the first key tile the state is overwritten: wait until AV has read the previous block's.
    const Cycle state_free = m1 == 0 ? tl_.state_free[p1] : tl_.t0;
    std::array<Cycle, kOpCount> done{};
    auto at = [&done](Op o) { return done[index_of(o)]; };
    Cycle barrier = tl_.barrier;
    for (const OpBinding& b : arch_.schedule.step_ops) {
        Cycle ready = tl_.t0;
        switch (b.op) {
            case Op::QK: ready = std::max({tl_.q_ready[qs], tl_.k_ready[kvs], tl_.barrier}); break;
            case Op::RM: ready = std::max({at(Op::LM), tl_.rm_ready[p1], state_free}); break;
            case Op::SPD: ready = std::max({at(Op::PRM), tl_.rd_ready[p1], state_free}); break;
            case Op::SPNV: ready = std::max({at(Op::PRM), tl_.rnv_ready[p1], state_free}); break;
            case Op::SLNV: ready = std::max(at(Op::SLN), tl_.v_ready[kvs]); break;
            default:
                for (Op in : op_inputs(b.op)) ready = std::max(ready, at(in));
        }
        done[index_of(b.op)] = issue(b, ready, nullptr);
        if (!arch_.schedule.interleave && !overlaps_next_[index_of(b.op)])
            barrier = std::max(barrier, done[index_of(b.op)]);
    }
    tl_.rm_ready[p1] = at(Op::RM);
    tl_.rd_ready[p1] = at(Op::RD);
    tl_.rnv_ready[p1] = at(Op::RNV);
    tl_.q_last_use[qs] = std::max(tl_.q_last_use[qs], at(Op::QK));
    tl_.k_last_use[kvs] = std::max(tl_.k_last_use[kvs], at(Op::QK));
    tl_.v_last_use[kvs] = std::max(tl_.v_last_use[kvs], at(Op::SLNV));
    ++stats_.tile_steps;

    if (m1 + 1 == tiling_.m1) {
        const OpBinding& av = arch_.schedule.av;
        const Cycle av_done = issue(av, std::max(tl_.rd_ready[p1], tl_.rnv_ready[p1]), o_tile_.data());
        tl_.state_free[p1] = av_done;
        if (!arch_.schedule.interleave && !overlaps_next_[index_of(Op::AV)]) barrier = std::max(barrier, av_done);
        store_o(blk, p1, av_done);
    }
    tl_.barrier = barrier;
    advance_horizon();
}

Cycle Scheduler::issue(const OpBinding& b, Cycle ready, float* out) {
    TileOp& op = *op_ext_;
    op.op = b.op;
    op.forward = forward_[index_of(b.op)];
    const bool returns_data = out != nullptr && job_.functional;
    op_gp_.set_command(returns_data ? tlm::TLM_READ_COMMAND : tlm::TLM_IGNORE_COMMAND);
    op_gp_.set_address(0);
    op_gp_.set_data_ptr(returns_data ? reinterpret_cast<unsigned char*>(out) : nullptr);
    const unsigned len = returns_data ? static_cast<unsigned>(op.extent.cols * op.extent.f * 4) : 0;
    op_gp_.set_data_length(len);
    op_gp_.set_streaming_width(len);
    op_gp_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);

    sc_core::sc_time delay = clock_.delay_until(ready);
    auto& socket = b.array == ArrayKind::Pe2d ? sched2pe2d : sched2pe1d;
    socket->b_transport(op_gp_, delay);
    if (!op_gp_.is_response_ok())
        throw TransportError(std::string(name()) + ": op " + std::string(op_name(b.op)) + " failed: " +
                             op_gp_.get_response_string());
    const Cycle done = clock_.cycles(sc_core::sc_time_stamp() + delay);

    ++stats_.ops_issued[index_of(b.array)];
    if (!tl_.compute_started) {
        tl_.compute_started = true;
        stats_.compute_start = op.start;
    }
    stats_.compute_end = std::max(stats_.compute_end, op.end);
    tl_.array_end[index_of(b.array)] = op.end;
    tl_.end_all = std::max(tl_.end_all, done);
    return done;
}

Cycle Scheduler::load(Tensor t, std::uint64_t blk, std::uint64_t m1, Cycle ready) {
    const Workload& w = job_.shape;
    const TileCoord c = coord(blk, m1, 0);
    const std::uint64_t row = blk * tiling_.m1 + m1;
    if (t == Tensor::Q) {
        const std::uint64_t first_tile = std::uint64_t{c.p2} * tiling_.p1;
        const std::uint64_t row0 = first_tile * tiling_.p0;
        const std::uint64_t n = std::min<std::uint64_t>(tiling_.p1 * tiling_.p0, w.seq_q - row0);
        return dma(t, job_.q, c.b, c.h, row0, static_cast<std::uint32_t>(n), static_cast<std::uint32_t>(w.head_dim),
                   plan_.q_slot[blk % plan_.q_slots], nullptr, ready);
    }
    const std::uint64_t row0 = m1 * tiling_.m0;
    const std::uint32_t n = tiling_.keys_in(m1);
    const std::uint32_t slot = static_cast<std::uint32_t>(row % plan_.kv_slots);
    if (t == Tensor::K)
        return dma(t, job_.k, c.b, c.h, row0, n, static_cast<std::uint32_t>(w.head_dim), plan_.k_slot[slot], nullptr,
                   ready);
    return dma(t, job_.v, c.b, c.h, row0, n, static_cast<std::uint32_t>(w.v_dim), plan_.v_slot[slot], nullptr, ready);
}

Cycle Scheduler::store_o(std::uint64_t blk, std::uint64_t p1, Cycle ready) {
    const TileCoord c = coord(blk, 0, p1);
    const std::uint64_t query_tile = std::uint64_t{c.p2} * tiling_.p1 + p1;
    return dma(Tensor::O, job_.o, c.b, c.h, query_tile * tiling_.p0, tiling_.queries_in(query_tile),
               static_cast<std::uint32_t>(job_.shape.v_dim), 0, o_tile_.data(), ready);
}

Cycle Scheduler::dma(Tensor t, const TensorLayout& l, std::uint64_t b, std::uint64_t h, std::uint64_t row0,
                     std::uint32_t rows, std::uint32_t row_elems, std::uint64_t glb_word, float* data, Cycle ready) {
    DmaTransfer& x = *dma_ext_;
    x.tensor = t;
    x.at = op_ext_->at;
    x.mem_addr = l.row_address(b, h, row0);
    x.row_stride = l.row_stride;
    x.rows = rows;
    x.row_elems = row_elems;
    x.elem = job_.elem;
    x.scale = t == Tensor::Q ? static_cast<float>(job_.shape.scale) : 1.0f;
    x.glb_word = glb_word;
    x.functional = job_.functional;
    const bool store = t == Tensor::O;
    x.store = store;

    const bool carries_values = store && job_.functional;
    dma_gp_.set_command(carries_values ? tlm::TLM_WRITE_COMMAND : tlm::TLM_IGNORE_COMMAND);
    dma_gp_.set_address(x.mem_addr);
    dma_gp_.set_data_ptr(carries_values ? reinterpret_cast<unsigned char*>(data) : nullptr);
    const unsigned len = carries_values ? static_cast<unsigned>(x.elements() * 4) : 0;
    dma_gp_.set_data_length(len);
    dma_gp_.set_streaming_width(len);
    dma_gp_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);

    sc_core::sc_time delay = clock_.delay_until(ready);
    sched2dram->b_transport(dma_gp_, delay);
    if (!dma_gp_.is_response_ok())
        throw TransportError(std::string(name()) + ": DRAM " + (store ? "write" : "read") + " of " + tensor_name(t) +
                             " (b=" + std::to_string(b) + ", h=" + std::to_string(h) + ", rows " +
                             std::to_string(row0) + "+" + std::to_string(rows) + ") at " + hex(x.mem_addr) +
                             " failed: " + dma_gp_.get_response_string());
    (store ? stats_.dram_stores : stats_.dram_loads)++;
    tl_.dram_end = x.end;
    tl_.end_all = std::max(tl_.end_all, x.done);
    return x.done;
}

void Scheduler::advance_horizon() {
    // Nothing issued later can start before every resource has finished what it already has.
    const Cycle horizon = std::min({tl_.array_end[0], tl_.array_end[1], tl_.dram_end});
    const Cycle now = clock_.now();
    if (horizon <= now) return;
    quantum_.set(clock_.at(horizon - now));
    if (quantum_.need_sync()) quantum_.sync();
}

void Scheduler::write_stats(nlohmann::json& out) const {
    out["jobs"] = stats_.jobs;
    out["tile_steps"] = stats_.tile_steps;
    out["ops_issued_pe2d"] = stats_.ops_issued[0];
    out["ops_issued_pe1d"] = stats_.ops_issued[1];
    out["dram_loads"] = stats_.dram_loads;
    out["dram_stores"] = stats_.dram_stores;
    out["job_start_cycle"] = stats_.job_start;
    out["job_end_cycle"] = stats_.job_end;
    out["compute_start_cycle"] = stats_.compute_start;
    out["compute_end_cycle"] = stats_.compute_end;
    out["tiling"] = {{"m0", tiling_.m0},         {"p0", tiling_.p0},         {"m1", tiling_.m1},
                     {"p1", tiling_.p1},         {"p2", tiling_.p2},         {"query_tiles", tiling_.query_tiles},
                     {"q_slots", plan_.q_slots}, {"kv_slots", plan_.kv_slots}, {"glb_words_used", plan_.words_used}};
}

}  // namespace fusemax
