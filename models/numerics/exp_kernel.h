#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace fusemax {

// e^v for one element, the kernels of exp_f32 and exp_f64 (blas.h), here so that a test can run
// them compiled for the baseline CPU and compare with the vectorised clones bit for bit. Written
// without calls or branches (selects only) so that the loops calling them vectorise. Every
// operation is an IEEE operation of its own: the polynomials' fused multiply-adds are written out
// (std::fma: an instruction where the CPU has FMA, the library's exact fma where it does not) and
// the build fuses nothing else (-ffp-contract=off), so the result does not depend on the CPU.

// A Cephes-style polynomial, within 2 ulp of expf; below -87.3 (-inf included) 0, above 88 e^88.
[[gnu::always_inline]] inline float exp_element_f32(float v) {
    constexpr float kLog2e = 1.44269504088896341f, kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
    constexpr float kRound = 12582912.0f;  // 1.5 x 2^23: adding it rounds to an integer
    constexpr float kLow = -87.3365478515625f, kHigh = 88.0f;  // 2^127 at most: no overflow
    const float c = std::min(std::max(v, kLow), kHigh);
    const float t = c * kLog2e + kRound;
    const float fn = t - kRound;  // round(c / ln 2)
    const float r = (c - fn * kLn2Hi) - fn * kLn2Lo;
    float p = 1.9875691500e-4f;
    p = std::fma(p, r, 1.3981999507e-3f);
    p = std::fma(p, r, 8.3334519073e-3f);
    p = std::fma(p, r, 4.1665795894e-2f);
    p = std::fma(p, r, 1.6666665459e-1f);
    p = std::fma(p, r, 5.0000001201e-1f);
    const float y = p * r * r + r + 1.0f;
    std::uint32_t bits;
    std::memcpy(&bits, &t, sizeof bits);  // t's low mantissa bits hold round(c / ln 2) + 2^22
    // 2^n as bits, in unsigned arithmetic: well defined whatever t holds (NaN from a NaN input).
    const std::uint32_t scale = (bits - 0x4B400000u + 127u) << 23;
    float s;
    std::memcpy(&s, &scale, sizeof s);
    return y * s * float(v >= kLow);  // masked (-inf) and denormal results to 0
}

// Range reduction and the Taylor series to r^13, within 2 ulp of exp; below -708 (-inf included)
// 0, above 709 e^709.
[[gnu::always_inline]] inline double exp_element_f64(double v) {
    constexpr double kLog2e = 1.4426950408889634074, kLn2Hi = 6.93147180369123816490e-01,
                     kLn2Lo = 1.90821492927058770002e-10;
    constexpr double kRound = 6755399441055744.0;  // 1.5 x 2^52
    constexpr double kLow = -708.0, kHigh = 709.0;
    const double c = std::min(std::max(v, kLow), kHigh);
    const double t = c * kLog2e + kRound;
    const double fn = t - kRound;
    const double r = (c - fn * kLn2Hi) - fn * kLn2Lo;  // |r| <= ln 2 / 2
    // e^r by its Taylor series to r^13 (the next term is below 1e-17 for |r| <= 0.35).
    double p = 1.0 / 6227020800.0;
    p = std::fma(p, r, 1.0 / 479001600.0);
    p = std::fma(p, r, 1.0 / 39916800.0);
    p = std::fma(p, r, 1.0 / 3628800.0);
    p = std::fma(p, r, 1.0 / 362880.0);
    p = std::fma(p, r, 1.0 / 40320.0);
    p = std::fma(p, r, 1.0 / 5040.0);
    p = std::fma(p, r, 1.0 / 720.0);
    p = std::fma(p, r, 1.0 / 120.0);
    p = std::fma(p, r, 1.0 / 24.0);
    p = std::fma(p, r, 1.0 / 6.0);
    p = std::fma(p, r, 0.5);
    const double y = p * r * r + r + 1.0;
    std::uint64_t bits;
    std::memcpy(&bits, &t, sizeof bits);
    const std::uint64_t scale = (bits - 0x4338000000000000ull + 1023u) << 52;
    double s;
    std::memcpy(&s, &scale, sizeof s);
    return y * s * double(v >= kLow);
}

}  // namespace fusemax
