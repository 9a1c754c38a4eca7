#include "fusemax/numerics/blas.h"

#include "fusemax/numerics/exp_kernel.h"

#include <cblas.h>
#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <stdexcept>

namespace fusemax {
namespace {

// OpenBLAS, loaded on first use (timing mode never loads it). Its threaded build, told to use one
// thread before it initialises (OPENBLAS_NUM_THREADS=1, unless the user set it): the simulation is
// one thread and one thread keeps every result the same bit for bit; unlike the serial build, it
// takes its work buffers under a lock, so the simulation and the check's reference beside it can
// call it at the same time; and it starts no worker pool to spin beside the simulation.
struct OpenBlas {
    decltype(&cblas_sgemm) sgemm = nullptr;
    decltype(&cblas_dgemm) dgemm = nullptr;
    char* (*config)() = nullptr;
    char* (*corename)() = nullptr;
};

const OpenBlas& openblas() {
    static const OpenBlas blas = [] {
        setenv("OPENBLAS_NUM_THREADS", "1", 0);
        void* lib = dlopen(FUSEMAX_OPENBLAS_LIBRARY, RTLD_NOW | RTLD_LOCAL);
        if (!lib)
            throw std::runtime_error(std::string("functional mode needs OpenBLAS (Debian's libopenblas0-pthread): ") +
                                     dlerror());
        OpenBlas b;
        auto find = [lib](const char* name) {
            void* f = dlsym(lib, name);
            if (!f) throw std::runtime_error(std::string(FUSEMAX_OPENBLAS_LIBRARY) + " has no " + name);
            return f;
        };
        b.sgemm = reinterpret_cast<decltype(&cblas_sgemm)>(find("cblas_sgemm"));
        b.dgemm = reinterpret_cast<decltype(&cblas_dgemm)>(find("cblas_dgemm"));
        b.config = reinterpret_cast<char* (*)()>(find("openblas_get_config"));
        b.corename = reinterpret_cast<char* (*)()>(find("openblas_get_corename"));
        return b;
    }();
    return blas;
}

CBLAS_TRANSPOSE op(bool t) { return t ? CblasTrans : CblasNoTrans; }

}  // namespace

void sgemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha, const float* a,
           std::size_t lda, const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc) {
    if (m == 0 || n == 0) return;
    openblas().sgemm(CblasRowMajor, op(trans_a), op(trans_b), int(m), int(n), int(k), alpha, a, int(lda), b, int(ldb),
                     beta, c, int(ldc));
}

void dgemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, double alpha, const double* a,
           std::size_t lda, const double* b, std::size_t ldb, double beta, double* c, std::size_t ldc) {
    if (m == 0 || n == 0) return;
    openblas().dgemm(CblasRowMajor, op(trans_a), op(trans_b), int(m), int(n), int(k), alpha, a, int(lda), b, int(ldb),
                     beta, c, int(ldc));
}

void require_blas() { openblas(); }

std::string blas_description() {
    const OpenBlas& b = openblas();
    const char* threads = std::getenv("OPENBLAS_NUM_THREADS");
    return std::string(b.config()) + " (core " + b.corename() + ", " + (threads ? threads : "?") + " thread)";
}

// Loops over the element kernels of exp_kernel.h, which the compiler vectorises; the AVX-512 or AVX2
// clone runs where the CPU has it, each doing the kernels' IEEE operations (see there), so results do
// not depend on which one runs.
__attribute__((target_clones("avx512f", "arch=haswell", "default"))) void exp_f32(const float* x, float* out, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) out[i] = exp_element_f32(x[i]);
}

__attribute__((target_clones("avx512f", "arch=haswell", "default"))) void exp_f64(const double* x, double* out, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) out[i] = exp_element_f64(x[i]);
}

__attribute__((target_clones("avx512f", "arch=haswell", "default"))) double softmax_numerators_f64(double* row, std::size_t n, double& den) {
    constexpr std::size_t kLanes = 8;
    constexpr double kNegInf = -std::numeric_limits<double>::infinity();
    constexpr double kInf = std::numeric_limits<double>::infinity();
    // Maxima, minima and sums in kLanes fixed lanes (selects, as std::max and std::min make them),
    // so that every clone finds the same whatever its vector width.
    double mx[kLanes], lo[kLanes], sum[kLanes] = {};
    std::fill(mx, mx + kLanes, kNegInf);
    std::fill(lo, lo + kLanes, kInf);
    const std::size_t whole = n / kLanes * kLanes;
    for (std::size_t i = 0; i < whole; i += kLanes)
        for (std::size_t j = 0; j < kLanes; ++j) mx[j] = mx[j] < row[i + j] ? row[i + j] : mx[j];
    for (std::size_t i = whole; i < n; ++i) mx[0] = std::max(mx[0], row[i]);
    const double top = *std::max_element(mx, mx + kLanes);
    if (top == kNegInf) {
        std::fill(row, row + n, 0.0);
        den = 0;
        return 0.0;
    }
    // e^(x - top), their sum and the smallest unmasked logit in one more pass.
    for (std::size_t i = 0; i < whole; i += kLanes)
        for (std::size_t j = 0; j < kLanes; ++j) {
            const double x = row[i + j], e = exp_element_f64(x - top);
            lo[j] = x != kNegInf && x < lo[j] ? x : lo[j];
            row[i + j] = e;
            sum[j] += e;
        }
    for (std::size_t i = whole; i < n; ++i) {
        lo[0] = std::min(lo[0], row[i] == kNegInf ? kInf : row[i]);
        row[i] = exp_element_f64(row[i] - top);
        sum[0] += row[i];
    }
    const double bottom = *std::min_element(lo, lo + kLanes);
    den = 0;
    for (double s : sum) den += s;
    return std::max(std::abs(top), std::abs(bottom));
}

}  // namespace fusemax
