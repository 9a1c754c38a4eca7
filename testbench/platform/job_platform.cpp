#include "platform/job_platform.h"

#include <algorithm>
#include <cstring>

#include "fusemax/protocol/word_port.h"

namespace fusemax {

void store_tensor(Memory& mem, const TensorLayout& l, const Tensor4& t, ElemType elem) {
    const std::uint64_t rows = t.shape[2], cols = t.shape[3];
    for (std::uint64_t b = 0; b < t.shape[0]; ++b)
        for (std::uint64_t h = 0; h < t.shape[1]; ++h)
            for (std::uint64_t r = 0; r < rows; ++r) {
                const float* src = t.matrix(b, h) + r * cols;
                unsigned char* dst = mem.backdoor(l.row_address(b, h, r), cols * elem_bytes(elem));
                if (elem == ElemType::F32) {
                    std::memcpy(dst, src, cols * 4);
                    continue;
                }
                for (std::uint64_t c = 0; c < cols; ++c) {
                    const std::uint16_t hv = float_to_half(src[c]);
                    std::memcpy(dst + 2 * c, &hv, 2);
                }
            }
}

Tensor4 load_tensor(Memory& mem, const TensorLayout& l, const std::array<std::uint64_t, 4>& shape, ElemType elem) {
    Tensor4 t(shape);
    const std::uint64_t rows = shape[2], cols = shape[3];
    for (std::uint64_t b = 0; b < shape[0]; ++b)
        for (std::uint64_t h = 0; h < shape[1]; ++h)
            for (std::uint64_t r = 0; r < rows; ++r) {
                float* dst = t.matrix(b, h) + r * cols;
                const unsigned char* src = mem.backdoor(l.row_address(b, h, r), cols * elem_bytes(elem));
                if (elem == ElemType::F32) {
                    std::memcpy(dst, src, cols * 4);
                    continue;
                }
                for (std::uint64_t c = 0; c < cols; ++c) {
                    std::uint16_t hv;
                    std::memcpy(&hv, src + 2 * c, 2);
                    dst[c] = half_to_float(hv);
                }
            }
    return t;
}

AttentionInputs random_inputs(const Workload& w, std::uint64_t seed) {
    const std::uint64_t kv = w.kv_head_count();
    AttentionInputs in{Tensor4({w.batch, w.heads, w.seq_q, w.head_dim}), Tensor4({w.batch, kv, w.seq_kv, w.head_dim}),
                       Tensor4({w.batch, kv, w.seq_kv, w.v_dim})};
    fill_uniform(in.q, seed * 3 + 0, -1.0f, 1.0f);
    fill_uniform(in.k, seed * 3 + 1, -1.0f, 1.0f);
    fill_uniform(in.v, seed * 3 + 2, -1.0f, 1.0f);
    return in;
}

GemmInputs random_gemm_inputs(const GemmShape& g, std::uint64_t seed) {
    GemmInputs in{Tensor4({1, 1, g.m, g.k}), Tensor4({1, 1, g.k, g.n})};
    fill_uniform(in.a, seed * 2 + 0, -1.0f, 1.0f);
    fill_uniform(in.w, seed * 2 + 1, -1.0f, 1.0f);
    return in;
}

namespace {
void round_to_storage(std::initializer_list<Tensor4*> tensors, ElemType elem) {
    if (elem != ElemType::F16) return;
    for (Tensor4* t : tensors)
        for (float& x : t->data) x = half_to_float(float_to_half(x));
}
}  // namespace

void round_to_storage(AttentionInputs& in, ElemType elem) { round_to_storage({&in.q, &in.k, &in.v}, elem); }
void round_to_storage(GemmInputs& in, ElemType elem) { round_to_storage({&in.a, &in.w}, elem); }

JobPlatform::JobPlatform(const ArchConfig& arch, Job job, bool fast_forward, std::uint64_t memory_bytes)
    : job_(std::move(job)),
      memory_(std::make_unique<Memory>("memory", std::max(memory_bytes, job_.packed_end()))),
      top_(std::make_unique<FuseMax>("fusemax", arch)) {
    top_->mem.bind(memory_->socket);
    top_->irq.bind(irq_);
    top_->scheduler().set_fast_forward(fast_forward);
}

JobPlatform::JobPlatform(const ArchConfig& arch, const Workload& w, ElemType elem, bool functional, bool fast_forward)
    : JobPlatform(arch, Job::packed(w, elem, 0, functional), fast_forward) {}

void JobPlatform::load_inputs(const AttentionInputs& in) {
    store_tensor(*memory_, job_.layout(Tensor::Q), in.q, job_.elem);
    store_tensor(*memory_, job_.layout(Tensor::K), in.k, job_.elem);
    store_tensor(*memory_, job_.layout(Tensor::V), in.v, job_.elem);
}

void JobPlatform::load_inputs(const GemmInputs& in) {
    store_tensor(*memory_, job_.layout(Tensor::X), in.a, job_.elem);
    store_tensor(*memory_, job_.layout(Tensor::W), in.w, job_.elem);
}

void JobPlatform::run(const Job& next) {
    job_ = next;
    run();
}

std::vector<RunSummary> JobPlatform::run_queued(const std::vector<Job>& jobs) {
    std::vector<RunSummary> out;
    CounterSnapshot before = snapshot(*top_);
    top_->scheduler().on_job_issued([&](const JobRecord& r) {
        const CounterSnapshot now = snapshot(*top_);
        out.push_back(summarize(top_->arch(), r, now, before));
        before = now;
    });
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        if (i == 0) top_->start(jobs[i]);
        else top_->enqueue(jobs[i]);
    }
    sc_core::sc_start();
    top_->scheduler().on_job_issued(nullptr);
    if (!top_->scheduler().error().empty()) throw TransportError(top_->scheduler().error());
    if (!jobs.empty()) job_ = jobs.back();
    return out;
}

void JobPlatform::run() {
    top_->start(job_);
    sc_core::sc_start();
    if (!top_->scheduler().error().empty()) throw TransportError(top_->scheduler().error());
}

Tensor4 JobPlatform::output() {
    const Tensor t = job_.program == "gemm" ? Tensor::Z : Tensor::O;
    return load_tensor(*memory_, job_.layout(t), job_.tensor(t).shape, job_.elem);
}

}  // namespace fusemax
