#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "fusemax/protocol/job.h"
#include "fusemax/config/arch_config.h"
#include "fusemax/memory/memory.h"
#include "fusemax/numerics/tensor.h"
#include "fusemax/report/run_report.h"
#include "fusemax/top/fusemax.h"

namespace fusemax {

struct AttentionInputs {
    Tensor4 q, k, v;
};

// Uniform in [-1, 1), Q, K and V from independent streams of `seed`.
AttentionInputs random_inputs(const Workload& w, std::uint64_t seed);

// Writes / reads a [B,H,rows,cols] tensor at `layout` in platform memory, in element type `elem`.
void store_tensor(Memory& mem, const TensorLayout& layout, const Tensor4& t, ElemType elem);
Tensor4 load_tensor(Memory& mem, const TensorLayout& layout, const std::array<std::uint64_t, 4>& shape, ElemType elem);

struct GemmInputs {
    Tensor4 a, w;  // A [1, 1, M, K], W [1, 1, K, N]
};

// Uniform in [-1, 1), A and W from independent streams of `seed`.
GemmInputs random_gemm_inputs(const GemmShape& g, std::uint64_t seed);

// Rounds inputs the way the platform memory stores them (fp16 storage loses precision), so the
// reference sees what the accelerator read.
void round_to_storage(AttentionInputs& in, ElemType elem);
void round_to_storage(GemmInputs& in, ElemType elem);

// A platform memory holding a job's tensors and the FuseMax IP bound to it: what the test suites
// and benchmarks run. One per process (one SystemC simulation per process).
class JobPlatform {
public:
    // Platform memory of `memory_bytes` (at least the job's packed tensors).
    JobPlatform(const ArchConfig& arch, Job job, bool fast_forward = true, std::uint64_t memory_bytes = 0);
    // An attention job with Q, K, V, O packed from address 0.
    JobPlatform(const ArchConfig& arch, const Workload& w, ElemType elem, bool functional,
                bool fast_forward = true);
    JobPlatform(const JobPlatform&) = delete;
    JobPlatform& operator=(const JobPlatform&) = delete;

    // Writes the inputs into platform memory (backdoor), in the job's element type.
    void load_inputs(const AttentionInputs& in);
    void load_inputs(const GemmInputs& in);
    // Starts the job and simulates until it completes. Throws ConfigError if the job cannot run on
    // this architecture and TransportError if it stopped on an error response.
    void run();
    // Then another job (its tensors must lie in this platform's memory).
    void run(const Job& next);
    // Runs `jobs` back to back, each queued behind the one before it (Scheduler::enqueue), and
    // returns each one's summary.
    std::vector<RunSummary> run_queued(const std::vector<Job>& jobs);
    // The job's output (attention: O, GEMM: Z) as the IP wrote it to platform memory.
    Tensor4 output();

    const Job& job() const { return job_; }
    FuseMax& top() { return *top_; }
    Memory& memory() { return *memory_; }
    RunSummary summary() const { return summarize(*top_); }

private:
    Job job_;
    std::unique_ptr<Memory> memory_;
    std::unique_ptr<FuseMax> top_;
    sc_core::sc_signal<bool> irq_{"irq"};
};

}  // namespace fusemax
