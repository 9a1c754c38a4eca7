#pragma once
#include <nlohmann/json.hpp>

#include "fusemax/config/arch_config.h"
#include "fusemax/protocol/layer_jobs.h"
#include "sim/sim_options.h"

namespace fusemax {

// The kernels a run of these options would queue (timing mode: no inputs are made), and its kind:
// attention, gemm, layer or decode.
struct PlannedRun {
    std::string kind;
    std::vector<LayerKernel> kernels;
};
PlannedRun plan_jobs(const SimOptions& o, const ArchConfig& arch);

// Runs the job fusemax-sim's options describe on `arch` (loaded and overridden by the caller):
// elaborates the platform, simulates, checks functional results against the fp64 reference,
// writes the files the options name and prints the summary unless quiet. `stats_out`, if given,
// receives the statistics JSON. Returns fusemax-sim's exit code; bad input throws ConfigError.
// One call per process (SystemC elaborates once).
int run_simulation(const SimOptions& o, const ArchConfig& arch, nlohmann::json* stats_out = nullptr);

}  // namespace fusemax
