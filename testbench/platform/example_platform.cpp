#include "platform/example_platform.h"

#include <cstring>

#include "csr/fusemax_regs.h"

namespace fusemax {

ExamplePlatform::ExamplePlatform(const ArchConfig& arch, std::uint64_t memory_bytes, CpuDriver::Program program,
                                 const IpOptions& options)
    : memory_(std::make_unique<Memory>("memory", memory_bytes)),
      bus_(std::make_unique<Bus>("bus")),
      ip_(std::make_unique<FuseMax>("fusemax", arch, options)),
      cpu_(std::make_unique<CpuDriver>("cpu", std::move(program))) {
    cpu_->bus.bind(bus_->targ);
    ip_->mem.bind(bus_->targ);
    bus_->init.bind(memory_->socket);  // port 0
    bus_->init.bind(ip_->csr);         // port 1
    bus_->map(0, kMemoryBase, memory_bytes);
    bus_->map(1, kCsrBase, kCsrSize);
    ip_->irq.bind(irq_);
    cpu_->irq.bind(irq_);
}

tlm::tlm_response_status program_job(CpuDriver& cpu, std::uint64_t base, const Job& job) {
    using namespace regs;
    const Workload& w = job.shape;
    float scale = static_cast<float>(w.scale);
    std::uint32_t scale_bits;
    std::memcpy(&scale_bits, &scale, 4);
    const std::pair<std::uint32_t, std::uint64_t> values[] = {
        {BATCH, w.batch},       {HEADS, w.heads},          {SEQ_Q, w.seq_q},
        {SEQ_KV, w.seq_kv},     {HEAD_DIM, w.head_dim},    {V_DIM, w.v_dim},
        {SCALE, scale_bits},    {ELEM_TYPE, job.elem == ElemType::F16 ? 1u : 0u},
        {MODE, job.functional ? 0u : MODE_TIMING_ONLY}};
    for (const auto& [off, v] : values)
        if (auto s = cpu.write(base + off, v); s != tlm::TLM_OK_RESPONSE) return s;
    const TensorLayout* layouts[] = {&job.layout(Tensor::Q), &job.layout(Tensor::K), &job.layout(Tensor::V), &job.layout(Tensor::O)};
    for (std::uint32_t t = 0; t < 4; ++t) {
        const std::uint64_t fields[] = {layouts[t]->base, layouts[t]->batch_stride, layouts[t]->head_stride,
                                        layouts[t]->row_stride};
        for (std::uint32_t i = 0; i < 4; ++i)
            for (std::uint32_t half = 0; half < 2; ++half)
                if (auto s = cpu.write(base + tensor(t, i * 8) + half * 4, (fields[i] >> (32 * half)) & 0xFFFFFFFFu);
                    s != tlm::TLM_OK_RESPONSE)
                    return s;
    }
    return tlm::TLM_OK_RESPONSE;
}

std::uint64_t read_reg64(CpuDriver& cpu, std::uint64_t base, std::uint32_t lo) {
    std::uint64_t l = 0, h = 0;
    cpu.read(base + lo, l);
    cpu.read(base + lo + 4, h);
    return l | (h << 32);
}

JobOutcome run_job(CpuDriver& cpu, std::uint64_t base, const Job& job, const sc_core::sc_time& timeout) {
    using namespace regs;
    JobOutcome r;
    program_job(cpu, base, job);
    cpu.write(base + IRQ_ENABLE, IRQ_DONE | IRQ_ERROR);
    cpu.write(base + CONTROL, CONTROL_START);
    r.interrupted = cpu.wait_irq(timeout);
    cpu.read(base + STATUS, r.status);
    r.cycles = read_reg64(cpu, base, CYCLES_LO);
    r.pe2d_busy = read_reg64(cpu, base, PE2D_BUSY_LO);
    r.pe1d_busy = read_reg64(cpu, base, PE1D_BUSY_LO);
    r.tile_steps = read_reg64(cpu, base, TILE_STEPS_LO);
    cpu.write(base + IRQ_STATUS, IRQ_DONE | IRQ_ERROR);
    return r;
}

}  // namespace fusemax
