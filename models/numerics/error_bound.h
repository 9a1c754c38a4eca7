#pragma once
#include <cstdint>
#include <string>

#include "fusemax/numerics/tensor.h"

namespace fusemax {

// A first-order floating-point error bound of the 1-pass cascade in fp32 (the default tolerance of
// the numerical check). With u = 2^-24, per (b, h): S = scale * max_p ||q_p|| * max_m ||k_m|| bounds
// sum_e |scale q_pe k_me| (Cauchy-Schwarz), L = max |logit|, E the head dim, m0 keys per tile and
// M1 key tiles:
//   weights   eps_w   = (E + 1) u S   (Q scaled on load, E-term dot product)
//                     + 2 u L         (logit minus the running max)
//                     + 2 u           (exp, within 1 ulp)
//   sums      eps_acc = (m0 + 2 M1 + 2) u  (in-tile sums, rescale and add per key tile, products)
//   output    |O - ref| <= (2 (eps_w + eps_acc) + u) max|v| + u_O max|ref|
// where u_O is the unit roundoff of O's storage (2^-11 for fp16, 0 for fp32: O is computed in fp32).
// The running-max rescale factor multiplies numerator and denominator alike and cancels in O.
struct CheckBound {
    double abs_bound = 0;  // on max |O - ref|
    double rel_bound = 0;  // abs_bound / max |ref|: the tolerance on the normwise relative error
    std::string basis;     // what the bound was derived from, for the report
};

// What the bound takes from the inputs alone, so that it can be found beside the simulation: S (the
// largest over (b, h)) and max |v|.
struct AttentionExtents {
    double qk = 0;
    double v = 0;
};
AttentionExtents attention_extents(const Tensor4& q, const Tensor4& k, const Tensor4& v, double scale);

CheckBound attention_error_bound(const AttentionExtents& x, std::uint64_t head_dim, std::uint64_t keys,
                                 double max_abs_logit, double max_abs_ref, double output_unit_roundoff,
                                 std::uint64_t keys_per_tile);

// The bound of a GEMM's fp32 dot products of length K, each accumulated in order (one MM op per K
// chunk continues the running sum): |z - ref| <= gamma_K sum_k |a_mk w_kn| with gamma_K = K u / (1 -
// K u) (Higham, Accuracy and Stability of Numerical Algorithms, 3.1), plus u_O max|ref| for Z's
// storage. `max_abs_sum` is max over (m, n) of sum_k |a_mk w_kn|.
CheckBound gemm_error_bound(std::uint64_t k, double max_abs_sum, double max_abs_ref, double output_unit_roundoff);

}  // namespace fusemax
