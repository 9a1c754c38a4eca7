#include "fusemax/reference/closed_form.h"

#include <algorithm>

namespace fusemax {

ClosedForm fusemax_closed_form(const Workload& w, std::uint64_t glb_bytes) {
    const std::uint64_t B = w.batch, H = w.heads, P = w.seq_q, M = w.seq_kv, E = w.head_dim, F = w.v_dim;
    ClosedForm c;
    c.m1 = M / 256;
    const std::uint64_t tiles = P / 256;
    std::uint64_t p1 = std::min((glb_bytes - 256 * E * 2 - 256 * F * 2) / (256 * (E + F + 2) * 2), tiles);
    while (tiles % p1) --p1;
    c.p1 = p1;
    c.p2 = P / (256 * p1);

    const std::uint64_t steps = B * H * c.m1 * tiles;
    const std::uint64_t av = B * H * tiles * F;
    // max(sum(QK+LM), sum(RD+RNV) + sum(AV)) + sum(RM) + max(sum(SLN+SLD), sum(PRM+SPD)) + max(sum(SLNV), sum(SPNV))
    c.summed_cycles = std::max(steps * (E + 1), steps * (1 + F) + av) + steps * 1 + std::max(steps * 8, steps * 8) +
                      std::max(steps * F, steps * F);
    c.fill_cycles = E + 1;
    c.dram_bytes = 2 * B * H * (P * E + c.p2 * M * E + c.p2 * M * F + P * F);

    const std::uint64_t M1 = c.m1;
    const double reads = double(M * P * E / 256 + M * P * E / 256 + M * P * F / 256 + M1 * P * F + 2 * M1 * P +
                                P * F + P);
    const double writes = double(P * E + c.p2 * M * E + c.p2 * M * F + 2 * M1 * P + M1 * P * F);
    c.glb_read_rows = double(B * H) * reads / 256.0;
    c.glb_write_rows = double(B * H) * writes / 256.0;
    c.pe2d = ActionCounts{M * P * (E + F + 6), 2 * M * P, M * P, 0, 0}.scaled(B * H);
    c.pe1d = ActionCounts{M1 * P * (7 + F), M1 * P * (F + 2), M1 * P, 0, P * F}.scaled(B * H);
    return c;
}

}  // namespace fusemax
