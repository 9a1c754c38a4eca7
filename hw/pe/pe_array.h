#pragma once
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <array>
#include <string>

#include "fusemax/clock/clock.h"
#include "fusemax/observe/stat_group.h"
#include "fusemax/observe/timing_control.h"
#include "fusemax/observe/stats_source.h"
#include "fusemax/program/tile_registers.h"
#include "fusemax/protocol/tile_op.h"
#include "fusemax/protocol/target_port.h"
#include "fusemax/protocol/word_port.h"
#include <memory>
#include "fusemax/config/arch_config.h"

namespace fusemax {

struct OpStats {
    std::uint64_t count = 0;
    std::uint64_t cycles = 0;

    template <class V>
    static void fields(V&& v) {
        v("count", &OpStats::count);
        v("cycles", &OpStats::cycles);
    }
};

struct PeArrayStats {
    std::uint64_t busy_cycles = 0;
    // Busy cycles weighted by the units an op keeps busy (2D: valid keys x queries of the tile;
    // 1D: valid queries, one lane each): a ragged or one-query tile busies the array but few units.
    std::uint64_t unit_cycles = 0;
    std::uint64_t op_count = 0;
    std::array<OpStats, kOpCount> ops{};
    ActionCounts actions;
    std::uint64_t forwards = 0;      // register transfers to the other array
    std::uint64_t transactions = 0;  // TLM transactions this module received
    Cycle first_start = 0, last_end = 0;
    StageTable stages{};

    template <class V>
    static void fields(V&& v) {
        using S = PeArrayStats;
        v("busy_cycles", &S::busy_cycles);
        v("unit_cycles", &S::unit_cycles);
        v("op_count", &S::op_count);
        v("first_start_cycle", &S::first_start, StatKind::Fixed);
        v("last_end_cycle", &S::last_end, StatKind::Time);
        v("stages", &S::stages, stage_name);
        v("", &S::actions);
        v("forwards", &S::forwards);
        v("transactions", &S::transactions);
        v("ops", &S::ops, [](std::size_t i) { return std::string(op_name(static_cast<Op>(i))); });
    }
};

// A PE array, 2D (rows x cols PEs: columns over query positions P0, rows over key positions M0) or
// 1D (one lane per query column): an in-order op queue that charges each op the cycles the
// configuration binds to it, fetches operands from the GLB, and forwards results to the other
// array. Which ops an array runs is configuration; what an op computes is the datapath's. The
// sockets are named after the hardware's paths (pe2d: sched2pe2d, pe1d2pe2d, pe2d2glb, pe2d2pe1d).
class PeArray : public sc_core::sc_module, public StatsSource, public TimingControl {
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    void link_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);

public:
    TargetPort<PeArray, &PeArray::b_transport> cmd_in;         // tile ops from the scheduler
    TargetPort<PeArray, &PeArray::link_b_transport> link_in;   // register forwards from the other array
    tlm_utils::simple_initiator_socket<PeArray> glb_out;   // operand reads, state writes
    tlm_utils::simple_initiator_socket<PeArray> link_out;  // register forwards to the other array

    PeArray(const sc_core::sc_module_name& name, ArrayKind kind, const ArchConfig& arch);
    PeArray(const PeArray&) = delete;
    PeArray& operator=(const PeArray&) = delete;

    ArrayKind array_kind() const { return kind_; }
    const PeArrayStats& stats() const {
        fold_all();
        return stats_.value();
    }
    void write_stats(nlohmann::json& out) const override;
    // {"QK": {"count": ..., "cycles": ...}, ...} for the ops this array ran.
    nlohmann::json op_table() const;
    void mark(std::uint32_t slot) override {
        fold_all();
        stats_.mark(slot);
    }
    // The array's only timing state is where its queue ends, which the scheduler tracks itself.
    void fast_forward(std::uint32_t slot, std::uint64_t periods, Cycle shift) override;
    // Test hook: breaks the datapath on purpose (see DatapathFault).
    void inject(DatapathFault fault) { registers_.fault = fault; }

protected:
    // Called after each op with when the array was busy with it (recording wraps the array here).
    virtual void executed(const TileOp& /*op*/, Cycle /*start*/, Cycle /*end*/) {}
    bool records_ = false;  // set by a recording wrapper: executed() is called only then
    const Clock& clock() const { return clock_; }

private:
    // What an op instance costs, worked out once per op for the extent it last had (tiles repeat
    // their extent): cycles, actions, busy units and the words of each GLB operand.
    struct OpCost {
        OpExtent extent{};
        bool valid = false;
        const OpSpec* spec = nullptr;
        Cycle cycles = 0;
        Cycle latency = 0;
        std::uint64_t units = 0;
        ActionCounts actions;
        std::array<std::uint64_t, kOperandCount> operand_words{};
        // Ops run at this cost since its counts were last folded into the statistics, by stage:
        // one add per op instead of a dozen (see fold).
        std::array<std::uint64_t, kStageCount> pending{};
    };

    ArrayKind kind_;
    const ArchConfig& arch_;
    Clock clock_;
    ExpActions exp_;
    TileRegisters registers_;
    WordPort glb_;
    WordPort link_;
    Forward forward_ext_;
    Cycle busy_until_ = 0;
    std::array<const OpBinding*, kOpCount> binding_{};
    // Mutable: reading the statistics folds the pending counts in first (logically const).
    mutable std::array<OpCost, kOpCount> costs_{};
    [[gnu::always_inline]] inline OpCost& cost(const TileOp& op);
    [[gnu::noinline]] OpCost& costed(const TileOp& op);  // a miss: kept out of the hit's frame
    mutable StatGroup<PeArrayStats> stats_;
    void fold(OpCost& c) const;
    void fold_all() const;

    // An op, in functional mode (values move) or timing mode.
    template <bool Functional>
    [[gnu::always_inline]] inline void execute(tlm::tlm_generic_payload& gp, TileOp& op, sc_core::sc_time& delay);
    // Inlined into execute: called four times per op, their calls cost more than their loops.
    template <bool Functional>
    [[gnu::always_inline]] inline void glb_operands(const TileOp& op, const OpCost& c, const std::vector<Operand>& operands,
                                                    bool write, Cycle at, Cycle now);
    template <bool Functional>
    [[gnu::always_inline]] inline void listed_glb_accesses(const TileOp& op, bool writes, Cycle at, Cycle now);
    void forward_results(const TileOp& op, Cycle at, Cycle now);
};

}  // namespace fusemax
