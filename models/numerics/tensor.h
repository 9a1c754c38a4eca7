#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace fusemax {

// A dense C-order 4-D tensor, [B, H, rows, cols] for attention operands.
template <typename T>
struct Tensor4T {
    std::array<std::uint64_t, 4> shape{0, 0, 0, 0};
    std::vector<T> data;

    Tensor4T() = default;
    explicit Tensor4T(std::array<std::uint64_t, 4> s) : shape(s), data(s[0] * s[1] * s[2] * s[3]) {}

    std::size_t size() const { return data.size(); }
    std::uint64_t rows() const { return shape[2]; }
    std::uint64_t cols() const { return shape[3]; }
    // Start of matrix (b, h).
    T* matrix(std::uint64_t b, std::uint64_t h) { return data.data() + (b * shape[1] + h) * shape[2] * shape[3]; }
    const T* matrix(std::uint64_t b, std::uint64_t h) const {
        return data.data() + (b * shape[1] + h) * shape[2] * shape[3];
    }
};

using Tensor4 = Tensor4T<float>;
using Tensor4D = Tensor4T<double>;

// Deterministic, platform-independent pseudo-random fill, uniform in [lo, hi).
void fill_uniform(Tensor4& t, std::uint64_t seed, float lo, float hi);

// IEEE 754 binary16 <-> binary32, round to nearest even.
float half_to_float(std::uint16_t h);
std::uint16_t float_to_half(float f);

}  // namespace fusemax
