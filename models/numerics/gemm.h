#pragma once
#include <atomic>
#include "fusemax/numerics/tensor.h"

namespace fusemax {

// Z = A W in fp64 for A [1, 1, M, K] and W [1, 1, K, N] (the reference the GEMM
// program is checked against). `max_abs_sum`, when given, receives max over (m,
// n) of sum_k |a_mk w_kn|, which the error bound needs. Throws
// std::invalid_argument when the shapes do not chain. On the machine's BLAS (dgemm), in blocks;
// stops early when `cancel` becomes true (an incomplete result, for a caller that no longer wants it).
Tensor4D gemm_reference_fp64(const Tensor4& a, const Tensor4& w, double* max_abs_sum = nullptr,
                             const std::atomic<bool>* cancel = nullptr);

}  // namespace fusemax
