#pragma once
#include <systemc>

#include <cstdint>
#include <vector>
#include <memory>

#include "fusemax/protocol/job.h"
#include "fusemax/config/arch_config.h"
#include "fusemax/memory/memory.h"
#include "platform/bus.h"
#include "platform/cpu_driver.h"
#include "fusemax/top/fusemax.h"

namespace fusemax {

// A virtual platform around the IP: a CPU-like driver and the IP's `mem` port share a bus to a
// separate TLM memory; the IP's registers sit on the same bus; the interrupt goes to the CPU. The
// parts meet only through sockets and the interrupt signal.
class ExamplePlatform {
public:
    static constexpr std::uint64_t kMemoryBase = 0x0000'0000;
    static constexpr std::uint64_t kCsrBase = 1ull << 48;  // far above any memory
    static constexpr std::uint64_t kCsrSize = 0x1000;

    ExamplePlatform(const ArchConfig& arch, std::uint64_t memory_bytes, CpuDriver::Program program,
                    const IpOptions& options = {});
    ExamplePlatform(const ExamplePlatform&) = delete;
    ExamplePlatform& operator=(const ExamplePlatform&) = delete;

    Memory& memory() { return *memory_; }
    FuseMax& ip() { return *ip_; }
    CpuDriver& cpu() { return *cpu_; }
    sc_core::sc_signal<bool>& irq() { return irq_; }

private:
    std::unique_ptr<Memory> memory_;
    std::unique_ptr<Bus> bus_;
    std::unique_ptr<FuseMax> ip_;
    std::unique_ptr<CpuDriver> cpu_;
    sc_core::sc_signal<bool> irq_{"irq"};
};

// Driver helpers: write a job's registers (shape, element type, scale, tensor layouts, mode).
tlm::tlm_response_status program_job(CpuDriver& cpu, std::uint64_t csr_base, const Job& job);
// Reads a 64-bit LO/HI register pair.
std::uint64_t read_reg64(CpuDriver& cpu, std::uint64_t csr_base, std::uint32_t lo);

// What a driver saw of one job run through the registers.
struct JobOutcome {
    bool interrupted = false;  // irq rose before the timeout
    std::uint64_t status = 0;  // STATUS after the interrupt
    std::uint64_t cycles = 0, pe2d_busy = 0, pe1d_busy = 0, tile_steps = 0;
};

// Programs `job`, enables the interrupt, starts it, waits for the interrupt (up to `timeout`),
// reads STATUS and the counters, and clears IRQ_STATUS.
JobOutcome run_job(CpuDriver& cpu, std::uint64_t csr_base, const Job& job, const sc_core::sc_time& timeout);

// Runs `jobs` in order, keeping the next one queued behind the running one (CONTROL.ENQUEUE): the
// next job's loads overlap the running one's drain. One outcome per job that ended; stops at the
// first error (the job queued behind it does not run) or timeout (interrupted false).
std::vector<JobOutcome> run_jobs(CpuDriver& cpu, std::uint64_t csr_base, const std::vector<Job>& jobs,
                                 const sc_core::sc_time& timeout);

}  // namespace fusemax
