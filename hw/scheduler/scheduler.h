#pragma once
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include <array>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/dma.h"
#include "common/job.h"
#include "common/stats_source.h"
#include "common/tile_op.h"
#include "config/arch_config.h"
#include "tiling/tiling.h"

namespace fusemax {

struct SchedulerStats {
    std::uint64_t jobs = 0;
    std::uint64_t tile_steps = 0;
    std::array<std::uint64_t, kArrayCount> ops_issued{};
    std::uint64_t dram_loads = 0, dram_stores = 0;
    Cycle job_start = 0, job_end = 0;          // last job: start and completion of its last transfer
    Cycle compute_start = 0, compute_end = 0;  // last job: first tile op start, last tile op end
    Cycle first_qk_start = 0;
};

// Walks the tiled loop nest (b, h, p2, m1, p1) of a job, moves Q blocks and K/V tiles from DRAM
// into the GLB ahead of use, and issues each tile step's ops to the array the configuration binds
// them to, in the configured order. Every op is issued at the time its inputs are ready; each array
// runs its ops in order and reports when it finished, so overlap between the arrays (FuseMax's
// interleaving) comes out of the op order and the arrays' timing. It never waits per op: time is
// annotated (loosely timed), and a quantum keeper lets the rest of the platform catch up.
class Scheduler : public sc_core::sc_module, public StatsSource {
public:
    tlm_utils::simple_initiator_socket<Scheduler> sched2pe2d;
    tlm_utils::simple_initiator_socket<Scheduler> sched2pe1d;
    tlm_utils::simple_initiator_socket<Scheduler> sched2dram;

    Scheduler(const sc_core::sc_module_name& name, const ArchConfig& arch);
    ~Scheduler() override;
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    // Checks the job against the architecture (tiling, GLB capacity, op costs) and starts it at the
    // current time. Throws ConfigError naming what does not fit.
    void start(const Job& job);
    bool busy() const { return busy_; }
    const sc_core::sc_event& done_event() const { return done_; }
    // Empty unless the last job stopped on an error response.
    const std::string& error() const { return error_; }

    const Tiling& tiling() const { return tiling_; }
    const GlbPlan& glb_plan() const { return plan_; }
    const SchedulerStats& stats() const { return stats_; }
    void write_stats(nlohmann::json& out) const override;

    void set_quantum(const sc_core::sc_time& q) { quantum_.set_global_quantum(q); }

private:
    const ArchConfig& arch_;
    Clock clock_;
    Job job_;
    Tiling tiling_;
    GlbPlan plan_;
    bool busy_ = false;
    std::string error_;
    sc_core::sc_event start_, done_;
    tlm_utils::tlm_quantumkeeper quantum_;
    SchedulerStats stats_;

    std::array<bool, kOpCount> forward_{};  // result crosses to the other array
    std::array<bool, kOpCount> overlaps_next_{};

    tlm::tlm_generic_payload op_gp_, dma_gp_;
    TileOp* op_ext_;
    DmaTransfer* dma_ext_;
    std::vector<float> o_tile_;

    // When things become ready or free during a job (cycles). Slots are double buffers.
    struct Timeline {
        Cycle t0 = 0;
        std::array<Cycle, 2> q_ready{}, q_last_use{};
        std::array<Cycle, 2> k_ready{}, k_last_use{}, v_ready{}, v_last_use{};
        std::vector<Cycle> rm_ready, rd_ready, rnv_ready;  // running state of each query tile of the block
        std::vector<Cycle> state_free;                      // AV has read the previous block's state
        Cycle barrier = 0;                                  // without interleaving: previous step drained
        Cycle end_all = 0;                                  // completion of everything issued
        std::array<Cycle, kArrayCount> array_end{};         // end of the last op issued to each array
        Cycle dram_end = 0;                                 // end of the last transfer's channel time
        bool compute_started = false;
    };
    Timeline tl_;

    void run();
    void run_job();
    void tile_step(std::uint64_t blk, std::uint64_t m1, std::uint64_t p1);
    Cycle issue(const OpBinding& b, Cycle ready, float* out);
    Cycle load(Tensor t, std::uint64_t blk, std::uint64_t m1, Cycle ready);
    Cycle store_o(std::uint64_t blk, std::uint64_t p1, Cycle ready);
    Cycle dma(Tensor t, const TensorLayout& l, std::uint64_t b, std::uint64_t h, std::uint64_t row0,
              std::uint32_t rows, std::uint32_t row_elems, std::uint64_t glb_word, float* data, Cycle ready);
    void advance_horizon();
    TileCoord coord(std::uint64_t blk, std::uint64_t m1, std::uint64_t p1) const;
};

}  // namespace fusemax
