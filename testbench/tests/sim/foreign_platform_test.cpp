// The IP against the memories of foreign platforms: memories that refuse DMI, grant partial or
// read-only regions, invalidate (and free) their storage mid-job behind a bus at a non-zero base,
// wait inside b_transport, annotate delays, or answer with each TLM error status. Every job must end
// correctly or with the right STATUS code. By the memory-time rule (the DRAM channel model is the
// IP's memory time; what the platform memory adds is recorded, not charged) every job that ends
// takes the same cycles as on a zero-time memory.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>

#include "fusemax/csr/fusemax_regs.h"
#include "fusemax/numerics/attention.h"
#include "platform/job_platform.h"
#include "platform/bus.h"
#include "platform/cpu_driver.h"
#include "platform/example_platform.h"
#include "platform/foreign_memory.h"
#include "sim_helpers.h"

namespace fusemax {
namespace {

using Behaviour = ForeignMemoryBehaviour;
using namespace sc_core;

// B = 1, H = 2, P = M = 512, E = F = 64: 8 tile steps of 137 cycles on the 2D array, 138 plus AV
// (64 per query tile, 4 of them) on the 1D array, 1847 cycles in all on a zero-time memory
// (the prologue Q0 + K0 + latency, 244, and the second Q tile's 6-cycle stall, as in
// Calibration.SingleHeadBert1KIsSumPlusFill).
constexpr std::uint64_t kCycles = 1847, kPe2dBusy = 8 * 137, kPe1dBusy = 8 * 138 + 4 * 64;

struct ForeignPlatform {
    static constexpr std::uint64_t kBase = 0x4000'0000, kCsr = 1ull << 40;
    Workload w = test::shape(1, 2, 512, 512, 64, 64);
    Job job = Job::packed(w, ElemType::F32, kBase, true);
    AttentionInputs in = random_inputs(w, 31);
    ForeignMemory mem;
    Bus bus{"bus"};
    FuseMax ip;
    CpuDriver cpu;
    sc_signal<bool> irq{"irq"};
    JobOutcome outcome;
    sc_time irq_time;

    ForeignPlatform(const Behaviour& b, const IpOptions& options = {})
        : mem("memory", job.packed_end() - kBase, b),
          ip("fusemax", test::fusemax_arch(), options),
          cpu("cpu", [this](CpuDriver& c) {
              outcome = run_job(c, kCsr, job, sc_time(1, SC_SEC));
              irq_time = sc_time_stamp();
          }) {
        cpu.bus.bind(bus.targ);
        ip.mem.bind(bus.targ);
        bus.init.bind(mem.socket);
        bus.init.bind(ip.csr);
        bus.map(0, kBase, job.packed_end() - kBase);
        bus.map(1, kCsr, 0x1000);
        ip.irq.bind(irq);
        cpu.irq.bind(irq);
        for (const auto& [layout, t] : {std::pair{&job.layout(Tensor::Q), &in.q}, {&job.layout(Tensor::K), &in.k}, {&job.layout(Tensor::V), &in.v}})
            std::memcpy(mem.backdoor(layout->base - kBase, t->size() * 4), t->data.data(), t->size() * 4);
    }

    regs::Error error() const {
        return static_cast<regs::Error>((outcome.status & regs::STATUS_ERROR_MASK) >> regs::STATUS_ERROR_SHIFT);
    }
    double rel_error() {
        Tensor4 o({w.batch, w.heads, w.seq_q, w.v_dim});
        std::memcpy(o.data.data(), mem.backdoor(job.layout(Tensor::O).base - kBase, o.size() * 4), o.size() * 4);
        return compare(o, attention_reference_fp64(in.q, in.k, in.v, 1.0)).max_rel_error;
    }
    // The job completed correctly, in the cycles of a zero-time memory.
    void expect_correct() {
        EXPECT_TRUE(outcome.interrupted);
        EXPECT_EQ(outcome.status, regs::STATUS_DONE) << ip.registers().last_error();
        EXPECT_EQ(outcome.cycles, kCycles);
        EXPECT_EQ(outcome.pe2d_busy, kPe2dBusy);
        EXPECT_EQ(outcome.pe1d_busy, kPe1dBusy);
        EXPECT_LT(rel_error(), 1e-5);
    }
};

TEST(ForeignPlatform, FullDmi) {
    ForeignPlatform p({});
    sc_start();
    p.expect_correct();
    EXPECT_GT(p.ip.dram().stats().dmi_accesses, 0u);
    EXPECT_EQ(p.ip.dram().stats().bus_accesses, 0u);
    EXPECT_EQ(p.ip.dram().stats().platform_time_ps, 0u);
}

TEST(ForeignPlatform, RefusesDmi) {
    Behaviour b;
    b.dmi = Behaviour::Dmi::Refuse;
    ForeignPlatform p(b);
    sc_start();
    p.expect_correct();
    EXPECT_EQ(p.ip.dram().stats().dmi_accesses, 0u);
    EXPECT_EQ(p.ip.dram().stats().bus_accesses, p.mem.stats().transactions);
    EXPECT_GT(p.mem.stats().transactions, 0u);
}

// 96 KiB windows: a 64 KiB tile (fp32) at an offset that crosses a multiple of 96 KiB does not
// fit the window granted around it and goes by transaction; the others go through the window.
TEST(ForeignPlatform, PartialDmi) {
    Behaviour b;
    b.dmi = Behaviour::Dmi::Partial;
    b.dmi_window = 96 << 10;
    ForeignPlatform p(b);
    sc_start();
    p.expect_correct();
    EXPECT_GT(p.ip.dram().stats().dmi_accesses, 0u);
    EXPECT_GT(p.ip.dram().stats().bus_accesses, 0u);
    EXPECT_EQ(p.ip.dram().stats().bus_accesses + p.ip.dram().stats().dmi_accesses, p.ip.dram().stats().transfers);
    EXPECT_GT(p.mem.stats().dmi_grants, 1u);
}

TEST(ForeignPlatform, ReadOnlyDmi) {
    Behaviour b;
    b.dmi = Behaviour::Dmi::ReadOnly;
    ForeignPlatform p(b);
    sc_start();
    p.expect_correct();
    EXPECT_EQ(p.ip.dram().stats().bus_accesses, 4u);  // the O tiles: 2 query tiles x 2 heads
    EXPECT_GT(p.ip.dram().stats().dmi_accesses, 0u);
}

// Behind a bus at a base of 1 GiB, the memory grants read-only DMI over all of it (O goes by
// transaction) and after each transaction moves and frees its storage and invalidates every DMI
// pointer as [0, 2^64 - 1], which the bus used to wrap into an empty range. The O stores come while
// the second head is still being read: a pointer kept across the invalidation reads freed memory
// (a crash or a sanitizer report).
TEST(ForeignPlatform, InvalidatesMidJobBehindANonZeroBase) {
    Behaviour b;
    b.dmi = Behaviour::Dmi::ReadOnly;
    b.invalidate_every = 1;
    ForeignPlatform p(b);
    sc_start();
    p.expect_correct();
    EXPECT_EQ(p.mem.stats().invalidations, 4u);  // one per O tile
    // Regions granted again after the invalidations: the IP asked rather than keep the old pointer.
    EXPECT_GE(p.mem.stats().dmi_grants, 2u);
}

// A memory that synchronises and then waits 50 ns in every b_transport holds the scheduler's
// thread; the schedule (in absolute cycles) is unchanged, only the interrupt comes later. Before
// the rule, this job took 244,799 cycles.
TEST(ForeignPlatform, WaitsInsideBTransport) {
    Behaviour b;
    b.dmi = Behaviour::Dmi::Refuse;
    b.sync = true;
    b.wait = sc_time(50, SC_NS);
    ForeignPlatform p(b);
    sc_start();
    p.expect_correct();
    const DramStats& d = p.ip.dram().stats();
    EXPECT_EQ(d.platform_waits, d.bus_accesses);
    EXPECT_GE(d.platform_time_ps, d.bus_accesses * 50000);
    const sc_time job_end = sc_time(1064.0 * double(kCycles), SC_PS);
    EXPECT_GT(p.irq_time, job_end);
}

// A memory that annotates 50 ns per access (and the same DMI latency): recorded, not charged.
TEST(ForeignPlatform, AnnotatesDelays) {
    for (const bool dmi : {false}) {
        Behaviour b;
        b.dmi = dmi ? Behaviour::Dmi::Full : Behaviour::Dmi::Refuse;
        b.annotate = sc_time(50, SC_NS);
        ForeignPlatform p(b);
        sc_start();
        p.expect_correct();
        const DramStats& d = p.ip.dram().stats();
        EXPECT_EQ(d.platform_time_ps, d.bus_accesses * 50000);
        EXPECT_EQ(d.platform_waits, 0u);
        EXPECT_LT(p.irq_time, sc_time(3, SC_US));
    }
}

TEST(ForeignPlatform, DmiLatencyIsRecordedNotCharged) {
    Behaviour b;
    b.annotate = sc_time(50, SC_NS);  // also the DMI regions' read and write latency
    ForeignPlatform p(b);
    sc_start();
    p.expect_correct();
    const DramStats& d = p.ip.dram().stats();
    EXPECT_EQ(d.platform_time_ps, d.dmi_accesses * 50000);
}

// Each TLM error status ends the job with STATUS.ERROR = 3 (memory error), the status named.
struct ErrorCase {
    const char* name;
    tlm::tlm_response_status status;
    std::uint64_t after;
};

class ForeignErrors : public testing::TestWithParam<ErrorCase> {};

TEST_P(ForeignErrors, EndTheJobWithAMemoryError) {
    Behaviour b;
    b.dmi = Behaviour::Dmi::Refuse;
    b.error = GetParam().status;
    b.error_after = GetParam().after;
    ForeignPlatform p(b);
    sc_start();
    EXPECT_TRUE(p.outcome.interrupted);
    EXPECT_EQ(p.error(), regs::Error::MemoryError);
    EXPECT_TRUE(p.outcome.status & regs::STATUS_DONE);
    tlm::tlm_generic_payload gp;
    gp.set_response_status(GetParam().status);
    EXPECT_NE(p.ip.registers().last_error().find(gp.get_response_string()), std::string::npos)
        << p.ip.registers().last_error();
    EXPECT_EQ(p.mem.stats().errors, 1u);  // the job stopped at the first error
    EXPECT_FALSE(p.ip.scheduler().busy());
}

INSTANTIATE_TEST_SUITE_P(
    Statuses, ForeignErrors,
    testing::Values(ErrorCase{"Generic", tlm::TLM_GENERIC_ERROR_RESPONSE, 0},
                    ErrorCase{"Address", tlm::TLM_ADDRESS_ERROR_RESPONSE, 3},
                    ErrorCase{"Command", tlm::TLM_COMMAND_ERROR_RESPONSE, 5},
                    ErrorCase{"Burst", tlm::TLM_BURST_ERROR_RESPONSE, 1},
                    ErrorCase{"ByteEnable", tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE, 2},
                    ErrorCase{"Incomplete", tlm::TLM_INCOMPLETE_RESPONSE, 4},
                    ErrorCase{"OnAnOStore", tlm::TLM_ADDRESS_ERROR_RESPONSE, 11}),
    [](const testing::TestParamInfo<ErrorCase>& i) { return std::string(i.param.name); });

}  // namespace
}  // namespace fusemax
