#pragma once
#include <atomic>
#include <cstdint>
#include <mutex>

#include "fusemax/numerics/tensor.h"
#include "fusemax/program/ops.h"

namespace fusemax {

// The fp64 attention reference as shared work: items of (b, h, block of query rows) taken from a
// counter by however many threads call work(), so that a second thread can compute it beside the
// simulation and the main thread can join in when the simulation ends. Each item writes its own
// rows of O and the largest |logit| is a maximum over items, so the result does not depend on how
// the items were shared. Scores, softmax and A V per block are fp64 products on the machine's
// BLAS (dgemm); `mask` hides keys (a query that sees none gets O = 0); K and V may have fewer
// heads than Q (grouped-query attention).
class AttentionReference {
public:
    AttentionReference(const Tensor4& q, const Tensor4& k, const Tensor4& v, double scale, const KeyMask& mask);
    AttentionReference(const AttentionReference&) = delete;
    AttentionReference& operator=(const AttentionReference&) = delete;

    void work();    // from any thread, any number of times: returns when no item is left
    void cancel();  // the items not yet taken are skipped (the result is then incomplete)
    // O, once every work() call has returned; `max_abs_logit` receives the largest |scale q.k|.
    Tensor4D take(double* max_abs_logit = nullptr);

private:
    void allocate();

    const Tensor4 &q_, &k_, &v_;
    double scale_;
    KeyMask mask_;
    std::uint64_t b_, h_, p_, m_, e_, f_, group_, rows_, blocks_;
    Tensor4D o_;
    std::once_flag allocated_;
    std::atomic<std::uint64_t> next_{0};
    std::mutex mutex_;
    double logit_max_ = 0;
};

}  // namespace fusemax
