#pragma once
#include <cmath>
#include <string>

#include "fusemax/config/arch_config.h"
#include "fusemax/config/workload.h"

namespace fusemax::test {

inline const std::string kConfigs = FUSEMAX_CONFIG_DIR;

inline ArchConfig fusemax_arch() { return load_arch_config(kConfigs + "/arch/fusemax.yaml"); }

inline Workload shape(std::uint64_t b, std::uint64_t h, std::uint64_t p, std::uint64_t m, std::uint64_t e,
                      std::uint64_t f) {
    Workload w;
    w.batch = b, w.heads = h, w.seq_q = p, w.seq_kv = m, w.head_dim = e, w.v_dim = f;
    return w;
}

// Cycles the DRAM channel needs to move `bytes` (hand-computed from the configuration).
inline std::uint64_t transfer_cycles(const ArchConfig& a, std::uint64_t bytes) {
    return static_cast<std::uint64_t>(std::ceil(double(bytes) / (a.dram.bandwidth_bytes_per_s / a.clock_hz)));
}

inline double rel_diff(double got, double want) { return std::abs(got - want) / want; }

}  // namespace fusemax::test
