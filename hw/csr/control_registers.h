#pragma once
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <array>
#include <cstdint>
#include <string>

#include "fusemax/protocol/job_command.h"
#include "fusemax/observe/stat_group.h"
#include "fusemax/observe/stats_source.h"
#include "fusemax/csr/fusemax_regs.h"
#include "fusemax/protocol/target_port.h"

namespace fusemax {

struct ControlRegistersStats {
    std::uint64_t reads = 0, writes = 0, debug_accesses = 0;
    std::uint64_t error_responses = 0;
    std::uint64_t starts = 0, refused_starts = 0, jobs_done = 0;

    template <class V>
    static void fields(V&& v) {
        using S = ControlRegistersStats;
        v("reads", &S::reads);
        v("writes", &S::writes);
        v("debug_accesses", &S::debug_accesses);
        v("error_responses", &S::error_responses);
        v("starts", &S::starts);
        v("refused_starts", &S::refused_starts);
        v("jobs_done", &S::jobs_done);
    }
};

// The memory-mapped register file of the IP (map: csr/fusemax_regs.h) and its interrupt. A write of
// CONTROL.START turns the job registers into a Job and submits it to the scheduler over csr2sched;
// the scheduler's report on sched2csr sets STATUS and IRQ_STATUS and raises `irq` if enabled.
// Accesses must be 4 bytes at a 4-byte-aligned known offset, without byte enables or streaming;
// otherwise the access is answered with an address, burst, byte-enable or command error and
// changes nothing. Debug transport reads any register and writes the writable ones, without side
// effects (a poke of CONTROL starts nothing).
class ControlRegisters : public sc_core::sc_module, public StatsSource {
    void report(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);

public:
    tlm_utils::simple_target_socket_optional<ControlRegisters> csr;  // from the platform's bus
    tlm_utils::simple_initiator_socket<ControlRegisters> csr2sched;
    TargetPort<ControlRegisters, &ControlRegisters::report> sched2csr;
    sc_core::sc_out<bool> irq;

    explicit ControlRegisters(const sc_core::sc_module_name& name);
    ControlRegisters(const ControlRegisters&) = delete;
    ControlRegisters& operator=(const ControlRegisters&) = delete;

    // Why the last start was refused or the last job failed (empty if it did not).
    const std::string& last_error() const { return last_error_; }
    const ControlRegistersStats& stats() const { return stats_; }
    void write_stats(nlohmann::json& out) const override;

private:
    std::array<std::uint32_t, regs::REG_END / 4> reg_{};
    std::string last_error_;
    sc_core::sc_event irq_changed_;
    StatGroup<ControlRegistersStats> stat_group_;
    ControlRegistersStats& stats_ = stat_group_.value();
    tlm::tlm_generic_payload command_gp_;
    JobCommand* command_;

    void reset_registers();
    std::uint32_t& at(std::uint32_t offset) { return reg_[offset / 4]; }
    std::uint32_t get(std::uint32_t offset) const { return reg_[offset / 4]; }
    std::uint64_t get64(std::uint32_t lo) const { return get(lo) | (std::uint64_t{get(lo + 4)} << 32); }
    void set64(std::uint32_t lo, std::uint64_t v);
    static bool known(std::uint32_t offset);
    static bool writable(std::uint32_t offset);

    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    unsigned int transport_dbg(tlm::tlm_generic_payload& gp);
    void write_register(std::uint32_t offset, std::uint32_t value);
    void control(std::uint32_t value);
    void start(bool enqueue);
    void set_error(regs::Error e, const std::string& why);
    Job job_from_registers() const;
    void attention_params(Workload& w) const;  // PARAM0-2: mask and K/V heads
    void drive_irq();
};

}  // namespace fusemax
