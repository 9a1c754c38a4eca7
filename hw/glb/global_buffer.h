#pragma once
#include <systemc>
#include <tlm>

#include <array>
#include <cstdint>
#include <vector>

#include "fusemax/observe/occupancy.h"
#include "fusemax/observe/stat_group.h"
#include "fusemax/observe/timing_control.h"
#include "fusemax/observe/stats_source.h"
#include "fusemax/config/arch_config.h"
#include "fusemax/protocol/target_port.h"

namespace fusemax {

struct GlobalBufferStats {
    std::uint64_t row_reads = 0;
    std::uint64_t row_writes = 0;
    std::uint64_t words_read = 0;
    std::uint64_t words_written = 0;
    // Rows touched per bank (row r lives in bank r % banks), kept in two parts that make an access
    // cost a few adds whatever its length: every bank saw `every_bank_rows` (from accesses that
    // swept all banks), and an access's leftover rows, fewer than the banks and so a run of
    // consecutive banks (wrapping at most once), add one at the run's first bank and take one
    // after its last in `bank_row_edges` (banks + 1 entries, modulo 2^64), whose running sum is
    // the rest. GlobalBuffer::bank_rows() adds them up when reported.
    std::vector<std::uint64_t> bank_row_edges;
    std::uint64_t every_bank_rows = 0;
    std::uint64_t transactions = 0;

    template <class V>
    static void fields(V&& v) {
        using S = GlobalBufferStats;
        v("row_reads", &S::row_reads);
        v("row_writes", &S::row_writes);
        v("words_read", &S::words_read);
        v("words_written", &S::words_written);
        v("bank_row_edges", &S::bank_row_edges);
        v("every_bank_rows", &S::every_bank_rows);
        v("transactions", &S::transactions);
    }
};

// The banked on-chip SRAM. Word-addressed (one hardware word per 4-byte fp32 slot of the TLM
// address space); energy is per 256-word row, so every access counts the rows it touches.
// Accesses are assumed hidden behind compute (the reference's per-op costs include operand
// delivery), so the GLB adds no delay.
class GlobalBuffer : public sc_core::sc_module, public StatsSource, public TimingControl, public OccupancyObserver {
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    unsigned int transport_dbg(tlm::tlm_generic_payload& gp);
    using Port = TargetPort<GlobalBuffer, &GlobalBuffer::b_transport, &GlobalBuffer::transport_dbg>;

public:
    Port pe2d2glb;
    Port pe1d2glb;
    Port dram2glb;

    GlobalBuffer(const sc_core::sc_module_name& name, const GlbConfig& config, std::uint32_t word_bytes);
    GlobalBuffer(const GlobalBuffer&) = delete;
    GlobalBuffer& operator=(const GlobalBuffer&) = delete;

    std::uint64_t capacity_words() const { return capacity_words_; }
    const GlobalBufferStats& stats() const { return stats_.value(); }
    // Rows touched per bank, all accesses counted.
    std::vector<std::uint64_t> bank_rows() const;
    // Occupancy is only recorded (GlobalBufferRecordable); the plain buffer ignores it.
    void occupancy(Cycle, std::int64_t) override {}
    void job_ended(Cycle) override {}
    void mark(std::uint32_t slot) override { stats_.mark(slot); }
    void fast_forward(std::uint32_t slot, std::uint64_t periods, Cycle shift) override {
        stats_.fast_forward(slot, periods, shift);
    }
    void write_stats(nlohmann::json& out) const override;

private:
    GlbConfig config_;
    std::uint64_t capacity_words_;
    // Rows and banks are powers of two in every shipped design: shifts and masks then replace
    // the divides on each access (0: not a power of two, divide).
    unsigned row_shift_ = 0, bank_shift_ = 0, bank_mask_ = 0;
    bool row_pow2_ = false, bank_pow2_ = false;
    std::vector<float> storage_;  // allocated on the first access that carries values
    StatGroup<GlobalBufferStats> stats_;

    // Inlined into b_transport, which runs on every operand access.
    [[gnu::always_inline]] inline tlm::tlm_response_status check(const tlm::tlm_generic_payload& gp) const;
    [[gnu::always_inline]] inline void count_rows(std::uint64_t first_word, std::uint64_t words, bool write);
    // Out of line: timing mode's accesses, which move no values, then need no registers for it.
    [[gnu::noinline]] void move_values(unsigned char* data, std::uint64_t word, std::uint64_t words, bool write);
};

}  // namespace fusemax
