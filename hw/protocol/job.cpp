#include "protocol/job.h"

#include <cstdio>
#include <string>

#include "config/config_error.h"
#include "util/checked_math.h"
#include "util/hex.h"

namespace fusemax {
std::optional<std::pair<std::uint64_t, std::uint64_t>> tensor_extent(const TensorLayout& l,
                                                                      const std::array<std::uint64_t, 4>& shape,
                                                                      ElemType elem) {
    // The farthest element is the last column of the last row of the last head of the last batch.
    std::uint64_t last = l.base;
    const std::pair<std::uint64_t, std::uint64_t> steps[] = {
        {shape[0] - 1, l.batch_stride}, {shape[1] - 1, l.head_stride}, {shape[2] - 1, l.row_stride},
        {shape[3], elem_bytes(elem)}};
    for (const auto& [count, stride] : steps) {
        const auto step = checked_mul(count, stride);
        const auto next = step ? checked_add(last, *step) : std::nullopt;
        if (!next) return std::nullopt;
        last = *next;
    }
    if (last == l.base) return std::nullopt;  // an empty tensor cannot be placed
    return std::make_pair(l.base, last - 1);
}

void validate_layouts(const Job& job) {
    const Workload& w = job.shape;
    const struct {
        const char* name;
        const TensorLayout& layout;
        std::array<std::uint64_t, 4> shape;
    } tensors[] = {{"Q", job.q, {w.batch, w.heads, w.seq_q, w.head_dim}},
                   {"K", job.k, {w.batch, w.heads, w.seq_kv, w.head_dim}},
                   {"V", job.v, {w.batch, w.heads, w.seq_kv, w.v_dim}},
                   {"O", job.o, {w.batch, w.heads, w.seq_q, w.v_dim}}};
    for (const auto& t : tensors)
        if (!tensor_extent(t.layout, t.shape, job.elem))
            throw ConfigError(std::string(t.name) + "_ADDR, " + t.name + "_*_STRIDE: tensor " + t.name + " [" +
                              std::to_string(t.shape[0]) + "," + std::to_string(t.shape[1]) + "," +
                              std::to_string(t.shape[2]) + "," + std::to_string(t.shape[3]) + "] at " +
                              hex(t.layout.base) + " with strides " + hex(t.layout.batch_stride) + ", " +
                              hex(t.layout.head_stride) + ", " + hex(t.layout.row_stride) +
                              " reaches past the end of the 64-bit address space");
}

}  // namespace fusemax
