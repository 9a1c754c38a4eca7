#include <gtest/gtest.h>

#include <cmath>
#include <tuple>

#include "numerics/attention.h"

namespace fusemax {
namespace {

struct Shape {
    std::uint64_t b, h, p, m, e, f;
};

std::string shape_name(const testing::TestParamInfo<Shape>& i) {
    const Shape& s = i.param;
    return "B" + std::to_string(s.b) + "H" + std::to_string(s.h) + "P" + std::to_string(s.p) + "M" +
           std::to_string(s.m) + "E" + std::to_string(s.e) + "F" + std::to_string(s.f);
}

struct Operands {
    Tensor4 q, k, v;
};

Operands random(const Shape& s, std::uint64_t seed) {
    Operands o{Tensor4({s.b, s.h, s.p, s.e}), Tensor4({s.b, s.h, s.m, s.e}), Tensor4({s.b, s.h, s.m, s.f})};
    fill_uniform(o.q, seed, -1, 1);
    fill_uniform(o.k, seed + 1, -1, 1);
    fill_uniform(o.v, seed + 2, -1, 1);
    return o;
}

TEST(Half, Conversions) {
    EXPECT_EQ(float_to_half(1.0f), 0x3C00);
    EXPECT_EQ(float_to_half(-2.0f), 0xC000);
    EXPECT_EQ(float_to_half(65504.0f), 0x7BFF);
    EXPECT_EQ(float_to_half(65520.0f), 0x7C00);  // rounds to +inf
    EXPECT_EQ(float_to_half(std::ldexp(1.0f, -24)), 0x0001);
    EXPECT_EQ(float_to_half(std::ldexp(1.0f, -25)), 0x0000);  // tie to even
    EXPECT_EQ(float_to_half(1.0f + std::ldexp(1.0f, -11)), 0x3C00);  // tie to even
    EXPECT_EQ(float_to_half(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3C02);
    for (std::uint32_t h = 0; h < 0x7C00; ++h)
        ASSERT_EQ(float_to_half(half_to_float(static_cast<std::uint16_t>(h))), h) << h;
}

TEST(RandomFill, DeterministicAndInRange) {
    Tensor4 a({1, 1, 16, 16}), b({1, 1, 16, 16});
    fill_uniform(a, 42, -1, 1);
    fill_uniform(b, 42, -1, 1);
    EXPECT_EQ(a.data, b.data);
    for (float x : a.data) {
        EXPECT_GE(x, -1.0f);
        EXPECT_LT(x, 1.0f);
    }
    fill_uniform(b, 43, -1, 1);
    EXPECT_NE(a.data, b.data);
}

class Formulations : public testing::TestWithParam<Shape> {};

TEST_P(Formulations, ThreePassAndOnePassMatchFp64) {
    const Shape s = GetParam();
    const Operands o = random(s, 7);
    const Tensor4D ref = attention_reference_fp64(o.q, o.k, o.v, 1.0);
    const ErrorStats three = compare(attention_three_pass_fp32(o.q, o.k, o.v, 1.0f), ref);
    const ErrorStats one = compare(attention_one_pass_fp32(o.q, o.k, o.v, 1.0f, 256, 256), ref);
    const ErrorStats small_tiles = compare(attention_one_pass_fp32(o.q, o.k, o.v, 1.0f, 2, 2), ref);
    EXPECT_LT(three.max_rel_error, 1e-5);
    EXPECT_LT(one.max_rel_error, 1e-5);
    EXPECT_LT(small_tiles.max_rel_error, 1e-5);
    EXPECT_EQ(one.non_finite, 0u);
}

INSTANTIATE_TEST_SUITE_P(Shapes, Formulations,
                         testing::Values(Shape{1, 1, 8, 4, 2, 2}, Shape{2, 3, 33, 70, 16, 8},
                                         Shape{1, 1, 300, 700, 64, 64}, Shape{1, 2, 256, 512, 64, 32}),
                         shape_name);

TEST(Formulations, NotebookExample) {
    // Reference section 9: E = F = 2, M = 4, P = 8, M0 = P0 = 2 (so M1 = 2 and four query tiles).
    const Operands o = random({1, 1, 8, 4, 2, 2}, 3);
    const Tensor4D ref = attention_reference_fp64(o.q, o.k, o.v, 1.0);
    EXPECT_LT(compare(attention_one_pass_fp32(o.q, o.k, o.v, 1.0f, 2, 2), ref).max_rel_error, 1e-6);
}

TEST(Formulations, HugeLogitsStayFinite) {
    Operands o = random({1, 1, 64, 300, 16, 16}, 11);
    const Tensor4D ref = attention_reference_fp64(o.q, o.k, o.v, 2000.0);
    const ErrorStats one = compare(attention_one_pass_fp32(o.q, o.k, o.v, 2000.0f, 256, 256), ref);
    EXPECT_EQ(one.non_finite, 0u);
    EXPECT_LT(one.max_rel_error, 1e-2);
}

TEST(Compare, NormwiseRelativeError) {
    Tensor4 got({1, 1, 1, 3});
    Tensor4D ref({1, 1, 1, 3});
    got.data = {1.0f, 2.0f, 3.5f};
    ref.data = {1.0, 2.0, 4.0};
    const ErrorStats e = compare(got, ref);
    EXPECT_DOUBLE_EQ(e.max_abs_error, 0.5);
    EXPECT_DOUBLE_EQ(e.max_rel_error, 0.125);
    got.data[0] = std::nanf("");
    EXPECT_EQ(compare(got, ref).non_finite, 1u);
    EXPECT_TRUE(std::isinf(compare(got, ref).max_rel_error));
}

}  // namespace
}  // namespace fusemax
