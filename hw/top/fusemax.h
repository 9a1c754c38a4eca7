#pragma once
#include <systemc>
#include <tlm>

#include <memory>

#include "common/job.h"
#include "config/arch_config.h"
#include "dram/dram_controller.h"
#include "glb/global_buffer.h"
#include "pe1d/pe_array_1d.h"
#include "pe2d/pe_array_2d.h"
#include "scheduler/scheduler.h"

namespace fusemax {

// The FuseMax accelerator: scheduler, 2D and 1D PE arrays, global buffer and DRAM controller,
// bound to each other only through TLM-2.0 sockets. The platform's memory is reached through
// `mem`. The configuration is copied in and outlives every child.
class FuseMax : public sc_core::sc_module {
public:
    tlm::tlm_initiator_socket<> mem;  // Q, K, V in and O out, in the platform's memory

    FuseMax(const sc_core::sc_module_name& name, const ArchConfig& arch);
    FuseMax(const FuseMax&) = delete;
    FuseMax& operator=(const FuseMax&) = delete;

    const ArchConfig& arch() const { return arch_; }
    Scheduler& scheduler() { return *scheduler_; }
    const Scheduler& scheduler() const { return *scheduler_; }
    const PeArray2D& pe2d() const { return *pe2d_; }
    const PeArray1D& pe1d() const { return *pe1d_; }
    const GlobalBuffer& glb() const { return *glb_; }
    const DramController& dram() const { return *dram_; }

    // Starts a job (throws ConfigError if it cannot run on this architecture).
    void start(const Job& job) { scheduler_->start(job); }

private:
    const ArchConfig arch_;
    std::unique_ptr<Scheduler> scheduler_;
    std::unique_ptr<PeArray2D> pe2d_;
    std::unique_ptr<PeArray1D> pe1d_;
    std::unique_ptr<GlobalBuffer> glb_;
    std::unique_ptr<DramController> dram_;
};

}  // namespace fusemax
