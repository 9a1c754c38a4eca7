#include "platform/example_platform.h"

#include <cstring>

#include "fusemax/csr/fusemax_regs.h"

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

namespace {

tlm::tlm_response_status write64(CpuDriver& cpu, std::uint64_t at, std::uint64_t v) {
    if (auto s = cpu.write(at, v & 0xFFFFFFFFu); s != tlm::TLM_OK_RESPONSE) return s;
    return cpu.write(at + 4, v >> 32);
}

// Attention with Q, K, V, O of their natural shapes goes through the shorthand registers.
bool attention_shorthand(const Job& job) {
    if (job.program != "attention" || job.tensors.size() != 4) return false;
    for (const auto& [t, shape] : expected_tensors(job))
        if (job.tensor(t).shape != shape) return false;
    return true;
}

}  // namespace

tlm::tlm_response_status program_job(CpuDriver& cpu, std::uint64_t base, const Job& job) {
    using namespace regs;
    const Workload& w = job.shape;
    float scale = static_cast<float>(w.scale);
    std::uint32_t scale_bits;
    std::memcpy(&scale_bits, &scale, 4);
    const bool shorthand = attention_shorthand(job);
    const GemmShape& g = job.gemm;
    const std::pair<std::uint32_t, std::uint64_t> values[] = {
        {BATCH, w.batch},       {HEADS, w.heads},          {SEQ_Q, w.seq_q},
        {SEQ_KV, w.seq_kv},     {HEAD_DIM, w.head_dim},    {V_DIM, w.v_dim},
        {SCALE, scale_bits},    {ELEM_TYPE, job.elem == ElemType::F16 ? 1u : 0u},
        {MODE, job.functional ? 0u : MODE_TIMING_ONLY},
        {PROGRAM, job.program == "gemm" ? PROGRAM_GEMM : PROGRAM_ATTENTION},
        {TENSORS, shorthand ? 0 : job.tensors.size()},
        {PARAM0, job.program == "gemm" ? g.m : (w.causal ? 1u : 0u)},
        {PARAM0 + 4, job.program == "gemm" ? g.k : w.window},
        {PARAM0 + 8, job.program == "gemm" ? g.n : w.kv_heads}, {PARAM0 + 12, g.m0 | (g.order == GemmOrder::WTiles ? GEMM_W_TILES_OUTER : 0u)}, {PARAM0 + 16, g.n0},
        {PARAM0 + 20, g.block_rows}};
    for (const auto& [off, v] : values)
        if (auto s = cpu.write(base + off, v); s != tlm::TLM_OK_RESPONSE) return s;
    if (shorthand) {
        const TensorLayout* layouts[] = {&job.layout(Tensor::Q), &job.layout(Tensor::K), &job.layout(Tensor::V),
                                         &job.layout(Tensor::O)};
        for (std::uint32_t t = 0; t < 4; ++t) {
            const std::uint64_t fields[] = {layouts[t]->base, layouts[t]->batch_stride, layouts[t]->head_stride,
                                            layouts[t]->row_stride};
            for (std::uint32_t i = 0; i < 4; ++i)
                if (auto s = write64(cpu, base + tensor(t, i * 8), fields[i]); s != tlm::TLM_OK_RESPONSE) return s;
        }
        return tlm::TLM_OK_RESPONSE;
    }
    for (std::uint32_t i = 0; i < job.tensors.size() && i < DESC_COUNT; ++i) {
        const TensorDesc& d = job.tensors[i];
        const std::pair<std::uint32_t, std::uint64_t> fields[] = {
            {D_TENSOR, index_of(d.tensor)}, {D_DIM, d.shape[0]}, {D_DIM + 4, d.shape[1]},
            {D_DIM + 8, d.shape[2]},        {D_DIM + 12, d.shape[3]}};
        for (const auto& [off, v] : fields)
            if (auto s = cpu.write(base + descriptor(i, off), v); s != tlm::TLM_OK_RESPONSE) return s;
        const std::pair<std::uint32_t, std::uint64_t> wide[] = {{D_ADDR, d.layout.base},
                                                                {D_BATCH_STRIDE, d.layout.batch_stride},
                                                                {D_HEAD_STRIDE, d.layout.head_stride},
                                                                {D_ROW_STRIDE, d.layout.row_stride}};
        for (const auto& [off, v] : wide)
            if (auto s = write64(cpu, base + descriptor(i, off), v); s != tlm::TLM_OK_RESPONSE) return s;
    }
    return tlm::TLM_OK_RESPONSE;
}

std::uint64_t read_reg64(CpuDriver& cpu, std::uint64_t base, std::uint32_t lo) {
    std::uint64_t l = 0, h = 0;
    cpu.read(base + lo, l);
    cpu.read(base + lo + 4, h);
    return l | (h << 32);
}

namespace {

JobOutcome read_outcome(CpuDriver& cpu, std::uint64_t base) {
    using namespace regs;
    JobOutcome r;
    r.interrupted = true;
    cpu.read(base + STATUS, r.status);
    r.cycles = read_reg64(cpu, base, CYCLES_LO);
    r.pe2d_busy = read_reg64(cpu, base, PE2D_BUSY_LO);
    r.pe1d_busy = read_reg64(cpu, base, PE1D_BUSY_LO);
    r.tile_steps = read_reg64(cpu, base, TILE_STEPS_LO);
    cpu.write(base + IRQ_STATUS, IRQ_DONE | IRQ_ERROR);
    return r;
}

}  // namespace

JobOutcome run_job(CpuDriver& cpu, std::uint64_t base, const Job& job, const sc_core::sc_time& timeout) {
    return run_jobs(cpu, base, {job}, timeout).front();
}

std::vector<JobOutcome> run_jobs(CpuDriver& cpu, std::uint64_t base, const std::vector<Job>& jobs,
                                 const sc_core::sc_time& timeout) {
    using namespace regs;
    std::vector<JobOutcome> out;
    cpu.write(base + IRQ_ENABLE, IRQ_DONE | IRQ_ERROR);
    std::size_t next = 0;
    auto submit = [&](std::uint32_t how) {
        program_job(cpu, base, jobs[next]);
        cpu.write(base + CONTROL, how);
        ++next;
    };
    if (!jobs.empty()) submit(CONTROL_START);
    if (next < jobs.size()) submit(CONTROL_ENQUEUE);
    // The next interrupt: one already pending (a second job may end as the first is read), else
    // the next rise of the line.
    auto next_interrupt = [&] {
        if (out.empty()) return cpu.wait_irq(timeout);
        std::uint64_t pending = 0;
        cpu.read(base + IRQ_STATUS, pending);
        return (pending & (IRQ_DONE | IRQ_ERROR)) != 0 || cpu.wait_irq_rise(timeout);
    };
    while (out.size() < jobs.size()) {
        if (!next_interrupt()) {
            JobOutcome r;
            cpu.read(base + STATUS, r.status);
            out.push_back(r);
            break;
        }
        out.push_back(read_outcome(cpu, base));
        const std::uint64_t status = out.back().status;
        if (status & STATUS_ERROR_MASK) break;  // a queued job behind a failed one does not run
        if (next < jobs.size()) submit((status & STATUS_BUSY) ? CONTROL_ENQUEUE : CONTROL_START);
    }
    return out;
}

}  // namespace fusemax
