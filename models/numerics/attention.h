#pragma once
#include <atomic>
#include <cstdint>

#include "fusemax/numerics/tensor.h"
#include "fusemax/program/ops.h"

namespace fusemax {

// O = softmax(scale * Q K^T) V per (b, h), softmax over keys. Q [B,H,P,E], K [B,H,M,E], V [B,H,M,F].

// fp64 reference: the ground truth every other result is checked against. `max_abs_logit`, when
// given, receives the largest |scale * q . k| (the error bound of the check needs it). `mask`
// (causal, sliding window; its key0 and query0 unused) hides keys from queries; a query that sees
// no key gets O = 0. Computed on the machine's BLAS (dgemm) in blocks of queries (AttentionReference,
// which several threads can share).
Tensor4D attention_reference_fp64(const Tensor4& q, const Tensor4& k, const Tensor4& v, double scale,
                                  double* max_abs_logit = nullptr, const KeyMask& mask = {});

// fp32 3-pass softmax (max; exp and sum; divide) then A V: the Unfused/FLAT formulation.
Tensor4 attention_three_pass_fp32(const Tensor4& q, const Tensor4& k, const Tensor4& v, float scale);

// fp32 1-pass cascade of reference section 2 with key tiles of m0 and query tiles of p0: running
// max, denominator and numerator updated once per key tile, one divide at the end.
Tensor4 attention_one_pass_fp32(const Tensor4& q, const Tensor4& k, const Tensor4& v, float scale,
                                std::uint32_t m0, std::uint32_t p0);

struct ErrorStats {
    double max_abs_error = 0;
    // Normwise relative error: max |got - ref| / max |ref| (elementwise relative error is
    // meaningless where an output is near zero).
    double max_rel_error = 0;
    std::uint64_t non_finite = 0;  // NaN or Inf outputs
    double max_abs_ref = 0;        // max |ref|, the norm the relative error is taken against
};

ErrorStats compare(const Tensor4& got, const Tensor4D& ref);

}  // namespace fusemax
