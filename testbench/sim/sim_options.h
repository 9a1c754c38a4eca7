#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fusemax/protocol/dma.h"
#include "fusemax/program/tile_registers.h"
#include "fusemax/config/gemm_shape.h"
#include "fusemax/config/arch_config.h"
#include "fusemax/config/workload.h"

namespace fusemax {

// Everything fusemax-sim was asked to do, parsed and validated once.
struct SimOptions {
    std::string arch_path;
    std::optional<std::string> workload_path;
    // Shape flags override the workload file (or the default BERT-Base shape).
    std::optional<std::uint64_t> batch, heads, seq, seq_q, seq_kv, head_dim, v_dim;
    std::optional<double> scale;
    bool causal = false;                  // --causal
    std::optional<std::uint64_t> kv_heads;  // --kv-heads
    std::uint64_t decode_steps = 0;         // --decode-steps: prefill, then this many decode steps
    std::optional<std::uint64_t> window;  // --window W
    std::uint64_t seed = 1;
    std::optional<std::string> q_path, k_path, v_path, out_path, stats_path;
    // One GEMM instead of attention (--gemm M,K,N, inputs from --a and --w), or the whole layer
    // around the attention (--layer, or a workload with layer: true) with its widths.
    std::optional<GemmShape> gemm;
    std::optional<std::string> a_path, w_path;
    bool layer = false;
    std::optional<std::uint64_t> d_model, ffn;
    HardwareOverrides hardware;  // --dram-gib-per-s, --dram-policy, --write-queue, --glb-bytes
    GemmShape tiles;  // the GEMMs' tile sizes (--gemm-m0, --gemm-n0, --gemm-block-rows; 0: defaults)
    bool functional = true;
    bool fast_forward = true;
    bool check = true;
    double tolerance = 0;          // with tolerance_given: the check's bound on the relative error
    bool tolerance_given = false;  // else the check derives its bound from the job
    ElemType dtype = ElemType::F32;
    bool quiet = false;
    std::optional<std::string> vcd_path, trace_json_path;
    double trace_start_s = 0, trace_stop_s = -1;  // -1: to the end
    double quantum_s = 0;                         // 0: the IP's default
    std::optional<std::uint64_t> max_memory;      // bytes functional mode may use (default: what is available)
    std::string fault;                            // --inject-fault: none, rescale or drop-key
    bool help = false;
    std::optional<std::string> describe_stats;  // text, json or csv

    bool shape_flags_given() const {
        return batch || heads || seq || seq_q || seq_kv || head_dim || v_dim;
    }
};

// The datapath fault --inject-fault names.
DatapathFault fault_from_options(const SimOptions& o);

// Parses argv. Throws ConfigError ("fusemax-sim: --flag: expected ...") on unknown flags or bad
// values. `help_text` receives the usage text.
SimOptions parse_sim_options(int argc, char** argv, std::string& help_text);
// The same for another tool taking fusemax-sim's job flags (fusemax-explore, the Python module):
// `args` without the program name; its messages start "TOOL:" instead of "fusemax-sim:".
SimOptions parse_sim_options_as(const std::string& tool, std::vector<std::string> args, std::string& help_text);

// A fusemax-sim message under another tool's name ("fusemax-sim: x" -> "TOOL: x"; others as they are).
std::string retitled(const std::string& message, const std::string& tool);

// The architecture the options name, with their hardware overrides (flag errors under `tool`).
ArchConfig arch_from_options(const SimOptions& o, const std::string& tool);

// The workload the options describe (file, default BERT-Base 1 x 12 x 1K, then flag overrides).
Workload workload_from_options(const SimOptions& o);

}  // namespace fusemax
