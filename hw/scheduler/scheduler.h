#pragma once
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include <array>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "fusemax/clock/clock.h"
#include "fusemax/observe/stat_group.h"
#include "fusemax/observe/timing_control.h"
#include "fusemax/protocol/dma.h"
#include "fusemax/protocol/job.h"
#include "fusemax/protocol/job_command.h"
#include "fusemax/observe/stats_source.h"
#include "fusemax/protocol/carried.h"
#include "fusemax/protocol/target_port.h"
#include "fusemax/protocol/tile_op.h"
#include "fusemax/observe/occupancy.h"
#include <memory>
#include "fusemax/config/arch_config.h"
#include "fusemax/scheduler/program_context.h"
#include "fusemax/tiling/gemm_plan.h"
#include "fusemax/tiling/tiling.h"

namespace fusemax {

struct SchedulerStats {
    std::uint64_t jobs = 0;
    std::uint64_t tile_steps = 0;
    std::uint64_t skipped_tile_steps = 0;  // masked attention: tiles no query of which sees a key
    std::array<std::uint64_t, kArrayCount> ops_issued{};
    std::array<std::uint64_t, kArrayCount> busy_cycles{};  // of the ops this scheduler issued
    std::uint64_t dram_loads = 0, dram_stores = 0;
    std::uint64_t transactions = 0;           // TLM transactions this module initiated
    std::uint64_t fast_forwards = 0;          // jumps taken
    std::uint64_t fast_forwarded_steps = 0;   // tile steps accounted by jumps rather than simulated
    Cycle job_start = 0, job_end = 0;          // last job: start and completion of its last transfer
    Cycle compute_start = 0, compute_end = 0;  // last job: first tile op start, last tile op end
    // Last job, when its kernels run one after another: the cycle each began (set before any loop
    // a fast-forward repeats).
    std::array<std::uint64_t, kStageCount> kernel_start{};

    template <class V>
    static void fields(V&& v) {
        using S = SchedulerStats;
        v("jobs", &S::jobs, StatKind::Fixed);
        v("tile_steps", &S::tile_steps);
        v("skipped_tile_steps", &S::skipped_tile_steps);
        v("", &S::ops_issued, [](std::size_t a) { return "ops_issued_" + std::string(array_name(ArrayKind(a))); });
        v("", &S::busy_cycles, [](std::size_t a) { return "busy_cycles_" + std::string(array_name(ArrayKind(a))); });
        v("dram_loads", &S::dram_loads);
        v("dram_stores", &S::dram_stores);
        v("transactions", &S::transactions);
        v("fast_forwards", &S::fast_forwards, StatKind::Fixed);
        v("fast_forwarded_tile_steps", &S::fast_forwarded_steps, StatKind::Fixed);
        v("job_start_cycle", &S::job_start, StatKind::Fixed);
        v("job_end_cycle", &S::job_end, StatKind::Fixed);
        v("compute_start_cycle", &S::compute_start, StatKind::Fixed);
        v("compute_end_cycle", &S::compute_end, StatKind::Fixed);
        v("kernel_start_cycles", &S::kernel_start, stage_name, true);  // the scheduler moves it with its own times
    }
};

// One job as the scheduler ran it: from when it became the running job (its START, or for a queued
// job the end of the job before it) to the completion of its last transfer; its ops' busy time and
// tile steps.
struct JobRecord {
    std::string program;
    Cycle start = 0, end = 0;
    Cycle compute_start = 0, compute_end = 0;
    std::uint64_t tile_steps = 0;
    std::array<std::uint64_t, kArrayCount> busy_cycles{};
};

// Runs a job's program (the loop nest of the configured design: the 1-pass cascade, Unfused's
// three kernels or FLAT's fused dataflow). The program issues each tile op, as a generic payload
// with a TileOp extension, to the array the configuration binds it to, at the cycle its inputs are
// ready, and each DRAM transfer as soon as its buffer is free. Each array runs its ops in order
// and reports when it finished, so overlap between the arrays (FuseMax's interleaving) comes out
// of the op order and the arrays' timing. It never waits per op: time is annotated (loosely
// timed), and a quantum keeper lets the rest of the platform catch up.
class Scheduler : public sc_core::sc_module, public StatsSource, private ProgramContext {
    void command(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);

public:
    tlm_utils::simple_initiator_socket<Scheduler> sched2pe2d;
    tlm_utils::simple_initiator_socket<Scheduler> sched2pe1d;
    tlm_utils::simple_initiator_socket<Scheduler> sched2dram;
    TargetPort<Scheduler, &Scheduler::command> csr2sched;       // job start / abort
    tlm_utils::simple_initiator_socket<Scheduler> sched2csr;     // job reports

    Scheduler(const sc_core::sc_module_name& name, const ArchConfig& arch);
    ~Scheduler() override;
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    // Checks the job against the architecture (tiling, GLB capacity, op costs, mode) and starts it
    // at the current time. Throws ConfigError naming what does not fit.
    void start(const Job& job);
    // Queues a job behind the running one (starts it if none runs): it starts issuing as soon as the
    // jobs before it have issued their last op. Its loads may then begin while the job before it
    // drains, into GLB space that job no longer reads; transfers of its tensors that overlap memory
    // that job writes wait for it to complete, and its ops wait for that job's last op. (The
    // register block lets one job wait.)
    void enqueue(const Job& job);
    bool busy() const { return busy_; }
    std::size_t queued() const { return queue_.size(); }
    // Called when a job has issued everything (its record is final then; the modules' counters hold
    // its counts and none of a later job's).
    void on_job_issued(std::function<void(const JobRecord&)> hook) { job_issued_ = std::move(hook); }
    // Empty unless the last job stopped on an error response.
    const std::string& error() const { return error_; }

    // The last job started, and how it was mapped (attention: tiling and GLB plan; GEMM: its plan).
    const Job& last_job() const { return job_; }
    // Throws ConfigError, as START would, when `job` cannot run on this architecture (checked
    // without starting it: what a host does before committing work to the job).
    void check(const Job& job) const { prepare(job); }
    JobRecord last_record() const { return record(); }
    const Tiling& tiling() const { return tiling_; }
    const GlbPlan& glb_plan() const { return plan_; }
    const GemmPlan& gemm_plan() const { return gemm_plan_; }
    const SchedulerStats& stats() const { return stats_; }
    // Puts a module under the scheduler's timing controls (fast-forward, probe, drain); `uses` is the
    // resource it belongs to (kUsesPe2d, kUsesPe1d or kUsesDram).
    void attach(TimingControl& module, unsigned uses) { controls_.emplace_back(&module, uses); }
    // The buffer programs report slot lifetimes to (the GLB), for its occupancy.
    void observe_glb(OccupancyObserver& glb) { glb_ = &glb; }
    void write_stats(nlohmann::json& out) const override;

    void set_quantum(const sc_core::sc_time& q) { quantum_.set_global_quantum(q); }
    // Fast-forward of periodic schedules (timing mode only; on by default).
    void set_fast_forward(bool on) { fast_forward_ = on; }

protected:
    // Called once per tile step with the cycle its first op started (recording wraps here).
    virtual void step_started(Cycle /*at*/, std::uint64_t /*step*/) {}
    const Clock& clock() const { return clock_; }

private:
    // A job checked against the architecture, with how it will be mapped.
    struct Prepared {
        Job job;
        std::string program;
        Tiling tiling;
        GlbPlan plan;
        GemmPlan gemm_plan;
        Cycle queued_at = 0;
    };
    struct PendingReport {
        JobRecord record;
        JobError error = JobError::None;
        std::string message;
        bool next_running = false;
    };

    const ArchConfig& arch_;
    Clock clock_;
    Job job_;
    std::string program_;  // of the job running
    Tiling tiling_;
    GlbPlan plan_;
    GemmPlan gemm_plan_;
    std::deque<Prepared> queue_;
    std::uint64_t jobs_started_ = 0;
    // Left by the job before a queued one: when its GLB buffers were last read, and its last op end
    // (the queued job's ops wait for it).
    std::vector<GlbRelease> handoff_, last_releases_;
    Cycle op_floor_ = 0;
    std::array<bool, kTensorCount> dependent_{};  // tensors that overlap its outputs...
    Cycle dependent_until_ = 0;                   // ...and when it completed
    std::function<void(const JobRecord&)> job_issued_;
    std::deque<PendingReport> reports_;  // delivered in order, each at its job's end
    sc_core::sc_event report_added_;
    sc_core::sc_event enqueued_;
    bool busy_ = false;
    bool abort_requested_ = false;
    bool fast_forward_ = true;
    std::string error_;
    sc_core::sc_event start_;
    sc_core::sc_event abort_;  // SOFT_RESET while busy: wakes the thread from any wait
    tlm_utils::tlm_quantumkeeper quantum_;
    StatGroup<SchedulerStats> stat_group_;
    SchedulerStats& stats_ = stat_group_.value();
    std::vector<std::pair<TimingControl*, unsigned>> controls_;
    std::array<ArrayKind, kOpCount> array_of_{};  // where each op is bound, looked up once

    // Out of line: building the message would otherwise cost every op its registers.
    [[noreturn, gnu::noinline, gnu::cold]] void op_failed(const TileOp& op) const;
    tlm::tlm_generic_payload op_gp_, dma_gp_, report_gp_;
    bool op_returned_data_ = true;  // the op payload's fields are not yet those of an op returning nothing
    Carried<TileOp> op_carried_;
    Carried<DmaTransfer> dma_carried_;
    struct CarriedRestore {
        Carried<TileOp>& op;
        Carried<DmaTransfer>& dma;
        ~CarriedRestore() {
            op.restore();
            dma.restore();
        }
    };

    Cycle step_first_start_ = ~Cycle{0};
    OccupancyObserver* glb_ = nullptr;

    // Where each resource's queue ends, and when everything issued completes (cycles).
    Cycle t0_ = 0;
    std::array<Cycle, kArrayCount> array_end_{};
    std::array<bool, kArrayCount> arrays_used_{};  // by the running job
    Cycle dram_end_ = 0;
    Cycle end_all_ = 0;
    bool compute_started_ = false;

    Prepared prepare(const Job& job) const;
    void begin(Prepared p);
    void run();
    void issue_job(Cycle start, Cycle t0);
    JobRecord record() const;
    std::array<bool, kTensorCount> outputs_touched_by(const Job& next, const Job& running) const;
    Cycle handoff_free(std::uint64_t word, std::uint64_t words) const;
    void deliver_reports();
    Cycle validate_costs(std::uint64_t e, std::uint64_t f, Op of) const;
    void check_time_bound(std::optional<std::uint64_t> op_cycles, const char* what) const;
    void wait_until(Cycle c);
    void report(const PendingReport& r);

    // ProgramContext
    const ArchConfig& arch() const override { return arch_; }
    const Job& job() const override { return job_; }
    Cycle job_start() const override { return t0_; }
    std::uint64_t job_number() const override { return jobs_started_ - 1; }
    Cycle issue(TileOp& op, Cycle ready, float* out) override;
    Cycle transfer(DmaTransfer& x, Cycle ready, float* data) override;
    void step_done() override;
    void steps_skipped(std::uint64_t n) override { stats_.skipped_tile_steps += n; }
    void kernel_started(Stage s, Cycle at) override { stats_.kernel_start[static_cast<std::size_t>(s)] = at; }
    Cycle flush() override;
    void glb_occupancy(Cycle at, std::int64_t delta) override;
    bool fast_forward_enabled() const override { return fast_forward_ && !job_.functional; }
    Cycle horizon(unsigned mask) const override;
    std::vector<Cycle*> own_times(unsigned mask) override;
    std::vector<Cycle> probe(Cycle horizon) override;
    void mark(std::uint32_t slot) override;
    void jump(std::uint32_t slot, std::uint64_t periods, Cycle shift, unsigned mask) override;
};

}  // namespace fusemax
