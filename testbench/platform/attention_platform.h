#pragma once
#include <cstdint>
#include <memory>

#include "protocol/job.h"
#include "config/arch_config.h"
#include "memory/memory.h"
#include "numerics/tensor.h"
#include "report/run_report.h"
#include "top/fusemax.h"

namespace fusemax {

struct AttentionInputs {
    Tensor4 q, k, v;
};

// Uniform in [-1, 1), Q, K and V from independent streams of `seed`.
AttentionInputs random_inputs(const Workload& w, std::uint64_t seed);

// Writes / reads a [B,H,rows,cols] tensor at `layout` in platform memory, in element type `elem`.
void store_tensor(Memory& mem, const TensorLayout& layout, const Tensor4& t, ElemType elem);
Tensor4 load_tensor(Memory& mem, const TensorLayout& layout, const std::array<std::uint64_t, 4>& shape, ElemType elem);

// Rounds inputs the way the platform memory stores them (fp16 storage loses precision), so the
// reference sees what the accelerator read.
void round_to_storage(AttentionInputs& in, ElemType elem);

// A platform memory with Q, K, V, O packed from address 0 and the FuseMax IP bound to it: what
// fusemax-sim and the test suites run. One per process (one SystemC simulation per process).
class AttentionPlatform {
public:
    AttentionPlatform(const ArchConfig& arch, const Workload& w, ElemType elem, bool functional,
                      bool fast_forward = true);
    AttentionPlatform(const AttentionPlatform&) = delete;
    AttentionPlatform& operator=(const AttentionPlatform&) = delete;

    // Writes the inputs into platform memory (backdoor), in the job's element type.
    void load_inputs(const AttentionInputs& in);
    // Starts the job and simulates until it completes. Throws ConfigError if the job cannot run on
    // this architecture and TransportError if it stopped on an error response.
    void run();
    // O as the IP wrote it to platform memory (functional mode).
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
