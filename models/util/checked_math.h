#pragma once
#include <cstdint>
#include <initializer_list>
#include <optional>

namespace fusemax {

// Size arithmetic that reports overflow instead of wrapping: every product or sum of sizes,
// strides and addresses that comes from user input goes through these.
inline std::optional<std::uint64_t> checked_mul(std::uint64_t a, std::uint64_t b) {
    std::uint64_t r = 0;
    if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
    return r;
}

inline std::optional<std::uint64_t> checked_add(std::uint64_t a, std::uint64_t b) {
    std::uint64_t r = 0;
    if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
    return r;
}

inline std::optional<std::uint64_t> checked_product(std::initializer_list<std::uint64_t> factors) {
    std::uint64_t r = 1;
    for (std::uint64_t f : factors) {
        const auto next = checked_mul(r, f);
        if (!next) return std::nullopt;
        r = *next;
    }
    return r;
}

}  // namespace fusemax
