#include "top/fusemax.h"

namespace fusemax {

FuseMax::FuseMax(const sc_core::sc_module_name& name, const ArchConfig& arch, const IpOptions& options)
    : sc_core::sc_module(name),
      csr("csr"),
      mem("mem"),
      irq("irq"),
      arch_(arch),
      registers_(std::make_unique<ControlRegisters>("registers")),
      scheduler_(std::make_unique<Scheduler>("scheduler", arch_, options.trace)),
      pe2d_(std::make_unique<PeArray>("pe2d", ArrayKind::Pe2d, arch_, options.trace)),
      pe1d_(std::make_unique<PeArray>("pe1d", ArrayKind::Pe1d, arch_, options.trace)),
      glb_(std::make_unique<GlobalBuffer>("glb", arch_.glb, arch_.word_bytes)),
      dram_(std::make_unique<DramController>("dram", arch_, options.trace)) {
    csr.bind(registers_->csr);
    registers_->irq.bind(irq);
    registers_->csr2sched.bind(scheduler_->csr2sched);
    scheduler_->sched2csr.bind(registers_->sched2csr);
    if (options.quantum != sc_core::SC_ZERO_TIME) scheduler_->set_quantum(options.quantum);
    // A traced run records every step: fast-forward would leave the jumped stretches empty.
    scheduler_->set_fast_forward(options.fast_forward && !options.trace.any());
    scheduler_->sched2pe2d.bind(pe2d_->cmd_in);
    scheduler_->sched2pe1d.bind(pe1d_->cmd_in);
    scheduler_->sched2dram.bind(dram_->sched2dram);
    pe2d_->glb_out.bind(glb_->pe2d2glb);
    pe1d_->glb_out.bind(glb_->pe1d2glb);
    pe2d_->link_out.bind(pe1d_->link_in);
    pe1d_->link_out.bind(pe2d_->link_in);
    dram_->dram2glb.bind(glb_->dram2glb);
    dram_->dram2mem.bind(mem);
    scheduler_->attach(*pe2d_, kUsesPe2d);
    scheduler_->attach(*pe1d_, kUsesPe1d);
    scheduler_->attach(*dram_, kUsesDram);
    scheduler_->attach(*glb_, kUsesDram);
    pe2d_->inject(options.fault);
    pe1d_->inject(options.fault);
}

void FuseMax::trace(sc_core::sc_trace_file* tf) const {
    pe2d_->trace(tf);
    pe1d_->trace(tf);
    scheduler_->trace(tf);
    dram_->trace(tf);
    sc_core::sc_trace(tf, irq, std::string(name()) + ".irq");
}

}  // namespace fusemax
