#pragma once
#include <vector>

#include "fusemax/config/arch_config.h"
#include "fusemax/explore/pareto.h"
#include "fusemax/protocol/job.h"

namespace fusemax {

// Lower bounds on what `jobs` (run one after another) cost on `a`, without simulating: latency
// from the 2D array's multiply-accumulates at one per PE per cycle (QK over the keys each query
// sees, the GEMMs' M K N) and from the compulsory DRAM traffic (every input read once, every
// output written once) at full bandwidth; energy from the same MACs and DRAM accesses at the
// table's prices. `area_um2` is exact (the area model) and passed through.
Costs lower_bounds(const ArchConfig& a, const std::vector<Job>& jobs, double area_um2);

// Keys each query of one (b, h) head sees, summed over its queries (the causal and window masks,
// bottom-right aligned).
double visible_pairs(const Workload& w);

}  // namespace fusemax
