#pragma once
#include <systemc>
#include <tlm>

#include <memory>

#include "fusemax/observe/trace_options.h"
#include "fusemax/protocol/job.h"
#include "fusemax/config/arch_config.h"
#include "fusemax/csr/control_registers.h"
#include "fusemax/dram/dram_controller.h"
#include "fusemax/glb/global_buffer.h"
#include "fusemax/pe/pe_array.h"
#include "fusemax/scheduler/scheduler.h"

namespace fusemax {

// Options of an IP instance that are not the architecture.
struct IpOptions {
    sc_core::sc_time quantum = sc_core::SC_ZERO_TIME;  // temporal-decoupling quantum; zero: 100,000 cycles
    bool fast_forward = true;                          // timing-only jobs may jump over periodic stretches
    TraceOptions trace;                                // waveform signals and activity slices (off)
    DatapathFault fault = DatapathFault::None;         // test hook: a deliberately broken datapath
};

// The FuseMax accelerator as IP: register block, scheduler, 2D and 1D PE arrays, global buffer
// and DRAM controller, bound to each other only through TLM-2.0 sockets. A CPU programs it through
// `csr` (register map: csr/fusemax_regs.h) and is interrupted on `irq`; Q, K, V and O live in the
// platform's memory, reached through `mem`. Clock and everything else come from the constructor;
// the configuration is copied in and outlives every child.
class FuseMax : public sc_core::sc_module {
public:
    // Memory-mapped registers; a testbench that starts jobs through start() may leave it unbound.
    tlm::tlm_target_socket<32, tlm::tlm_base_protocol_types, 1, sc_core::SC_ZERO_OR_MORE_BOUND> csr;
    tlm::tlm_initiator_socket<> mem;  // Q, K, V in and O out, in the platform's memory
    sc_core::sc_out<bool> irq;        // IRQ_STATUS & IRQ_ENABLE

    FuseMax(const sc_core::sc_module_name& name, const ArchConfig& arch, const IpOptions& options = {});
    FuseMax(const FuseMax&) = delete;
    FuseMax& operator=(const FuseMax&) = delete;

    const ArchConfig& arch() const { return arch_; }
    Scheduler& scheduler() { return *scheduler_; }
    const Scheduler& scheduler() const { return *scheduler_; }
    const PeArray& pe2d() const { return *pe2d_; }
    const PeArray& pe1d() const { return *pe1d_; }
    const GlobalBuffer& glb() const { return *glb_; }
    const DramController& dram() const { return *dram_; }
    const ControlRegisters& registers() const { return *registers_; }
    // Adds the IP's waveforms to `tf` (needs IpOptions::trace.signals): each array's busy and current
    // op, the tile step, GLB occupancy, DRAM bytes in flight, and irq.
    void trace(sc_core::sc_trace_file* tf) const override;

    // Testbench backdoor: starts a job without going through the registers (throws ConfigError if
    // it cannot run on this architecture). STATUS and the interrupt report its end as usual.
    void start(const Job& job) { scheduler_->start(job); }
    // ...or queues it behind the running one (see Scheduler::enqueue).
    void enqueue(const Job& job) { scheduler_->enqueue(job); }

private:
    const ArchConfig arch_;
    std::unique_ptr<ControlRegisters> registers_;
    std::unique_ptr<Scheduler> scheduler_;
    std::unique_ptr<PeArray> pe2d_;
    std::unique_ptr<PeArray> pe1d_;
    std::unique_ptr<GlobalBuffer> glb_;
    std::unique_ptr<DramController> dram_;
};

}  // namespace fusemax
