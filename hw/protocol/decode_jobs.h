#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "fusemax/config/workload.h"
#include "fusemax/protocol/layer_jobs.h"

namespace fusemax {

// Prefill and `steps` decode steps as one run: the prefill attends P = M = seq_q tokens (with the
// workload's mask and K/V heads); decode step k (1 to steps) attends one new query to the cache of
// M + k keys. The K and V caches hold M + steps rows per head ([B, H_kv, M + steps, E]) from `base`,
// each job reading the rows it attends through its descriptors; every job has its own Q and O.
// Kernels are named prefill, decode_1, ... decode_<steps>.
std::vector<LayerKernel> decode_jobs(const Workload& w, std::uint64_t steps, ElemType elem, std::uint64_t base,
                                     bool functional, const std::string& origin);

}  // namespace fusemax
