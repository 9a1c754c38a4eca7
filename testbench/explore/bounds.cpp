#include "explore/bounds.h"

#include <algorithm>

namespace fusemax {

double visible_pairs(const Workload& w) {
    const double p = double(w.seq_q), m = double(w.seq_kv);
    if (!w.masked()) return p * m;
    // Query q sees c(q) = q + d + 1 keys (d = M - P), at most the window's W.
    const double d = m - p;
    const double cap = w.window ? double(w.window) : m;
    const double below = std::clamp(cap - d - 1, 0.0, p);  // queries whose count is under the cap
    return below * (below - 1) / 2 + below * (d + 1) + (p - below) * cap;
}

Costs lower_bounds(const ArchConfig& a, const std::vector<Job>& jobs, double area_um2) {
    double macs = 0, read_bytes = 0, write_bytes = 0, energy = 0;
    for (const Job& job : jobs) {
        double job_macs = 0, reads = 0, writes = 0;
        if (job.program == "gemm") {
            const GemmShape& g = job.gemm;
            job_macs = double(g.m) * double(g.k) * double(g.n);
            reads = double(g.m) * double(g.k) + double(g.k) * double(g.n);
            writes = double(g.m) * double(g.n);
        } else {
            const Workload& w = job.shape;
            const double heads = double(w.batch) * double(w.heads), kv = double(w.batch) * double(w.kv_head_count());
            job_macs = heads * visible_pairs(w) * double(w.head_dim);
            reads = heads * double(w.seq_q) * double(w.head_dim) + kv * double(w.seq_kv) * double(w.head_dim + w.v_dim);
            writes = heads * double(w.seq_q) * double(w.v_dim);
        }
        reads *= a.word_bytes;
        writes *= a.word_bytes;
        macs += job_macs;
        read_bytes += reads;
        write_bytes += writes;
        const EnergyTable& table = job.program == "gemm" ? a.gemm_energy : a.energy;
        const double access = a.dram.access_bytes;
        energy += job_macs * table.pe2d.mac.value_or(0) + reads / access * table.dram_read_pj +
                  writes / access * table.dram_write_pj;
    }
    const double pes = double(a.pe2d.rows) * double(a.pe2d.cols);
    const double compute_s = macs / pes / a.clock_hz;
    const double dram_s = (read_bytes + write_bytes) / a.dram.bandwidth_bytes_per_s;
    return {std::max(compute_s, dram_s), energy, area_um2};
}

}  // namespace fusemax
