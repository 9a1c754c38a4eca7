#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <tuple>

#include "fusemax/numerics/attention.h"
#include "fusemax/numerics/attention_reference.h"
#include "fusemax/numerics/blas.h"
#include "fusemax/numerics/error_bound.h"
#include "fusemax/numerics/exp_kernel.h"

#include <thread>

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

// The reference in plain loops, fp64 throughout: what the blocked BLAS reference must agree with.
Tensor4D naive_fp64(const Tensor4& q, const Tensor4& k, const Tensor4& v, double scale, const KeyMask& mask) {
    const std::uint64_t B = q.shape[0], H = q.shape[1], P = q.shape[2], M = k.shape[2], E = q.shape[3],
                        F = v.shape[3], group = H / k.shape[1];
    Tensor4D o({B, H, P, F});
    std::vector<double> s(M);
    for (std::uint64_t b = 0; b < B; ++b)
        for (std::uint64_t h = 0; h < H; ++h)
            for (std::uint64_t p = 0; p < P; ++p) {
                double mx = -INFINITY, den = 0;
                for (std::uint64_t m = 0; m < M; ++m) {
                    double dot = 0;
                    for (std::uint64_t e = 0; e < E; ++e)
                        dot += double(q.matrix(b, h)[p * E + e]) * double(k.matrix(b, h / group)[m * E + e]);
                    s[m] = mask.visible(m, p) ? dot * scale : -INFINITY;
                    mx = std::max(mx, s[m]);
                }
                for (std::uint64_t f = 0; f < F; ++f) o.matrix(b, h)[p * F + f] = 0;
                if (mx == -INFINITY) continue;
                for (std::uint64_t m = 0; m < M; ++m) den += (s[m] = std::exp(s[m] - mx));
                for (std::uint64_t m = 0; m < M; ++m)
                    for (std::uint64_t f = 0; f < F; ++f)
                        o.matrix(b, h)[p * F + f] += s[m] / den * double(v.matrix(b, h / group)[m * F + f]);
            }
    return o;
}

// The fp64 reference (query blocks, dgemm, a vectorised exp) agrees with plain fp64 loops to 1e-13,
// with masks, grouped heads, ragged blocks (P = 300 over 256-row blocks) and queries that see no key.
TEST(Reference, BlockedBlasMatchesPlainLoops) {
    Tensor4 q({2, 4, 300, 24}), k({2, 2, 333, 24}), v({2, 2, 333, 40});
    fill_uniform(q, 3, -2, 2);
    fill_uniform(k, 4, -2, 2);
    fill_uniform(v, 5, -1, 1);
    KeyMask causal;
    causal.active = true;
    causal.diagonal = 333 - 300;
    KeyMask window = causal;
    window.window = 17;
    KeyMask none_see = causal;
    none_see.diagonal = -5;  // the first five queries see no key
    for (const KeyMask& mask : {KeyMask{}, causal, window, none_see}) {
        double logit = 0;
        const Tensor4D got = attention_reference_fp64(q, k, v, 0.7, &logit, mask);
        const Tensor4D want = naive_fp64(q, k, v, 0.7, mask);
        double worst = 0;
        for (std::size_t i = 0; i < got.data.size(); ++i) worst = std::max(worst, std::abs(got.data[i] - want.data[i]));
        EXPECT_LT(worst, 1e-13) << "window " << mask.window << " diagonal " << mask.diagonal;
        EXPECT_GT(logit, 1.0);
    }
}

// Shared between threads (the check's second core), the reference is the same bit for bit: each
// item writes its own rows and the largest |logit| is a maximum over items.
TEST(Reference, SharedWorkIsBitForBit) {
    Tensor4 q({1, 6, 700, 32}), k({1, 3, 900, 32}), v({1, 3, 900, 16});
    fill_uniform(q, 8, -2, 2);
    fill_uniform(k, 9, -2, 2);
    fill_uniform(v, 10, -1, 1);
    KeyMask causal;
    causal.active = true;
    causal.diagonal = 200;
    double one_logit = 0, two_logit = 0;
    const Tensor4D one = attention_reference_fp64(q, k, v, 0.5, &one_logit, causal);
    AttentionReference shared(q, k, v, 0.5, causal);
    std::thread helper([&shared] { shared.work(); });
    shared.work();
    helper.join();
    const Tensor4D two = shared.take(&two_logit);
    EXPECT_EQ(one.data, two.data);
    EXPECT_EQ(one_logit, two_logit);
}

// O is allocated by the first thread to work; a reference taken without any (cancelled at once)
// still hands back O of the right shape, zero.
TEST(Reference, TakenWithoutWorkHasTheShapeOfO) {
    Tensor4 q({2, 2, 3, 4}), k({2, 1, 5, 4}), v({2, 1, 5, 6});
    AttentionReference unused(q, k, v, 1.0, KeyMask{});
    unused.cancel();
    const Tensor4D o = unused.take();
    EXPECT_EQ(o.shape, (std::array<std::uint64_t, 4>{2, 2, 3, 6}));
    EXPECT_EQ(o.data, std::vector<double>(2 * 2 * 3 * 6, 0.0));
}

// The bound's input extents by hand: S is the largest |scale| max ||q|| max ||k|| over (b, h), with
// grouped K heads; rows beyond a multiple of eight and a V whose size is not one are covered.
TEST(ErrorBound, AttentionExtentsByHand) {
    Tensor4 q({1, 2, 9, 2}), k({1, 1, 3, 2}), v({1, 1, 3, 3});
    q.data.assign(q.size(), 0.0f);
    k.data.assign(k.size(), 0.0f);
    q.data[8 * 2 + 0] = 9, q.data[8 * 2 + 1] = 12;       // head 0, row 8 (the ninth): norm 15
    q.data[9 * 2 + 3 * 2 + 1] = 12;                       // head 1, row 3: norm 12
    k.data[1 * 2 + 0] = -1, k.data[1 * 2 + 1] = 1;        // norm sqrt 2, shared by both heads
    v.data = {0.5f, -0.25f, 0.0f, 1.0f, -7.5f, 2.0f, 0.0f, 3.0f, -1.0f};
    const AttentionExtents x = attention_extents(q, k, v, -0.5);
    EXPECT_DOUBLE_EQ(x.qk, 0.5 * 15 * std::sqrt(2.0));
    EXPECT_EQ(x.v, 7.5);
}

// The vectorised exps against libm: fp32 within 3e-7 relative, fp64 within 5e-16, over the range a
// softmax feeds them (x <= 0), and masked inputs (-inf, below the range) to exactly 0.
TEST(VectorExp, MatchesLibm) {
    std::vector<float> xf;
    std::vector<double> xd;
    for (int i = 0; i <= 200000; ++i) {
        xf.push_back(-87.0f * float(i) / 200000.0f);
        xd.push_back(-700.0 * double(i) / 200000.0 + 1e-3 * std::sin(double(i)));
    }
    xf.push_back(3.5f);
    xd.push_back(3.5);
    std::vector<float> yf(xf.size());
    std::vector<double> yd(xd.size());
    exp_f32(xf.data(), yf.data(), xf.size());
    exp_f64(xd.data(), yd.data(), xd.size());
    double worst_f = 0, worst_d = 0;
    for (std::size_t i = 0; i < xf.size(); ++i)
        worst_f = std::max(worst_f, std::abs(double(yf[i]) - std::exp(double(xf[i]))) / std::exp(double(xf[i])));
    for (std::size_t i = 0; i < xd.size(); ++i) worst_d = std::max(worst_d, std::abs(yd[i] - std::exp(xd[i])) / std::exp(xd[i]));
    EXPECT_LT(worst_f, 3e-7);
    EXPECT_LT(worst_d, 5e-16);
    const float inf_f[] = {-INFINITY, -100.0f};
    float out_f[2];
    exp_f32(inf_f, out_f, 2);
    EXPECT_EQ(out_f[0], 0.0f);
    EXPECT_EQ(out_f[1], 0.0f);
    const double inf_d[] = {-INFINITY, -800.0};
    double out_d[2];
    exp_f64(inf_d, out_d, 2);
    EXPECT_EQ(out_d[0], 0.0);
    EXPECT_EQ(out_d[1], 0.0);
}

// The vectorised exps (an AVX-512 or AVX2 clone where the CPU has one) give bit for bit what their
// element kernels give compiled for the baseline CPU here (the library's fma, no vector units):
// a clone that fused operations on its own would differ in the last bits.
TEST(Exp, VectorClonesMatchTheBaselineKernelBitForBit) {
    std::vector<float> xf;
    std::vector<double> xd;
    for (int i = -300000; i <= 300000; ++i) {
        xf.push_back(90.0f * float(i) / 300000.0f + 1e-3f * float(std::sin(double(i))));
        xd.push_back(710.0 * double(i) / 300000.0 + 1e-3 * std::sin(double(i)));
    }
    for (float v : {-INFINITY, INFINITY, NAN, 0.0f, -0.0f, 1e-30f}) xf.push_back(v);
    for (double v : {-double(INFINITY), double(INFINITY), double(NAN), 0.0, -0.0, 1e-300}) xd.push_back(v);
    std::vector<float> yf(xf.size());
    std::vector<double> yd(xd.size());
    exp_f32(xf.data(), yf.data(), xf.size());
    exp_f64(xd.data(), yd.data(), xd.size());
    std::size_t differ_f = 0, differ_d = 0;
    for (std::size_t i = 0; i < xf.size(); ++i) {
        const float want = exp_element_f32(xf[i]);
        differ_f += std::memcmp(&want, &yf[i], sizeof want) != 0;
    }
    for (std::size_t i = 0; i < xd.size(); ++i) {
        const double want = exp_element_f64(xd[i]);
        differ_d += std::memcmp(&want, &yd[i], sizeof want) != 0;
    }
    EXPECT_EQ(differ_f, 0u);
    EXPECT_EQ(differ_d, 0u);
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
