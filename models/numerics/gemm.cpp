#include "fusemax/numerics/gemm.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "fusemax/numerics/blas.h"

namespace fusemax {

Tensor4D gemm_reference_fp64(const Tensor4& a, const Tensor4& w, double* max_abs_sum, const std::atomic<bool>* cancel) {
    if (a.shape[0] != 1 || a.shape[1] != 1 || w.shape[0] != 1 || w.shape[1] != 1 || a.cols() != w.rows())
        throw std::invalid_argument("gemm_reference_fp64: expected A [1,1,M,K] and W [1,1,K,N]");
    const std::uint64_t M = a.rows(), K = a.cols(), N = w.cols();
    Tensor4D z({1, 1, M, N});
    // Blocks of 256 rows of A and of W's columns up to 2^20 doubles, as fp64 products (dgemm); the
    // same over |A| and |W| gives the largest sum of |a w| a result adds up (the check's bound).
    const std::uint64_t rows = std::min<std::uint64_t>(M, 256);
    const std::uint64_t cols = std::min<std::uint64_t>(N, std::max<std::uint64_t>(256, (1u << 20) / std::max<std::uint64_t>(K, 1)));
    std::vector<double> ad(rows * K), aa(rows * K), wd(K * cols), wa(K * cols), zd(rows * cols), za(rows * cols);
    double most = 0;
    for (std::uint64_t n0 = 0; n0 < N; n0 += cols) {
        const std::uint64_t nn = std::min(cols, N - n0);
        for (std::uint64_t k = 0; k < K; ++k)
            for (std::uint64_t n = 0; n < nn; ++n) {
                wd[k * nn + n] = w.data[k * N + n0 + n];
                wa[k * nn + n] = std::abs(wd[k * nn + n]);
            }
        for (std::uint64_t m0 = 0; m0 < M; m0 += rows) {
            if (cancel && cancel->load(std::memory_order_relaxed)) return z;
            const std::uint64_t nm = std::min(rows, M - m0);
            for (std::uint64_t i = 0; i < nm * K; ++i) {
                ad[i] = a.data[m0 * K + i];
                aa[i] = std::abs(ad[i]);
            }
            dgemm(false, false, nm, nn, K, 1.0, ad.data(), K, wd.data(), nn, 0.0, zd.data(), nn);
            if (max_abs_sum) {
                dgemm(false, false, nm, nn, K, 1.0, aa.data(), K, wa.data(), nn, 0.0, za.data(), nn);
                for (std::uint64_t i = 0; i < nm * nn; ++i) most = std::max(most, za[i]);
            }
            for (std::uint64_t m = 0; m < nm; ++m)
                std::copy(zd.begin() + std::ptrdiff_t(m * nn), zd.begin() + std::ptrdiff_t((m + 1) * nn),
                          z.data.begin() + std::ptrdiff_t((m0 + m) * N + n0));
        }
    }
    if (max_abs_sum) *max_abs_sum = most;
    return z;
}

}  // namespace fusemax
