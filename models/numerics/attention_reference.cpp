#include "fusemax/numerics/attention_reference.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "fusemax/numerics/blas.h"

namespace fusemax {

AttentionReference::AttentionReference(const Tensor4& q, const Tensor4& k, const Tensor4& v, double scale,
                                       const KeyMask& mask)
    : q_(q),
      k_(k),
      v_(v),
      scale_(scale),
      mask_(mask),
      b_(q.shape[0]),
      h_(q.shape[1]),
      p_(q.shape[2]),
      m_(k.shape[2]),
      e_(q.shape[3]),
      f_(v.shape[3]) {
    const std::uint64_t kv = k.shape[1];
    if (kv == 0 || v.shape[1] != kv || h_ % kv || k.shape[0] != b_ || v.shape[0] != b_ || k.shape[3] != e_ ||
        v.shape[2] != m_)
        throw std::invalid_argument("attention: inconsistent Q, K, V shapes");
    group_ = h_ / kv;
    // Blocks of query rows whose scores take at most 2^20 doubles (8 MiB).
    rows_ = std::max<std::uint64_t>(1, std::min<std::uint64_t>({p_, 256, (1u << 20) / std::max<std::uint64_t>(m_, 1)}));
    blocks_ = b_ * h_ * ((p_ + rows_ - 1) / rows_);
}

// O is allocated (its pages zeroed) by the first thread to work: off the path of the thread that
// made the reference, which goes on to store the inputs and simulate.
void AttentionReference::allocate() {
    std::call_once(allocated_, [this] { o_ = Tensor4D({b_, h_, p_, f_}); });
}

void AttentionReference::cancel() { next_ = blocks_; }

void AttentionReference::work() {
    constexpr double kNegInf = -std::numeric_limits<double>::infinity();
    allocate();
    const std::uint64_t per_head = (p_ + rows_ - 1) / rows_;
    std::vector<double> kd(m_ * e_), vd(m_ * f_), qd(rows_ * e_), s(rows_ * m_), den(rows_);
    std::uint64_t loaded = ~std::uint64_t{0};  // the K/V head kd and vd hold (b x kv heads + kv head)
    double logit_max = 0;
    for (std::uint64_t item = next_++; item < blocks_; item = next_++) {
        const std::uint64_t pair = item / per_head, p0 = (item % per_head) * rows_;
        const std::uint64_t b = pair / h_, h = pair % h_, kv = b * (h_ / group_) + h / group_;
        if (kv != loaded) {
            std::copy(k_.matrix(b, h / group_), k_.matrix(b, h / group_) + m_ * e_, kd.begin());
            std::copy(v_.matrix(b, h / group_), v_.matrix(b, h / group_) + m_ * f_, vd.begin());
            loaded = kv;
        }
        const std::uint64_t n = std::min(rows_, p_ - p0);
        const float* Q = q_.matrix(b, h) + p0 * e_;
        std::copy(Q, Q + n * e_, qd.begin());
        dgemm(false, true, n, m_, e_, scale_, qd.data(), e_, kd.data(), e_, 0.0, s.data(), m_);
        for (std::uint64_t i = 0; i < n; ++i) {
            double* row = s.data() + i * m_;
            if (mask_.active)
                for (std::uint64_t m = 0; m < m_; ++m)
                    if (!mask_.visible(m, p0 + i)) row[m] = kNegInf;
            logit_max = std::max(logit_max, softmax_numerators_f64(row, m_, den[i]));
        }
        double* o = o_.matrix(b, h) + p0 * f_;
        dgemm(false, false, n, f_, m_, 1.0, s.data(), m_, vd.data(), f_, 0.0, o, f_);
        for (std::uint64_t i = 0; i < n; ++i)
            if (den[i] > 0)  // a query that sees no key keeps O = 0
                for (std::uint64_t j = 0; j < f_; ++j) o[i * f_ + j] /= den[i];
    }
    const std::lock_guard<std::mutex> lock(mutex_);
    logit_max_ = std::max(logit_max_, logit_max);
}

Tensor4D AttentionReference::take(double* max_abs_logit) {
    allocate();  // where work() was never called
    if (max_abs_logit) *max_abs_logit = logit_max_;
    return std::move(o_);
}

}  // namespace fusemax
