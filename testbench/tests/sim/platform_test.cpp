// The IP in a virtual platform: a CPU-like driver, a bus and a separate memory, wired only through
// sockets and the interrupt.
#include <gtest/gtest.h>

#include <cstring>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "fusemax/csr/fusemax_regs.h"
#include "fusemax/numerics/attention.h"
#include "platform/job_platform.h"
#include "platform/example_platform.h"
#include "sim_helpers.h"

namespace fusemax {
namespace {

using namespace regs;
constexpr std::uint64_t kCsr = ExamplePlatform::kCsrBase;

TEST(Platform, CpuRunsAJobThroughRegistersAndInterrupt) {
    const Workload w = test::shape(2, 2, 300, 520, 64, 48);
    const Job job = Job::packed(w, ElemType::F32, 0, true);
    const AttentionInputs in = random_inputs(w, 12);
    Tensor4 out({w.batch, w.heads, w.seq_q, w.v_dim});
    std::uint64_t irq_after_clear = 1;
    JobOutcome r;
    ExamplePlatform p(test::fusemax_arch(), job.packed_end(), [&](CpuDriver& cpu) {
        cpu.write_block(job.layout(Tensor::Q).base, in.q.data.data(), in.q.size() * 4);
        cpu.write_block(job.layout(Tensor::K).base, in.k.data.data(), in.k.size() * 4);
        cpu.write_block(job.layout(Tensor::V).base, in.v.data.data(), in.v.size() * 4);
        r = run_job(cpu, kCsr, job, sc_core::sc_time(10, sc_core::SC_MS));
        cpu.wait_for(sc_core::sc_time(10, sc_core::SC_NS));
        irq_after_clear = p.irq().read();
        cpu.read_block(job.layout(Tensor::O).base, out.data.data(), out.size() * 4);
    });
    sc_core::sc_start();
    EXPECT_TRUE(r.interrupted);
    EXPECT_EQ(r.status, STATUS_DONE);
    EXPECT_EQ(irq_after_clear, 0u);
    EXPECT_LT(compare(out, attention_reference_fp64(in.q, in.k, in.v, 1.0)).max_rel_error, 1e-5);
    // The counters the registers report are the modules' own.
    const RunSummary s = summarize(p.ip());
    EXPECT_EQ(r.cycles, s.cycles);
    EXPECT_EQ(r.pe2d_busy, p.ip().pe2d().stats().busy_cycles);
    EXPECT_EQ(r.pe1d_busy, p.ip().pe1d().stats().busy_cycles);
    EXPECT_EQ(r.tile_steps, s.tile_steps);
    // The DRAM controller read and wrote the platform memory through DMI (the memory grants it).
    EXPECT_GT(p.ip().dram().stats().dmi_accesses, 0u);
    EXPECT_EQ(p.ip().dram().stats().bus_accesses, 0u);
}

TEST(Platform, ByteEnablesAndStreamingAreRefused) {
    tlm::tlm_response_status be = tlm::TLM_OK_RESPONSE, stream = tlm::TLM_OK_RESPONSE;
    std::uint64_t batch = 0;
    ExamplePlatform p(test::fusemax_arch(), 1 << 20, [&](CpuDriver& cpu) {
        auto access = [&](unsigned char* enables, unsigned width) {
            std::uint32_t value = 77;
            tlm::tlm_generic_payload gp;
            gp.set_command(tlm::TLM_WRITE_COMMAND);
            gp.set_address(kCsr + BATCH);
            gp.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
            gp.set_data_length(4);
            gp.set_streaming_width(width);
            gp.set_byte_enable_ptr(enables);
            gp.set_byte_enable_length(enables ? 4 : 0);
            sc_core::sc_time t = sc_core::SC_ZERO_TIME;
            cpu.bus->b_transport(gp, t);
            return gp.get_response_status();
        };
        unsigned char enables[4] = {0xff, 0xff, 0, 0};
        be = access(enables, 4);
        stream = access(nullptr, 2);
        cpu.read(kCsr + BATCH, batch);
    });
    sc_core::sc_start();
    EXPECT_EQ(be, tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    EXPECT_EQ(stream, tlm::TLM_BURST_ERROR_RESPONSE);
    EXPECT_EQ(batch, 1u);  // unchanged
    EXPECT_EQ(p.ip().registers().stats().error_responses, 2u);
}

TEST(Platform, DebugTransportOnRegistersAndMemory) {
    std::uint32_t id = 0, control = 0;
    std::uint64_t status = 0, heads = 0, dbg_bytes = 0;
    float word = 0;
    ExamplePlatform p(test::fusemax_arch(), 1 << 20, [&](CpuDriver& cpu) {
        cpu.debug_read(kCsr + ID, &id, 4);
        const std::uint32_t start = CONTROL_START, five = 5;
        cpu.debug_write(kCsr + CONTROL, &start, 4);  // a poke: no side effect, nothing starts
        cpu.debug_write(kCsr + HEADS, &five, 4);
        cpu.debug_read(kCsr + CONTROL, &control, 4);
        cpu.read(kCsr + STATUS, status);
        cpu.read(kCsr + HEADS, heads);
        const float pi = 3.25f;
        dbg_bytes = cpu.debug_write(0x100, &pi, 4);  // the memory path
        cpu.debug_read(0x100, &word, 4);
    });
    sc_core::sc_start();
    EXPECT_EQ(id, kIdValue);
    EXPECT_EQ(status, 0u);
    EXPECT_EQ(heads, 5u);
    EXPECT_EQ(control, CONTROL_START);
    EXPECT_EQ(p.ip().registers().stats().starts, 0u);
    EXPECT_EQ(dbg_bytes, 4u);
    EXPECT_EQ(word, 3.25f);
}

// Found by fuzzing the register file: START and SOFT_RESET in the same instant, before the job has
// begun, of a job that fails after booking a transfer far ahead (K outside the memory, behind a Q
// load with a 10^9-cycle DRAM latency). The job's error path then waited a second of simulated time
// for the booked transfer, deaf to the abort whose event had passed. It must end at once, aborted.
TEST(Platform, SoftResetRightAfterStartEndsTheJobAtOnce) {
    ArchConfig a = test::fusemax_arch();
    a.dram.latency_cycles = 1000000000;
    Job job = Job::packed(test::shape(1, 1, 256, 256, 64, 64), ElemType::F32, 0, true);
    job.layout(Tensor::K).base = 1ull << 40;  // outside the memory: the first K load fails
    std::uint64_t status = 0;
    ExamplePlatform p(a, 1 << 20, [&](CpuDriver& cpu) {
        program_job(cpu, kCsr, job);
        auto write_now = [&cpu](std::uint32_t offset, std::uint32_t value) {  // no synchronisation
            tlm::tlm_generic_payload gp;
            gp.set_command(tlm::TLM_WRITE_COMMAND);
            gp.set_address(kCsr + offset);
            gp.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
            gp.set_data_length(4);
            gp.set_streaming_width(4);
            sc_core::sc_time t = sc_core::SC_ZERO_TIME;
            cpu.bus->b_transport(gp, t);
        };
        write_now(CONTROL, CONTROL_START);
        write_now(CONTROL, CONTROL_SOFT_RESET);  // also clears IRQ_ENABLE: software polls
        cpu.wait_for(sc_core::sc_time(10, sc_core::SC_US));
        cpu.read(kCsr + STATUS, status);
    });
    sc_core::sc_start(sc_core::sc_time(100, sc_core::SC_US));
    EXPECT_EQ(status, STATUS_DONE | (static_cast<std::uint32_t>(Error::Aborted) << STATUS_ERROR_SHIFT));
    EXPECT_FALSE(p.ip().scheduler().busy());
    EXPECT_EQ(p.ip().scheduler().error(), "aborted by SOFT_RESET");
}

// A memory that refuses DMI: the DRAM controller falls back to ordinary transactions.
TEST(Platform, WithoutDmiTheControllerUsesTransactions) {
    const Workload w = test::shape(1, 1, 256, 256, 32, 32);
    const Job job = Job::packed(w, ElemType::F32, 0, true);
    Memory mem("mem", job.packed_end());
    FuseMax ip("fusemax", test::fusemax_arch());
    sc_core::sc_signal<bool> irq("irq");
    // Between the IP and the memory, an interconnect that forwards transactions but refuses DMI.
    struct Refuser : sc_core::sc_module {
        tlm_utils::simple_target_socket<Refuser> in;
        tlm_utils::simple_initiator_socket<Refuser> out;
        explicit Refuser(const sc_core::sc_module_name& n) : sc_core::sc_module(n), in("in"), out("out") {
            in.register_b_transport(this, &Refuser::b_transport);
            in.register_get_direct_mem_ptr(this, &Refuser::dmi);
        }
        void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& t) { out->b_transport(gp, t); }
        bool dmi(tlm::tlm_generic_payload&, tlm::tlm_dmi&) { return false; }
    } refuser("refuser");
    ip.mem.bind(refuser.in);
    refuser.out.bind(mem.socket);
    ip.irq.bind(irq);
    const AttentionInputs in = random_inputs(w, 2);
    std::memcpy(mem.backdoor(job.layout(Tensor::Q).base, in.q.size() * 4), in.q.data.data(), in.q.size() * 4);
    std::memcpy(mem.backdoor(job.layout(Tensor::K).base, in.k.size() * 4), in.k.data.data(), in.k.size() * 4);
    std::memcpy(mem.backdoor(job.layout(Tensor::V).base, in.v.size() * 4), in.v.data.data(), in.v.size() * 4);
    ip.start(job);
    sc_core::sc_start();
    EXPECT_EQ(ip.dram().stats().dmi_accesses, 0u);
    EXPECT_GT(ip.dram().stats().bus_accesses, 0u);
    EXPECT_GT(mem.stats().reads, 0u);
    Tensor4 out({1, 1, 256, 32});
    std::memcpy(out.data.data(), mem.backdoor(job.layout(Tensor::O).base, out.size() * 4), out.size() * 4);
    EXPECT_LT(compare(out, attention_reference_fp64(in.q, in.k, in.v, 1.0)).max_rel_error, 1e-5);
}

}  // namespace
}  // namespace fusemax
