#include "fusemax/protocol/job.h"

#include <cstdio>
#include <algorithm>
#include <string>

#include "fusemax/config/config_error.h"
#include "fusemax/util/checked_math.h"
#include "fusemax/util/hex.h"

namespace fusemax {
std::optional<std::pair<std::uint64_t, std::uint64_t>> tensor_extent(const TensorLayout& l,
                                                                      const std::array<std::uint64_t, 4>& shape,
                                                                      ElemType elem) {
    // The farthest element is the last column of the last row of the last head of the last batch.
    std::uint64_t last = l.base;
    const std::uint64_t rows = l.group_rows ? std::min(shape[2], l.group_rows) : shape[2];
    const std::uint64_t groups = l.group_rows ? (shape[2] + l.group_rows - 1) / l.group_rows : 1;
    const std::pair<std::uint64_t, std::uint64_t> steps[] = {
        {shape[0] - 1, l.batch_stride}, {(shape[1] - 1) / std::max<std::uint64_t>(l.head_share, 1), l.head_stride},
        {groups - 1, l.group_stride},
        {rows - 1, l.row_stride}, {shape[3], elem_bytes(elem)}};
    for (const auto& [count, stride] : steps) {
        const auto step = checked_mul(count, stride);
        const auto next = step ? checked_add(last, *step) : std::nullopt;
        if (!next) return std::nullopt;
        last = *next;
    }
    if (last == l.base) return std::nullopt;  // an empty tensor cannot be placed
    return std::make_pair(l.base, last - 1);
}

const TensorDesc& Job::tensor(Tensor t) const {
    for (const TensorDesc& d : tensors)
        if (d.tensor == t) return d;
    throw ConfigError(std::string("job: no tensor ") + tensor_name(t) + " (program " + program + ")");
}

std::vector<std::pair<Tensor, std::array<std::uint64_t, 4>>> expected_tensors(const Job& job) {
    if (job.program == "gemm") {
        const GemmShape& g = job.gemm;
        return {{Tensor::X, {1, 1, g.m, g.k}}, {Tensor::W, {1, 1, g.k, g.n}}, {Tensor::Z, {1, 1, g.m, g.n}}};
    }
    const Workload& w = job.shape;
    return {{Tensor::Q, {w.batch, w.heads, w.seq_q, w.head_dim}},
            {Tensor::K, {w.batch, w.kv_head_count(), w.seq_kv, w.head_dim}},
            {Tensor::V, {w.batch, w.kv_head_count(), w.seq_kv, w.v_dim}},
            {Tensor::O, {w.batch, w.heads, w.seq_q, w.v_dim}}};
}

Job stack_query_groups(const Job& job) {
    Job j = job;
    Workload& w = j.shape;
    const std::uint64_t group = w.group();
    if (group <= 1) return j;
    for (Tensor t : {Tensor::Q, Tensor::O}) {
        TensorDesc& d = j.tensor(t);
        d.layout.group_rows = w.seq_q;
        d.layout.group_stride = d.layout.head_stride;
        d.layout.head_stride *= group;
        d.shape = {w.batch, w.kv_head_count(), group * w.seq_q, d.shape[3]};
    }
    w.stacked_period = w.seq_q;
    w.seq_q *= group;
    w.heads = w.kv_head_count();
    w.kv_heads = 0;
    return j;
}

Job per_head_groups(const Job& job) {
    Job j = job;
    Workload& w = j.shape;
    const std::uint64_t group = w.group();
    if (group <= 1) return j;
    for (Tensor t : {Tensor::K, Tensor::V}) {
        TensorDesc& d = j.tensor(t);
        d.layout.head_share = group;
        d.shape[1] = w.heads;
    }
    w.kv_heads = 0;
    return j;
}

namespace {

TensorLayout packed_layout(std::uint64_t& at, const std::array<std::uint64_t, 4>& shape, std::uint64_t elem) {
    TensorLayout l;
    l.base = at;
    l.row_stride = shape[3] * elem;
    l.head_stride = shape[2] * l.row_stride;
    l.batch_stride = shape[1] * l.head_stride;
    at += (shape[0] * l.batch_stride + 4095) / 4096 * 4096;
    return l;
}

Job packed_job(Job j, std::uint64_t base) {
    std::uint64_t at = base;
    for (const auto& [t, shape] : expected_tensors(j)) j.tensors.push_back({t, shape, packed_layout(at, shape, elem_bytes(j.elem))});
    return j;
}

}  // namespace

Job Job::packed(const Workload& w, ElemType elem, std::uint64_t base, bool functional) {
    Job j;
    j.shape = w;
    j.elem = elem;
    j.functional = functional;
    return packed_job(std::move(j), base);
}

Job Job::packed_gemm(const GemmShape& g, ElemType elem, std::uint64_t base, bool functional) {
    Job j;
    j.program = "gemm";
    j.gemm = g;
    j.elem = elem;
    j.functional = functional;
    return packed_job(std::move(j), base);
}

std::uint64_t Job::packed_end() const {
    std::uint64_t end = 0;
    for (const TensorDesc& d : tensors)
        if (const auto extent = tensor_extent(d.layout, d.shape, elem)) end = std::max(end, extent->second + 1);
    return end;
}

void validate_layouts(const Job& job) {
    for (const auto& [t, shape] : expected_tensors(job)) {
        const TensorDesc* d = nullptr;
        for (const TensorDesc& x : job.tensors)
            if (x.tensor == t) d = &x;
        const std::string name = tensor_name(t);
        if (!d) throw ConfigError("job: program " + job.program + " needs tensor " + name + ", which the job does not give");
        if (d->shape != shape)
            throw ConfigError(name + ": shape [" + std::to_string(d->shape[0]) + "," + std::to_string(d->shape[1]) + "," +
                              std::to_string(d->shape[2]) + "," + std::to_string(d->shape[3]) + "]: expected [" +
                              std::to_string(shape[0]) + "," + std::to_string(shape[1]) + "," + std::to_string(shape[2]) +
                              "," + std::to_string(shape[3]) + "] for this job");
        const TensorLayout& l = d->layout;
        if (!tensor_extent(l, shape, job.elem))
            throw ConfigError(name + "_ADDR, " + name + "_*_STRIDE: tensor " + name + " [" + std::to_string(shape[0]) +
                              "," + std::to_string(shape[1]) + "," + std::to_string(shape[2]) + "," +
                              std::to_string(shape[3]) + "] at " + hex(l.base) + " with strides " + hex(l.batch_stride) +
                              ", " + hex(l.head_stride) + ", " + hex(l.row_stride) +
                              " reaches past the end of the 64-bit address space");
    }
}

}  // namespace fusemax
