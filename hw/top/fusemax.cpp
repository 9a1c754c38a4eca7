#include "fusemax/top/fusemax.h"

#include "fusemax/dram/dram_controller_recordable.h"
#include "fusemax/glb/global_buffer_recordable.h"
#include "fusemax/pe/pe_array_recordable.h"
#include "fusemax/scheduler/scheduler_recordable.h"

namespace fusemax {
namespace {

// A module, or its recording wrapper when anything is traced.
template <class Module, class Recordable, class... Args>
std::unique_ptr<Module> recorded(const TraceOptions& trace, const char* name, Args&&... args) {
    if (trace.any()) return std::make_unique<Recordable>(name, std::forward<Args>(args)..., trace);
    return std::make_unique<Module>(name, std::forward<Args>(args)...);
}

}  // namespace

FuseMax::FuseMax(const sc_core::sc_module_name& name, const ArchConfig& arch, const IpOptions& options)
    : sc_core::sc_module(name),
      csr("csr"),
      mem("mem"),
      irq("irq"),
      arch_(arch),
      registers_(std::make_unique<ControlRegisters>("registers")),
      scheduler_(recorded<Scheduler, SchedulerRecordable>(options.trace, "scheduler", arch_)),
      pe2d_(recorded<PeArray, PeArrayRecordable>(options.trace, "pe2d", ArrayKind::Pe2d, arch_)),
      pe1d_(recorded<PeArray, PeArrayRecordable>(options.trace, "pe1d", ArrayKind::Pe1d, arch_)),
      glb_(options.trace.any() ? std::make_unique<GlobalBufferRecordable>("glb", arch_, options.trace)
                               : std::make_unique<GlobalBuffer>("glb", arch_.glb, arch_.word_bytes)),
      dram_(recorded<DramController, DramControllerRecordable>(options.trace, "dram", arch_)) {
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
    scheduler_->observe_glb(*glb_);
    pe2d_->inject(options.fault);
    pe1d_->inject(options.fault);
}

void FuseMax::trace(sc_core::sc_trace_file* tf) const {
    pe2d_->trace(tf);
    pe1d_->trace(tf);
    scheduler_->trace(tf);
    glb_->trace(tf);
    dram_->trace(tf);
    sc_core::sc_trace(tf, irq, std::string(name()) + ".irq");
}

}  // namespace fusemax
