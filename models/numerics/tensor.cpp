#include "fusemax/numerics/tensor.h"

#include <cstring>

namespace fusemax {
namespace {

std::uint64_t splitmix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

std::uint32_t bits_of(float f) {
    std::uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
}

float float_of(std::uint32_t u) {
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
}

}  // namespace

void fill_uniform(Tensor4& t, std::uint64_t seed, float lo, float hi) {
    std::uint64_t state = seed;
    const double span = double(hi) - double(lo);
    for (float& x : t.data) {
        const double u = double(splitmix64(state) >> 11) * (1.0 / 9007199254740992.0);
        x = static_cast<float>(double(lo) + span * u);
    }
}

float half_to_float(std::uint16_t h) {
    const std::uint32_t sign = std::uint32_t(h & 0x8000u) << 16;
    const std::uint32_t exp = (h >> 10) & 0x1Fu;
    std::uint32_t mant = h & 0x3FFu;
    if (exp == 0x1F) return float_of(sign | 0x7F800000u | (mant << 13));  // inf / nan
    if (exp == 0) {
        if (mant == 0) return float_of(sign);
        // Subnormal: normalise.
        int e = -1;
        do {
            ++e;
            mant <<= 1;
        } while ((mant & 0x400u) == 0);
        mant &= 0x3FFu;
        return float_of(sign | std::uint32_t(127 - 15 - e) << 23 | (mant << 13));
    }
    return float_of(sign | (exp + 127 - 15) << 23 | (mant << 13));
}

std::uint16_t float_to_half(float f) {
    const std::uint32_t u = bits_of(f);
    const std::uint32_t sign = (u >> 16) & 0x8000u;
    const std::uint32_t abs = u & 0x7FFFFFFFu;
    if (abs >= 0x7F800000u) return static_cast<std::uint16_t>(sign | 0x7C00u | (abs > 0x7F800000u ? 0x200u : 0));
    if (abs >= 0x477FF000u) return static_cast<std::uint16_t>(sign | 0x7C00u);  // overflow to inf
    if (abs < 0x38800000u) {                                                    // subnormal or zero
        if (abs < 0x33000000u) return static_cast<std::uint16_t>(sign);
        const std::uint32_t e = abs >> 23;
        const std::uint32_t m = (abs & 0x7FFFFFu) | 0x800000u;
        const std::uint32_t shift = 126 - e;  // 14 + (113 - e)
        std::uint32_t r = m >> shift;
        const std::uint32_t rem = m & ((1u << shift) - 1);
        const std::uint32_t half = 1u << (shift - 1);
        if (rem > half || (rem == half && (r & 1))) ++r;
        return static_cast<std::uint16_t>(sign | r);
    }
    std::uint32_t r = ((abs >> 13) - (112u << 10));
    const std::uint32_t rem = abs & 0x1FFFu;
    if (rem > 0x1000u || (rem == 0x1000u && (r & 1))) ++r;
    return static_cast<std::uint16_t>(sign | r);
}

}  // namespace fusemax
