#include "fusemax/numerics/error_bound.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace fusemax {
namespace {

// The largest Euclidean norm of a row of matrix (b, h). Each row's sum runs in column order; rows
// are taken eight at a time so that their sums advance side by side instead of one long chain.
double max_row_norm(const Tensor4& t, std::uint64_t b, std::uint64_t h) {
    constexpr std::uint64_t kRows = 8;
    const float* m = t.matrix(b, h);
    const std::uint64_t rows = t.rows(), cols = t.cols();
    double most = 0;
    for (std::uint64_t r0 = 0; r0 < rows; r0 += kRows) {
        const std::uint64_t n = std::min(kRows, rows - r0);
        double sum[kRows] = {};
        for (std::uint64_t c = 0; c < cols; ++c)
            for (std::uint64_t i = 0; i < n; ++i) {
                const double x = m[(r0 + i) * cols + c];
                sum[i] += x * x;
            }
        for (std::uint64_t i = 0; i < n; ++i) most = std::max(most, sum[i]);
    }
    return std::sqrt(most);
}

}  // namespace

AttentionExtents attention_extents(const Tensor4& q, const Tensor4& k, const Tensor4& v, double scale) {
    constexpr std::size_t kLanes = 8;  // a maximum does not depend on the order: lanes vectorise it
    AttentionExtents x;
    for (std::uint64_t b = 0; b < q.shape[0]; ++b)
        for (std::uint64_t h = 0; h < q.shape[1]; ++h)
            x.qk = std::max(x.qk, std::abs(scale) * max_row_norm(q, b, h) * max_row_norm(k, b, h * k.shape[1] / q.shape[1]));
    float lane[kLanes] = {};
    const std::size_t whole = v.data.size() / kLanes * kLanes;
    for (std::size_t i = 0; i < whole; i += kLanes)
        for (std::size_t j = 0; j < kLanes; ++j) {
            const float a = std::abs(v.data[i + j]);
            lane[j] = lane[j] < a ? a : lane[j];
        }
    for (std::size_t i = whole; i < v.data.size(); ++i) lane[0] = std::max(lane[0], std::abs(v.data[i]));
    x.v = *std::max_element(lane, lane + kLanes);
    return x;
}

CheckBound attention_error_bound(const AttentionExtents& x, std::uint64_t head_dim, std::uint64_t keys,
                                 double max_abs_logit, double max_abs_ref, double output_unit_roundoff,
                                 std::uint64_t keys_per_tile) {
    constexpr double u = 0x1p-24;
    const double s = x.qk, vmax = x.v;
    const double e = double(head_dim), m = double(keys);
    const double m0 = double(std::max<std::uint64_t>(keys_per_tile, 1));
    const double tiles = std::ceil(m / m0);
    const double eps_w = (e + 1) * u * s + 2 * u * max_abs_logit + 2 * u;
    const double eps_acc = (std::min(m0, m) + 2 * tiles + 2) * u;
    CheckBound out;
    out.abs_bound = (2 * (eps_w + eps_acc) + u) * vmax + output_unit_roundoff * max_abs_ref;
    out.rel_bound = max_abs_ref > 0 ? out.abs_bound / max_abs_ref : INFINITY;
    char buf[200];
    std::snprintf(buf, sizeof buf, "fp32 arithmetic%s, E=%g, %g key tile%s of %g, |logit| <= %.3g, |q||k| <= %.3g",
                  output_unit_roundoff > 0 ? ", fp16 O" : "", e, tiles, tiles == 1 ? "" : "s", std::min(m0, m),
                  max_abs_logit, s);
    out.basis = buf;
    return out;
}

CheckBound gemm_error_bound(std::uint64_t k, double max_abs_sum, double max_abs_ref, double output_unit_roundoff) {
    constexpr double u = 0x1p-24;
    const double ku = double(k) * u;
    CheckBound out;
    out.abs_bound = (ku < 1 ? ku / (1 - ku) : INFINITY) * max_abs_sum + output_unit_roundoff * max_abs_ref;
    out.rel_bound = max_abs_ref > 0 ? out.abs_bound / max_abs_ref : INFINITY;
    char buf[160];
    std::snprintf(buf, sizeof buf, "fp32 arithmetic%s, K=%llu in-order sums, sum |a||w| <= %.3g",
                  output_unit_roundoff > 0 ? ", fp16 Z" : "", static_cast<unsigned long long>(k), max_abs_sum);
    out.basis = buf;
    return out;
}

}  // namespace fusemax
