#include "fusemax/numerics/error_bound.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace fusemax {
namespace {

// The largest Euclidean norm of a row of matrix (b, h).
double max_row_norm(const Tensor4& t, std::uint64_t b, std::uint64_t h) {
    const float* m = t.matrix(b, h);
    double most = 0;
    for (std::uint64_t r = 0; r < t.rows(); ++r) {
        double sum = 0;
        for (std::uint64_t c = 0; c < t.cols(); ++c) sum += double(m[r * t.cols() + c]) * m[r * t.cols() + c];
        most = std::max(most, sum);
    }
    return std::sqrt(most);
}

}  // namespace

CheckBound attention_error_bound(const Tensor4& q, const Tensor4& k, const Tensor4& v, double scale,
                                 double max_abs_logit, double max_abs_ref, double output_unit_roundoff,
                                 std::uint64_t keys_per_tile) {
    constexpr double u = 0x1p-24;
    double s = 0, vmax = 0;
    for (std::uint64_t b = 0; b < q.shape[0]; ++b)
        for (std::uint64_t h = 0; h < q.shape[1]; ++h)
            s = std::max(s, std::abs(scale) * max_row_norm(q, b, h) * max_row_norm(k, b, h * k.shape[1] / q.shape[1]));
    for (float x : v.data) vmax = std::max(vmax, double(std::abs(x)));
    const double e = double(q.cols()), m = double(k.rows());
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
