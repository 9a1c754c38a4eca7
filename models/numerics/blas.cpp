#include "fusemax/numerics/blas.h"

#include <cblas.h>
#include <dlfcn.h>

#include <algorithm>
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

// Written so that the compiler vectorises it (no calls, no branches but selects); the AVX-512 or
// AVX2 clone runs where the CPU has it. Every clone does the same IEEE operations (none of these
// targets enables FMA contraction), so results do not depend on which one runs.
__attribute__((target_clones("avx512f", "avx2", "default"))) void exp_f32(const float* x, float* out, std::size_t n) {
    constexpr float kLog2e = 1.44269504088896341f, kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
    constexpr float kRound = 12582912.0f;  // 1.5 x 2^23: adding it rounds to an integer
    constexpr float kLow = -87.3365478515625f, kHigh = 88.0f;  // 2^127 at most: no overflow
    for (std::size_t i = 0; i < n; ++i) {
        const float v = x[i];
        const float c = std::min(std::max(v, kLow), kHigh);
        const float t = c * kLog2e + kRound;
        const float fn = t - kRound;  // round(c / ln 2)
        const float r = (c - fn * kLn2Hi) - fn * kLn2Lo;
        float p = 1.9875691500e-4f;
        p = p * r + 1.3981999507e-3f;
        p = p * r + 8.3334519073e-3f;
        p = p * r + 4.1665795894e-2f;
        p = p * r + 1.6666665459e-1f;
        p = p * r + 5.0000001201e-1f;
        const float y = p * r * r + r + 1.0f;
        std::uint32_t bits;
        std::memcpy(&bits, &t, sizeof bits);  // t's low mantissa bits hold round(c / ln 2) + 2^22
        // 2^n as bits, in unsigned arithmetic: well defined whatever t holds (NaN from a NaN input).
        const std::uint32_t scale = (bits - 0x4B400000u + 127u) << 23;
        float s;
        std::memcpy(&s, &scale, sizeof s);
        out[i] = y * s * float(v >= kLow);  // masked (-inf) and denormal results to 0
    }
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void exp_f64(const double* x, double* out, std::size_t n) {
    constexpr double kLog2e = 1.4426950408889634074, kLn2Hi = 6.93147180369123816490e-01,
                     kLn2Lo = 1.90821492927058770002e-10;
    constexpr double kRound = 6755399441055744.0;  // 1.5 x 2^52
    constexpr double kLow = -708.0, kHigh = 709.0;
    for (std::size_t i = 0; i < n; ++i) {
        const double v = x[i];
        const double c = std::min(std::max(v, kLow), kHigh);
        const double t = c * kLog2e + kRound;
        const double fn = t - kRound;
        const double r = (c - fn * kLn2Hi) - fn * kLn2Lo;  // |r| <= ln 2 / 2
        // e^r by its Taylor series to r^13 (the next term is below 1e-17 for |r| <= 0.35).
        double p = 1.0 / 6227020800.0;
        p = p * r + 1.0 / 479001600.0;
        p = p * r + 1.0 / 39916800.0;
        p = p * r + 1.0 / 3628800.0;
        p = p * r + 1.0 / 362880.0;
        p = p * r + 1.0 / 40320.0;
        p = p * r + 1.0 / 5040.0;
        p = p * r + 1.0 / 720.0;
        p = p * r + 1.0 / 120.0;
        p = p * r + 1.0 / 24.0;
        p = p * r + 1.0 / 6.0;
        p = p * r + 0.5;
        const double y = p * r * r + r + 1.0;
        std::uint64_t bits;
        std::memcpy(&bits, &t, sizeof bits);
        const std::uint64_t scale = (bits - 0x4338000000000000ull + 1023u) << 52;
        double s;
        std::memcpy(&s, &scale, sizeof s);
        out[i] = y * s * double(v >= kLow);
    }
}

__attribute__((target_clones("avx512f", "avx2", "default"))) double softmax_numerators_f64(double* row, std::size_t n, double& den) {
    constexpr std::size_t kLanes = 8;
    constexpr double kNegInf = -std::numeric_limits<double>::infinity();
    double mx[kLanes], lo[kLanes];
    std::fill(mx, mx + kLanes, kNegInf);
    std::fill(lo, lo + kLanes, std::numeric_limits<double>::infinity());
    const std::size_t whole = n / kLanes * kLanes;
    for (std::size_t i = 0; i < whole; i += kLanes)
        for (std::size_t j = 0; j < kLanes; ++j) {
            mx[j] = std::max(mx[j], row[i + j]);
            lo[j] = std::min(lo[j], row[i + j] == kNegInf ? std::numeric_limits<double>::infinity() : row[i + j]);
        }
    for (std::size_t i = whole; i < n; ++i) {
        mx[0] = std::max(mx[0], row[i]);
        lo[0] = std::min(lo[0], row[i] == kNegInf ? std::numeric_limits<double>::infinity() : row[i]);
    }
    const double top = *std::max_element(mx, mx + kLanes), bottom = *std::min_element(lo, lo + kLanes);
    if (top == kNegInf) {
        std::fill(row, row + n, 0.0);
        den = 0;
        return 0.0;
    }
    for (std::size_t i = 0; i < n; ++i) row[i] -= top;
    exp_f64(row, row, n);
    double sum[kLanes] = {};
    for (std::size_t i = 0; i < whole; i += kLanes)
        for (std::size_t j = 0; j < kLanes; ++j) sum[j] += row[i + j];
    for (std::size_t i = whole; i < n; ++i) sum[0] += row[i];
    den = 0;
    for (double s : sum) den += s;
    return std::max(std::abs(top), std::abs(bottom));
}

}  // namespace fusemax
