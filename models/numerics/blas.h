#pragma once
#include <cstddef>
#include <string>

namespace fusemax {

// Row-major matrix products on the machine's BLAS (OpenBLAS through CBLAS), single-threaded: the
// simulation is one thread, and one thread keeps every result bit-for-bit the same run to run.
// Safe to call from several threads (calls take turns).
// C[m x n] = alpha op(A) op(B) + beta C, op(X) = X or X^T; ld* are row strides in elements.
void sgemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha, const float* a,
           std::size_t lda, const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc);
void dgemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, double alpha, const double* a,
           std::size_t lda, const double* b, std::size_t ldb, double beta, double* c, std::size_t ldc);

// Loads the BLAS now (it is otherwise loaded on first use); throws std::runtime_error naming the
// library when it cannot be loaded.
void require_blas();

// The BLAS in use, as it describes itself (for benchmark reports).
std::string blas_description();

// out[i] = exp(x[i]) for n floats, vectorised (a Cephes-style polynomial, within 2 ulp of expf over
// its range); inputs below -87.3 (where expf is denormal or zero), -inf included, give 0; inputs
// above 88 give exp(88). In place (out == x) is fine.
void exp_f32(const float* x, float* out, std::size_t n);

// The same in fp64 (a degree-13 polynomial after range reduction, within 2 ulp of exp); inputs
// below -708 (-inf included) give 0, above 709 exp(709).
void exp_f64(const double* x, double* out, std::size_t n);

// A row of fp64 logits (-inf where masked) to its softmax numerators exp(x - max), in place, and
// their sum in `den` (the caller divides what it computes from the row, a row of O, by it: F
// divisions instead of one per key); returns the largest |logit| of the unmasked ones (0, a row
// of zeros and den 0 when every one is masked). Sums and maxima run in eight fixed lanes, so the
// result does not depend on how the loop is vectorised.
double softmax_numerators_f64(double* row, std::size_t n, double& den);

}  // namespace fusemax
