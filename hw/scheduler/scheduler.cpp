#include "fusemax/scheduler/scheduler.h"

#include <algorithm>
#include <cstdio>

#include "fusemax/protocol/word_port.h"
#include "fusemax/config/config_error.h"
#include "fusemax/util/checked_math.h"
#include "fusemax/scheduler/program.h"
#include "fusemax/tiling/gemm_plan.h"
#include "fusemax/util/hex.h"

namespace fusemax {
Scheduler::Scheduler(const sc_core::sc_module_name& name, const ArchConfig& arch)
    : sc_core::sc_module(name),
      sched2pe2d("sched2pe2d"),
      sched2pe1d("sched2pe1d"),
      sched2dram("sched2dram"),
      csr2sched("csr2sched", this),
      sched2csr("sched2csr"),
      arch_(arch),
      clock_(arch.clock_hz),
      op_carried_(op_gp_),
      dma_carried_(dma_gp_) {
    report_gp_.set_extension(new JobReport);
    report_gp_.set_command(tlm::TLM_IGNORE_COMMAND);
    program_factory(arch_.schedule.program);  // a configuration naming no registered program fails here
    for (const OpBinding& b : arch_.schedule.ops) array_of_[index_of(b.op)] = b.array;
    quantum_.set_global_quantum(clock_.at(100000));
    SC_HAS_PROCESS(Scheduler);
    SC_THREAD(run);
    SC_THREAD(deliver_reports);
}

void Scheduler::glb_occupancy(Cycle at, std::int64_t delta) {
    if (glb_) glb_->occupancy(at, delta);
}

Scheduler::~Scheduler() = default;

// Evaluates every op's cost for E = e, F = f (the arrays evaluate them for each op's extent): a cost
// must be a cycle count in [0, 2^40]. Returns the cycles of `of`.
Cycle Scheduler::validate_costs(std::uint64_t e, std::uint64_t f, Op of) const {
    const CostVariables vars{static_cast<std::int64_t>(e), static_cast<std::int64_t>(f), arch_.pe2d.rows,
                             arch_.pe2d.cols, arch_.pe1d.lanes};
    constexpr std::int64_t kMaxOpCycles = std::int64_t{1} << 40;
    Cycle cycles = 0;
    for (const OpBinding& b : arch_.schedule.ops)
        for (const CostExpr* e : {&b.cycles, &b.result_latency}) {
            const std::string what = arch_.source + ": op " + std::string(op_name(b.op)) + ": " +
                                     (e == &b.cycles ? "cycles" : "result_latency") + " '" + e->text() + "'";
            std::int64_t v = 0;
            try {
                v = e->eval(vars);
            } catch (const std::overflow_error&) {
                throw ConfigError(what + " overflows 64 bits for E=" + std::to_string(vars.e) + ", F=" +
                                  std::to_string(vars.f));
            }
            if (v < 0 || v > kMaxOpCycles)
                throw ConfigError(what + " is " + std::to_string(v) + " for E=" + std::to_string(vars.e) + ", F=" +
                                  std::to_string(vars.f) + ": expected 0 to 2^40 cycles");
            if (b.op == of && e == &b.cycles) cycles = static_cast<Cycle>(v);
        }
    return cycles;
}

// A job whose ops alone would outlast simulated time is refused before it starts.
void Scheduler::check_time_bound(std::optional<std::uint64_t> op_cycles, const char* what) const {
    if (!op_cycles || *op_cycles > clock_.max_cycle())
        throw ConfigError(arch_.source + ": key 'clock_mhz': this job's " + what + " alone need " +
                          (op_cycles ? std::to_string(*op_cycles) : std::string("more than 2^64")) +
                          " cycles, but at " + std::to_string(arch_.clock_hz / 1e6) +
                          " MHz simulated time (64-bit, 1 ps resolution) ends after cycle " +
                          std::to_string(clock_.max_cycle()) + ": raise the clock or shrink the job");
}

Scheduler::Prepared Scheduler::prepare(const Job& job) const {
    // "attention" is the design's attention program; any other name is a program of its own.
    const bool attention = job.program == "attention";
    const std::string program = attention ? arch_.schedule.program : job.program;
    const ProgramSpec* spec = find_program(program);
    if (!spec) throw ConfigError("job: unknown program '" + job.program + "' (expected attention or gemm)");
    const ProgramFactory& factory = program_factory(program);
    if (attention) validate_workload(job.shape, "job");
    else validate_gemm(job.gemm, "job");
    validate_layouts(job);
    if (attention && job.shape.masked()) {
        if (!spec->masks)
            throw ConfigError(arch_.source + ": design '" + arch_.design + "' (program " + program +
                              ") runs unmasked attention only: its program does not run causal or window masks");
        const std::uint64_t queries = job.shape.stacked_period ? job.shape.stacked_period : job.shape.seq_q;
        if (queries > job.shape.seq_kv)
            throw ConfigError("job: causal attention with more queries than keys (" + std::to_string(queries) +
                              " > " + std::to_string(job.shape.seq_kv) + "): the first queries would see no key");
    }
    if (attention && job.shape.group() > 1) {
        if (!spec->masks)
            throw ConfigError(arch_.source + ": design '" + arch_.design + "' (program " + program +
                              ") runs multi-head attention only: its program does not run grouped-query attention");
        Prepared grouped = prepare(as_mapped(job, arch_.tiling.stack_groups));
        return grouped;
    }
    if (job.functional && !spec->functional)
        throw ConfigError(arch_.source + ": design '" + arch_.design + "' (program " + program +
                          ") runs in timing mode only: use --mode timing");
    Tiling tiling;
    GemmPlan gemm_plan;
    if (attention) {
        tiling = choose_tiling(arch_, job.shape);
        const Cycle qk_cycles = validate_costs(job.shape.head_dim, job.shape.v_dim, Op::QK);
        // Every attention program runs QK once per tile step.
        check_time_bound(checked_product({job.shape.pairs(), tiling.m1, tiling.query_tiles, qk_cycles}), "QK ops");
    } else {
        // The GEMM's MM ops: one per K chunk of each Z block, the last chunk possibly ragged.
        gemm_plan = plan_gemm(arch_, job.gemm);
        const GemmPlan& g = gemm_plan;
        const Cycle full = validate_costs(g.k0, 0, Op::MM), last = validate_costs(g.last_k, 0, Op::MM);
        const auto chunks = checked_product({g.k_chunks - 1, full});
        const auto per_block = chunks ? checked_add(*chunks, last) : std::nullopt;
        check_time_bound(per_block ? checked_product({g.m_tiles, g.n_tiles, *per_block}) : std::nullopt, "MM ops");
    }
    factory.validate(arch_, job, tiling);
    return {job, program, tiling, attention ? plan_glb(arch_, job.shape, tiling) : GlbPlan{}, gemm_plan, 0};
}

void Scheduler::begin(Prepared p) {
    program_ = std::move(p.program);
    job_ = std::move(p.job);
    tiling_ = p.tiling;
    plan_ = p.plan;
    gemm_plan_ = p.gemm_plan;
    error_.clear();
    busy_ = true;
    ++jobs_started_;
}

void Scheduler::start(const Job& job) {
    if (busy_) throw ConfigError(std::string(name()) + ": a job is already running");
    begin(prepare(job));
    start_.notify(sc_core::SC_ZERO_TIME);
}

void Scheduler::enqueue(const Job& job) {
    if (!busy_) return start(job);
    Prepared p = prepare(job);
    p.queued_at = clock_.now();
    queue_.push_back(std::move(p));
    enqueued_.notify(sc_core::SC_ZERO_TIME);
}

namespace {
// Thrown out of a running program when SOFT_RESET asks for an abort.
struct JobAborted {};
}  // namespace

void Scheduler::command(tlm::tlm_generic_payload& gp, sc_core::sc_time&) {
    JobCommand* c = gp.get_extension<JobCommand>();
    if (!c) {
        gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return;
    }
    if (c->kind == JobCommand::Kind::Abort) {
        abort_requested_ = busy_;
        queue_.clear();
        if (busy_) abort_.notify(sc_core::SC_ZERO_TIME);
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
        return;
    }
    try {
        if (c->kind == JobCommand::Kind::Enqueue) enqueue(c->job);
        else start(c->job);
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
    } catch (const ConfigError& e) {
        c->message = e.what();
        gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    }
}

void Scheduler::report(const PendingReport& p) {
    JobReport* r = report_gp_.get_extension<JobReport>();
    r->error = p.error;
    r->message = p.message;
    r->next_running = p.next_running;
    r->cycles = p.record.end - p.record.start;
    r->pe2d_busy = p.record.busy_cycles[0];
    r->pe1d_busy = p.record.busy_cycles[1];
    r->tile_steps = p.record.tile_steps;
    report_gp_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time zero = sc_core::SC_ZERO_TIME;
    sched2csr->b_transport(report_gp_, zero);
}

// Reports go out in order, each when its job has completed: a job that ran behind a queued one
// issues while the first one drains, so the first one's report is due in the middle of it.
void Scheduler::deliver_reports() {
    for (;;) {
        while (reports_.empty()) sc_core::wait(report_added_);
        const Cycle at = reports_.front().record.end, now = clock_.now();
        if (at > now) {
            sc_core::wait(clock_.at(at - now), report_added_);  // a SOFT_RESET may replace the queue
            continue;
        }
        const PendingReport r = std::move(reports_.front());
        reports_.pop_front();
        report(r);
    }
}

JobRecord Scheduler::record() const {
    return {program_,           stats_.job_start,  stats_.job_end, stats_.compute_start, stats_.compute_end,
            stats_.tile_steps, stats_.busy_cycles};
}

void Scheduler::run() {
    Cycle start = 0, t0 = 0;
    bool fresh = true;  // started on an idle scheduler (not queued behind a job)
    for (;;) {
        // A job started during elaboration is already pending when this thread first runs.
        if (!busy_) sc_core::wait(start_);
        if (fresh) start = t0 = clock_.now();
        JobError error = JobError::None;
        try {
            issue_job(start, t0);
            if (job_issued_) job_issued_(record());
            // Until it completes, a job may be queued behind this one: it starts at once.
            quantum_.reset();
            while (queue_.empty() && !abort_requested_ && clock_.now() < end_all_ && end_all_ <= clock_.max_cycle())
                sc_core::wait(clock_.at(end_all_ - clock_.now()), enqueued_ | abort_);
            if (abort_requested_) throw JobAborted{};
            if (!queue_.empty()) {
                // The queued job runs from this one's end; its transfers may begin before.
                const JobRecord done = record();
                reports_.push_back({done, JobError::None, "", true});
                report_added_.notify(sc_core::SC_ZERO_TIME);
                ++stats_.jobs;
                Prepared next = std::move(queue_.front());
                queue_.pop_front();
                dependent_ = outputs_touched_by(next.job, job_);
                dependent_until_ = done.end;
                handoff_ = last_releases_;
                if (handoff_.empty()) handoff_.push_back({0, arch_.glb_capacity_words(), stats_.compute_end});
                std::sort(handoff_.begin(), handoff_.end(),
                          [](const GlbRelease& a, const GlbRelease& b) { return a.word < b.word; });
                op_floor_ = std::max(stats_.compute_end, t0_);
                start = done.end;
                t0 = std::max(next.queued_at, t0_);
                fresh = false;
                begin(std::move(next));
                continue;
            }
            quantum_.reset();
            wait_until(end_all_);  // let simulated time reach the completion of the last transfer
            stats_.job_end = end_all_;
        } catch (const TransportError& e) {
            error_ = e.what();
            error = JobError::MemoryError;
        } catch (const JobAborted&) {
            error_ = "aborted by SOFT_RESET";
            error = JobError::Aborted;
        } catch (const TimeLimitError& e) {
            error_ = std::string(name()) + ": " + e.what();
            error = JobError::TimeLimit;
        } catch (const std::exception& e) {
            // Nothing may escape the thread: SystemC would end the whole simulation with E549.
            error_ = std::string(name()) + ": internal error: " + e.what();
            error = JobError::Internal;
        }
        if (error != JobError::None && error != JobError::Aborted) {
            // Let what was already issued complete before reporting (unless that is past the end
            // of simulated time, or a SOFT_RESET comes first).
            const Cycle now = clock_.now();
            if (!abort_requested_ && end_all_ > now && end_all_ <= clock_.max_cycle())
                sc_core::wait(clock_.at(end_all_ - now), abort_);
            stats_.job_end = std::max(std::min(end_all_, clock_.max_cycle()), clock_.now());
        }
        if (abort_requested_ && error != JobError::None) {
            // A SOFT_RESET wins over whatever else stopped the job (software asked for the reset)
            // and ends it now: what is still in flight is bookkeeping (platform memory was read
            // and written when each transfer was issued). Reports still due are void.
            error = JobError::Aborted;
            error_ = "aborted by SOFT_RESET";
            stats_.job_end = clock_.now();
            reports_.clear();
        }
        // A job queued while this one drained starts now; jobs queued behind one that failed do
        // not run.
        const bool next_running = error == JobError::None && !queue_.empty();
        abort_requested_ = false;
        handoff_.clear();
        op_floor_ = 0;
        dependent_ = {};
        fresh = true;
        ++stats_.jobs;
        reports_.push_back({record(), error, error_, next_running});
        report_added_.notify(sc_core::SC_ZERO_TIME);
        busy_ = false;
        if (next_running) {
            Prepared next = std::move(queue_.front());
            queue_.pop_front();
            begin(std::move(next));
        }
        queue_.clear();
    }
}

// Lets simulated time reach cycle `c`; a SOFT_RESET cuts the wait short and aborts the job.
// (An abort requested before the wait began has no event left to wake it: check before and after.)
void Scheduler::wait_until(Cycle c) {
    const Cycle now = clock_.now();
    if (!abort_requested_ && c > now) sc_core::wait(clock_.at(c - now), abort_);
    if (abort_requested_) throw JobAborted{};
}

// Issues the whole job: its record runs from `start`; its transfers may begin at `t0`.
void Scheduler::issue_job(Cycle start, Cycle t0) {
    t0_ = t0;
    for (Cycle& e : array_end_) e = std::max(e, t0_);
    dram_end_ = std::max(dram_end_, t0_);
    end_all_ = std::max(end_all_, t0_);
    compute_started_ = false;
    arrays_used_.fill(false);
    stats_.job_start = start;
    stats_.compute_start = stats_.compute_end = t0_;
    stats_.tile_steps = 0;
    stats_.busy_cycles.fill(0);
    std::unique_ptr<Program> program = program_factory(program_).create(*this, tiling_, plan_);
    // Declared after the program: the payloads give back its ops before it goes, also on a throw.
    const CarriedRestore restore{op_carried_, dma_carried_};
    program->run();
    last_releases_ = program->glb_releases();
    flush();
    if (glb_) glb_->job_ended(end_all_);  // the job's data is dead once it has completed
    stats_.job_end = end_all_;
}

// Which of `next`'s tensors overlap memory `running` writes (its output): their transfers wait for
// `running` to complete.
std::array<bool, kTensorCount> Scheduler::outputs_touched_by(const Job& next, const Job& running) const {
    std::array<bool, kTensorCount> touched{};
    for (const TensorDesc& out : running.tensors) {
        if (out.tensor != Tensor::O && out.tensor != Tensor::Z) continue;
        const auto w = tensor_extent(out.layout, out.shape, running.elem);
        for (const TensorDesc& t : next.tensors) {
            const auto r = tensor_extent(t.layout, t.shape, next.elem);
            if (!w || !r || (r->first <= w->second && w->first <= r->second)) touched[index_of(t.tensor)] = true;
        }
    }
    return touched;
}

// When the GLB words a queued job loads into were last read by the job before it.
Cycle Scheduler::handoff_free(std::uint64_t word, std::uint64_t words) const {
    Cycle free = 0;
    auto it = std::lower_bound(handoff_.begin(), handoff_.end(), word,
                               [](const GlbRelease& r, std::uint64_t w) { return r.word + r.words <= w; });
    for (; it != handoff_.end() && it->word < word + words; ++it)
        if (it->word + it->words > word) free = std::max(free, it->free_at);
    return free;
}



void Scheduler::op_failed(const TileOp& op) const {
    throw TransportError(std::string(name()) + ": op " + std::string(op_name(op.op)) + " failed: " +
                         op_gp_.get_response_string());
}

Cycle Scheduler::issue(TileOp& op, Cycle ready, float* out) {
    const ArrayKind array = array_of_[index_of(op.op)];
    ready = std::max(ready, op_floor_);
    op.arrival = ready;
    op_carried_.carry(op);
    const bool returns_data = out != nullptr && job_.functional;
    // Most ops return nothing: their payload's command and data fields stay as the last such op
    // left them.
    if (returns_data || op_returned_data_) {
        op_returned_data_ = returns_data;
        op_gp_.set_command(returns_data ? tlm::TLM_READ_COMMAND : tlm::TLM_IGNORE_COMMAND);
        op_gp_.set_address(0);
        op_gp_.set_data_ptr(returns_data ? reinterpret_cast<unsigned char*>(out) : nullptr);
        const OpExtent& x = op.extent;
        const unsigned len =
            returns_data ? static_cast<unsigned>(4 * size_of(op_spec(op.op).output, x.rows, x.cols, x.e, x.f)) : 0;
        op_gp_.set_data_length(len);
        op_gp_.set_streaming_width(len);
    }
    op_gp_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);

    sc_core::sc_time delay = clock_.delay_until(ready);
    auto& socket = array == ArrayKind::Pe2d ? sched2pe2d : sched2pe1d;
    socket->b_transport(op_gp_, delay);
    ++stats_.transactions;
    if (!op_gp_.is_response_ok()) op_failed(op);
    const Cycle done = op.done;

    ++stats_.ops_issued[index_of(array)];
    stats_.busy_cycles[index_of(array)] += op.end - op.start;
    if (!compute_started_) {
        compute_started_ = true;
        stats_.compute_start = op.start;
    }
    step_first_start_ = std::min(step_first_start_, op.start);
    stats_.compute_end = std::max(stats_.compute_end, op.end);
    array_end_[index_of(array)] = op.end;
    arrays_used_[index_of(array)] = true;
    end_all_ = std::max(end_all_, done);
    return done;
}

Cycle Scheduler::transfer(DmaTransfer& x, Cycle ready, float* data) {
    if (!handoff_.empty() && !x.store && x.side == GlbSide::Buffer)
        ready = std::max(ready, handoff_free(x.glb_word, x.elements()));
    if (dependent_[index_of(x.tensor)]) ready = std::max(ready, dependent_until_);
    x.arrival = ready;
    x.lookback = !handoff_.empty() && !x.store;
    dma_carried_.carry(x);
    const bool carries_values = x.store && x.functional;
    dma_gp_.set_command(carries_values ? tlm::TLM_WRITE_COMMAND : tlm::TLM_IGNORE_COMMAND);
    dma_gp_.set_address(x.mem_addr);
    dma_gp_.set_data_ptr(carries_values ? reinterpret_cast<unsigned char*>(data) : nullptr);
    const unsigned len = carries_values ? static_cast<unsigned>(x.elements() * 4) : 0;
    dma_gp_.set_data_length(len);
    dma_gp_.set_streaming_width(len);
    dma_gp_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);

    sc_core::sc_time delay = clock_.delay_until(ready);
    sched2dram->b_transport(dma_gp_, delay);
    ++stats_.transactions;
    if (!dma_gp_.is_response_ok())
        throw TransportError(std::string(name()) + ": DRAM " + (x.store ? "write" : "read") + " of " +
                             tensor_name(x.tensor) + " (b=" + std::to_string(x.at.b) + ", h=" + std::to_string(x.at.h) +
                             ", " + std::to_string(x.rows) + " rows) at " + hex(x.mem_addr) +
                             " failed: " + dma_gp_.get_response_string());
    (x.store ? stats_.dram_stores : stats_.dram_loads)++;
    dram_end_ = x.floor;
    end_all_ = std::max(end_all_, x.done);
    return x.done;
}

Cycle Scheduler::horizon(unsigned mask) const {
    Cycle h = ~Cycle{0};
    if (mask & kUsesPe2d) h = std::min(h, array_end_[0]);
    if (mask & kUsesPe1d) h = std::min(h, array_end_[1]);
    if (mask & kUsesDram) h = std::min(h, dram_end_);
    return h;
}

void Scheduler::step_done() {
    if (step_first_start_ != ~Cycle{0}) step_started(step_first_start_, stats_.tile_steps);
    step_first_start_ = ~Cycle{0};
    ++stats_.tile_steps;
    if (abort_requested_) throw JobAborted{};
    // Nothing issued later can start before every resource has finished what it already has; stay
    // one cycle short of that, so changes announced for the horizon itself are announced in time.
    // An array the job has not used yet would hold that at the job's start: it does not count.
    const Cycle h = horizon(kUsesDram | (arrays_used_[0] ? kUsesPe2d : 0u) | (arrays_used_[1] ? kUsesPe1d : 0u));
    const Cycle now = clock_.now();
    if (h <= now + 1) return;
    quantum_.set(clock_.at(h - 1 - now));
    if (quantum_.need_sync()) {
        wait_until(h - 1);
        quantum_.reset();
    }
}

Cycle Scheduler::flush() {
    for (const auto& [module, uses] : controls_) end_all_ = std::max(end_all_, module->drain());
    return end_all_;
}

std::vector<Cycle> Scheduler::probe(Cycle horizon) {
    std::vector<Cycle> state;
    for (const auto& [module, uses] : controls_) module->probe(horizon, state);
    // What the job before a queued one left: fixed times, so they must lie behind the horizon
    // before a stretch can be periodic.
    auto rel = [horizon](Cycle t) { return std::max(t, horizon) - horizon; };
    state.push_back(rel(op_floor_));
    state.push_back(rel(dependent_until_));
    for (const GlbRelease& r : handoff_) state.push_back(rel(r.free_at));
    return state;
}

std::vector<Cycle*> Scheduler::own_times(unsigned mask) {
    std::vector<Cycle*> out{&end_all_, &stats_.compute_end};
    if (mask & kUsesPe2d) out.push_back(&array_end_[0]);
    if (mask & kUsesPe1d) out.push_back(&array_end_[1]);
    if (mask & kUsesDram) out.push_back(&dram_end_);
    return out;
}

void Scheduler::mark(std::uint32_t slot) {
    stat_group_.mark(slot);
    for (const auto& [module, uses] : controls_) module->mark(slot);
}

// A module outside `mask` gets a zero shift: it was idle, so its counters repeat nothing and it
// stays put.
void Scheduler::jump(std::uint32_t slot, std::uint64_t periods, Cycle shift, unsigned mask) {
    for (const auto& [module, uses] : controls_) module->fast_forward(slot, periods, (mask & uses) ? shift : 0);
    const std::uint64_t steps_before = stats_.tile_steps;
    stat_group_.fast_forward(slot, periods, 0);
    ++stats_.fast_forwards;
    stats_.fast_forwarded_steps += stats_.tile_steps - steps_before;
    for (Cycle* t : own_times(mask)) *t += periods * shift;
}

void Scheduler::write_stats(nlohmann::json& out) const { stat_group_.write_json(out); }

}  // namespace fusemax
