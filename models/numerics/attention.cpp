#include "fusemax/numerics/attention.h"

#include "fusemax/numerics/attention_reference.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace fusemax {
namespace {

struct Dims {
    std::uint64_t b, h, p, m, e, f;
};

Dims check_dims(const Tensor4& q, const Tensor4& k, const Tensor4& v) {
    const Dims d{q.shape[0], q.shape[1], q.shape[2], k.shape[2], q.shape[3], v.shape[3]};
    if (k.shape[0] != d.b || v.shape[0] != d.b || k.shape[1] != d.h || v.shape[1] != d.h || k.shape[3] != d.e ||
        v.shape[2] != d.m)
        throw std::invalid_argument("attention: inconsistent Q, K, V shapes");
    return d;
}

}  // namespace

Tensor4D attention_reference_fp64(const Tensor4& q, const Tensor4& k, const Tensor4& v, double scale,
                                  double* max_abs_logit, const KeyMask& mask) {
    AttentionReference reference(q, k, v, scale, mask);
    reference.work();
    return reference.take(max_abs_logit);
}

Tensor4 attention_three_pass_fp32(const Tensor4& q, const Tensor4& k, const Tensor4& v, float scale) {
    const Dims d = check_dims(q, k, v);
    Tensor4 o({d.b, d.h, d.p, d.f});
    std::vector<float> kt(d.e * d.m), s(d.m), acc(d.f);
    for (std::uint64_t b = 0; b < d.b; ++b)
        for (std::uint64_t h = 0; h < d.h; ++h) {
            const float* Q = q.matrix(b, h);
            const float* K = k.matrix(b, h);
            const float* V = v.matrix(b, h);
            float* O = o.matrix(b, h);
            // K transposed once so each score row is a sum of scaled K^T rows (vectorizes over m).
            for (std::uint64_t m = 0; m < d.m; ++m)
                for (std::uint64_t e = 0; e < d.e; ++e) kt[e * d.m + m] = K[m * d.e + e];
            for (std::uint64_t p = 0; p < d.p; ++p) {
                // QK, then pass 1: the row max.
                std::fill(s.begin(), s.end(), 0.0f);
                for (std::uint64_t e = 0; e < d.e; ++e) {
                    const float qe = Q[p * d.e + e] * scale;
                    const float* row = kt.data() + e * d.m;
                    for (std::uint64_t m = 0; m < d.m; ++m) s[m] += qe * row[m];
                }
                float mx = -std::numeric_limits<float>::infinity();
                for (std::uint64_t m = 0; m < d.m; ++m) mx = std::max(mx, s[m]);
                // Pass 2: numerators and denominator.
                float den = 0;
                for (std::uint64_t m = 0; m < d.m; ++m) {
                    s[m] = std::exp(s[m] - mx);
                    den += s[m];
                }
                // Pass 3: normalise, then A V.
                for (std::uint64_t m = 0; m < d.m; ++m) s[m] /= den;
                std::fill(acc.begin(), acc.end(), 0.0f);
                for (std::uint64_t m = 0; m < d.m; ++m) {
                    const float w = s[m];
                    const float* vrow = V + m * d.f;
                    for (std::uint64_t f = 0; f < d.f; ++f) acc[f] += w * vrow[f];
                }
                std::copy(acc.begin(), acc.end(), O + p * d.f);
            }
        }
    return o;
}

Tensor4 attention_one_pass_fp32(const Tensor4& q, const Tensor4& k, const Tensor4& v, float scale,
                                std::uint32_t m0, std::uint32_t p0) {
    const Dims d = check_dims(q, k, v);
    if (m0 == 0 || p0 == 0) throw std::invalid_argument("attention_one_pass_fp32: zero tile size");
    Tensor4 o({d.b, d.h, d.p, d.f});
    std::vector<float> qk(std::size_t{m0} * p0), rm(p0), rd(p0), rnv(std::size_t{p0} * d.f);
    for (std::uint64_t b = 0; b < d.b; ++b)
        for (std::uint64_t h = 0; h < d.h; ++h) {
            const float* Q = q.matrix(b, h);
            const float* K = k.matrix(b, h);
            const float* V = v.matrix(b, h);
            float* O = o.matrix(b, h);
            for (std::uint64_t pt = 0; pt < d.p; pt += p0) {
                const std::uint64_t np = std::min<std::uint64_t>(p0, d.p - pt);
                std::fill(rm.begin(), rm.end(), -std::numeric_limits<float>::infinity());
                std::fill(rd.begin(), rd.end(), 0.0f);
                std::fill(rnv.begin(), rnv.end(), 0.0f);
                for (std::uint64_t mt = 0; mt < d.m; mt += m0) {
                    const std::uint64_t nm = std::min<std::uint64_t>(m0, d.m - mt);
                    for (std::uint64_t p = 0; p < np; ++p) {
                        // QK and LM: scores of this key tile and their local max.
                        float lm = -std::numeric_limits<float>::infinity();
                        for (std::uint64_t m = 0; m < nm; ++m) {
                            float dot = 0;
                            for (std::uint64_t e = 0; e < d.e; ++e)
                                dot += (Q[(pt + p) * d.e + e] * scale) * K[(mt + m) * d.e + e];
                            qk[m] = dot;
                            lm = std::max(lm, dot);
                        }
                        // RM, PRM: new running max and the rescale factor of the old state.
                        const float rm_new = std::max(rm[p], lm);
                        const float prm = mt == 0 ? 0.0f : std::exp(rm[p] - rm_new);
                        rm[p] = rm_new;
                        // SLN, SLD, SLNV on this tile; SPD, RD, SPNV, RNV fold them in.
                        float sld = 0;
                        float* acc = rnv.data() + p * d.f;
                        for (std::uint64_t f = 0; f < d.f; ++f) acc[f] *= prm;
                        for (std::uint64_t m = 0; m < nm; ++m) {
                            const float sln = std::exp(qk[m] - rm_new);
                            sld += sln;
                            for (std::uint64_t f = 0; f < d.f; ++f) acc[f] += sln * V[(mt + m) * d.f + f];
                        }
                        rd[p] = prm * rd[p] + sld;
                    }
                }
                // AV: one divide per output.
                for (std::uint64_t p = 0; p < np; ++p)
                    for (std::uint64_t f = 0; f < d.f; ++f) O[(pt + p) * d.f + f] = rnv[p * d.f + f] / rd[p];
            }
        }
    return o;
}

ErrorStats compare(const Tensor4& got, const Tensor4D& ref) {
    if (got.shape != ref.shape) throw std::invalid_argument("compare: shapes differ");
    ErrorStats s;
    double ref_max = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
        const double g = got.data[i];
        if (!std::isfinite(g)) {
            ++s.non_finite;
            continue;
        }
        s.max_abs_error = std::max(s.max_abs_error, std::abs(g - ref.data[i]));
        ref_max = std::max(ref_max, std::abs(ref.data[i]));
    }
    s.max_abs_ref = ref_max;
    s.max_rel_error = ref_max > 0 ? s.max_abs_error / ref_max : s.max_abs_error;
    if (s.non_finite) {
        s.max_abs_error = std::numeric_limits<double>::infinity();
        s.max_rel_error = std::numeric_limits<double>::infinity();
    }
    return s;
}

}  // namespace fusemax
