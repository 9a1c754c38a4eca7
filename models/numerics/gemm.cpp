#include "numerics/gemm.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace fusemax {

Tensor4D gemm_reference_fp64(const Tensor4& a, const Tensor4& w, double* max_abs_sum) {
    if (a.shape[0] != 1 || a.shape[1] != 1 || w.shape[0] != 1 || w.shape[1] != 1 || a.cols() != w.rows())
        throw std::invalid_argument("gemm_reference_fp64: expected A [1,1,M,K] and W [1,1,K,N]");
    const std::uint64_t M = a.rows(), K = a.cols(), N = w.cols();
    Tensor4D z({1, 1, M, N});
    std::vector<double> acc(N), abs_acc(N);
    double most = 0;
    for (std::uint64_t m = 0; m < M; ++m) {
        std::fill(acc.begin(), acc.end(), 0.0);
        std::fill(abs_acc.begin(), abs_acc.end(), 0.0);
        for (std::uint64_t k = 0; k < K; ++k) {
            const double av = a.data[m * K + k];
            const float* wk = w.data.data() + k * N;
            for (std::uint64_t n = 0; n < N; ++n) {
                acc[n] += av * double(wk[n]);
                abs_acc[n] += std::abs(av * double(wk[n]));
            }
        }
        std::copy(acc.begin(), acc.end(), z.data.begin() + static_cast<std::ptrdiff_t>(m * N));
        for (double s : abs_acc) most = std::max(most, s);
    }
    if (max_abs_sum) *max_abs_sum = most;
    return z;
}

}  // namespace fusemax
