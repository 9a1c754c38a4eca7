// The job queue (CONTROL.ENQUEUE): order of reports and interrupts, what the registers say, the
// overlap it buys, and what happens to a queued job when the one before fails or is reset.
#include <gtest/gtest.h>

#include "fusemax/config/layer.h"
#include "fusemax/csr/fusemax_regs.h"
#include "fusemax/numerics/attention.h"
#include "fusemax/numerics/gemm.h"
#include "platform/example_platform.h"
#include "platform/job_platform.h"
#include "sim_helpers.h"

namespace fusemax {
namespace {

using namespace regs;
constexpr std::uint64_t kCsr = ExamplePlatform::kCsrBase;
const sc_core::sc_time kTimeout(1, sc_core::SC_SEC);

GemmShape dims(std::uint64_t m, std::uint64_t k, std::uint64_t n) {
    GemmShape g;
    g.m = m, g.k = k, g.n = n;
    return g;
}

// Two GEMMs apart in memory (timing mode): 0 at address 0, 1 after it.
std::vector<Job> two_gemms() {
    const Job a = Job::packed_gemm(dims(8192, 768, 768), ElemType::F16, 0, false);
    const Job b = Job::packed_gemm(dims(8192, 768, 3072), ElemType::F16, (a.packed_end() + 4095) / 4096 * 4096, false);
    return {a, b};
}

std::uint64_t read64(CpuDriver& cpu, std::uint32_t lo) {
    std::uint64_t l = 0, h = 0;
    cpu.read(kCsr + lo, l);
    cpu.read(kCsr + lo + 4, h);
    return l | (h << 32);
}

// At an interrupt: reads STATUS, clears the interrupt and waits up to `wait` for another.
bool status_then_next(CpuDriver& cpu, std::uint64_t& status, const sc_core::sc_time& wait) {
    cpu.read(kCsr + STATUS, status);
    cpu.write(kCsr + IRQ_STATUS, IRQ_DONE | IRQ_ERROR);
    return cpu.wait_irq_rise(wait);
}

TEST(Queue, TwoJobsReportInOrderAndOverlap) {
    const std::vector<Job> jobs = two_gemms();
    std::uint64_t queued_status = 0, first_status = 0, second_status = 0, first_cycles = 0, second_cycles = 0;
    sc_core::sc_time first_at, second_at;
    ExamplePlatform p(test::fusemax_arch(), jobs[1].packed_end(), [&](CpuDriver& cpu) {
        cpu.write(kCsr + IRQ_ENABLE, IRQ_DONE | IRQ_ERROR);
        program_job(cpu, kCsr, jobs[0]);
        cpu.write(kCsr + CONTROL, CONTROL_START);
        program_job(cpu, kCsr, jobs[1]);
        cpu.write(kCsr + CONTROL, CONTROL_ENQUEUE);
        cpu.read(kCsr + STATUS, queued_status);
        ASSERT_TRUE(cpu.wait_irq(kTimeout));
        first_at = cpu.now();
        cpu.read(kCsr + STATUS, first_status);
        first_cycles = read64(cpu, CYCLES_LO);
        cpu.write(kCsr + IRQ_STATUS, IRQ_DONE);
        ASSERT_TRUE(cpu.wait_irq_rise(kTimeout));
        second_at = cpu.now();
        cpu.read(kCsr + STATUS, second_status);
        second_cycles = read64(cpu, CYCLES_LO);
    });
    sc_core::sc_start();
    EXPECT_EQ(queued_status, STATUS_BUSY | STATUS_QUEUED);
    EXPECT_EQ(first_status, STATUS_DONE | STATUS_BUSY);  // the second runs now
    EXPECT_EQ(second_status, STATUS_DONE);
    EXPECT_GT(second_at, first_at);
    // Compute-bound GEMMs: the first pays for loading its first tiles, the second loads them while
    // the first drains and takes its MACs' time within 0.1% (alone it would take 1% more).
    const double first_macs = double(8192) * 768 * 768 / 65536, second_macs = double(8192) * 768 * 3072 / 65536;
    EXPECT_GT(double(first_cycles), first_macs);
    EXPECT_LT(test::rel_diff(double(second_cycles), second_macs), 1e-3) << second_cycles;
    EXPECT_EQ(p.ip().scheduler().stats().jobs, 2u);
}

TEST(Queue, OneJobWaitsAtMost) {
    const std::vector<Job> jobs = two_gemms();
    std::uint64_t status = 0;
    int interrupts = 0;
    ExamplePlatform p(test::fusemax_arch(), jobs[1].packed_end(), [&](CpuDriver& cpu) {
        cpu.write(kCsr + IRQ_ENABLE, IRQ_DONE);
        program_job(cpu, kCsr, jobs[0]);
        cpu.write(kCsr + CONTROL, CONTROL_ENQUEUE);  // idle: ENQUEUE starts it
        program_job(cpu, kCsr, jobs[1]);
        cpu.write(kCsr + CONTROL, CONTROL_ENQUEUE);
        cpu.write(kCsr + CONTROL, CONTROL_ENQUEUE);  // a second one does not fit
        cpu.read(kCsr + STATUS, status);
        while (interrupts < 2 && cpu.wait_irq(kTimeout)) {
            ++interrupts;
            cpu.write(kCsr + IRQ_STATUS, IRQ_DONE | IRQ_ERROR);
            cpu.wait_for(sc_core::sc_time(1, sc_core::SC_NS));
        }
    });
    sc_core::sc_start();
    EXPECT_EQ((status & STATUS_ERROR_MASK) >> STATUS_ERROR_SHIFT, std::uint32_t(Error::StartWhileBusy));
    EXPECT_EQ(p.ip().registers().last_error(), "ENQUEUE while a job is already queued");
    EXPECT_EQ(p.ip().scheduler().stats().jobs, 2u);  // both ran
}

// A job queued behind one that fails does not run; the failure is what the registers report. The
// first job reads past the end of platform memory after eight m-tiles; a 1 us quantum lets the CPU
// queue the second before the scheduler gets there.
TEST(Queue, AFailedJobDropsTheOneQueuedBehindIt) {
    Job bad = Job::packed_gemm(dims(4096, 256, 256), ElemType::F32, 0, true);
    bad.layout(Tensor::X).base = 14ull << 20;  // rows from 16 MiB on are beyond the memory
    const Job good = Job::packed_gemm(dims(512, 256, 256), ElemType::F32, 9ull << 20, true);
    IpOptions ip;
    ip.quantum = sc_core::sc_time(1, sc_core::SC_US);
    std::uint64_t queued = 0, status = 0;
    bool second_irq = true;
    ExamplePlatform p(
        test::fusemax_arch(), 16ull << 20,
        [&](CpuDriver& cpu) {
            cpu.write(kCsr + IRQ_ENABLE, IRQ_DONE | IRQ_ERROR);
            program_job(cpu, kCsr, bad);
            cpu.write(kCsr + CONTROL, CONTROL_START);
            program_job(cpu, kCsr, good);
            cpu.write(kCsr + CONTROL, CONTROL_ENQUEUE);
            cpu.read(kCsr + STATUS, queued);
            ASSERT_TRUE(cpu.wait_irq(kTimeout));
            second_irq = status_then_next(cpu, status, sc_core::sc_time(1, sc_core::SC_MS));
        },
        ip);
    sc_core::sc_start();
    EXPECT_EQ(queued, STATUS_BUSY | STATUS_QUEUED);
    EXPECT_EQ((status & STATUS_ERROR_MASK) >> STATUS_ERROR_SHIFT, std::uint32_t(Error::MemoryError));
    EXPECT_EQ(status & (STATUS_BUSY | STATUS_QUEUED), 0u);
    EXPECT_NE(p.ip().registers().last_error().find("DRAM read of X"), std::string::npos)
        << p.ip().registers().last_error();
    EXPECT_FALSE(second_irq);
    EXPECT_EQ(p.ip().scheduler().stats().jobs, 1u);
}

// SOFT_RESET while a job waits behind a long one (simulated tile by tile: the scheduler is still
// issuing it): the running job reports its abort, the queued one never runs.
TEST(Queue, SoftResetClearsTheQueue) {
    IpOptions ip;
    ip.fast_forward = false;
    const Job first = Job::packed_gemm(dims(65536, 768, 3072), ElemType::F16, 0, false);
    const Job second = Job::packed_gemm(dims(8192, 768, 768), ElemType::F16, first.packed_end(), false);
    std::uint64_t queued = 0, status = 1;
    bool irq_after = true;
    ExamplePlatform p(
        test::fusemax_arch(), second.packed_end(),
        [&](CpuDriver& cpu) {
            program_job(cpu, kCsr, first);
            cpu.write(kCsr + CONTROL, CONTROL_START);
            program_job(cpu, kCsr, second);
            cpu.write(kCsr + CONTROL, CONTROL_ENQUEUE);
            cpu.wait_for(sc_core::sc_time(100, sc_core::SC_US));
            cpu.read(kCsr + STATUS, queued);
            cpu.write(kCsr + CONTROL, CONTROL_SOFT_RESET);
            cpu.write(kCsr + IRQ_ENABLE, IRQ_DONE | IRQ_ERROR);
            EXPECT_TRUE(cpu.wait_irq(sc_core::sc_time(10, sc_core::SC_MS)));
            irq_after = status_then_next(cpu, status, sc_core::sc_time(10, sc_core::SC_MS));
        },
        ip);
    sc_core::sc_start();
    EXPECT_EQ(queued, STATUS_BUSY | STATUS_QUEUED);
    EXPECT_EQ(status, STATUS_DONE | (static_cast<std::uint32_t>(Error::Aborted) << STATUS_ERROR_SHIFT));
    EXPECT_FALSE(irq_after);  // nothing more
    EXPECT_FALSE(p.ip().scheduler().busy());
    EXPECT_EQ(p.ip().scheduler().queued(), 0u);
    EXPECT_EQ(p.ip().scheduler().stats().jobs, 1u);  // the aborted one; the queued one never ran
}

// FFN1 then FFN2 on its output, queued: FFN2's loads of A wait for FFN1 to complete (its W loads do
// not), and Z2 = (A W1) W2 as the memory holds it.
TEST(Queue, AQueuedJobReadingTheOutputBeforeItWaitsForIt) {
    const ArchConfig a = test::fusemax_arch();
    Job ffn1 = Job::packed_gemm(dims(600, 300, 512), ElemType::F32, 0, true);
    Job ffn2 = Job::packed_gemm(dims(600, 512, 300), ElemType::F32, 16 << 20, true);
    ffn2.layout(Tensor::X) = ffn1.layout(Tensor::Z);
    ffn2.tensor(Tensor::X).shape = ffn1.tensor(Tensor::Z).shape;
    JobPlatform platform(a, ffn1, true, ffn2.packed_end());
    const GemmInputs in1 = random_gemm_inputs(ffn1.gemm, 4);
    Tensor4 w2({1, 1, 512, 300});
    fill_uniform(w2, 9, -1, 1);
    platform.load_inputs(in1);
    store_tensor(platform.memory(), ffn2.layout(Tensor::W), w2, ElemType::F32);
    std::vector<JobRecord> records;
    platform.top().scheduler().on_job_issued([&](const JobRecord& r) { records.push_back(r); });
    platform.top().start(ffn1);
    platform.top().enqueue(ffn2);
    sc_core::sc_start();
    ASSERT_EQ(records.size(), 2u);
    EXPECT_GE(records[1].compute_start, records[0].end);
    const Tensor4 z1 = load_tensor(platform.memory(), ffn1.layout(Tensor::Z), {1, 1, 600, 512}, ElemType::F32);
    const Tensor4 z2 = load_tensor(platform.memory(), ffn2.layout(Tensor::Z), {1, 1, 600, 300}, ElemType::F32);
    EXPECT_LT(compare(z2, gemm_reference_fp64(z1, w2)).max_rel_error, 1e-5);
    EXPECT_LT(compare(z1, gemm_reference_fp64(in1.a, in1.w)).max_rel_error, 1e-5);
}

}  // namespace
}  // namespace fusemax
