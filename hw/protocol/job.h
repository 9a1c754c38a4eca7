#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <utility>

#include "protocol/dma.h"
#include "config/workload.h"

namespace fusemax {

// Where one tensor lives in platform memory: element (b, h, row, col) is at
// base + b * batch_stride + h * head_stride + row * row_stride + col * element size.
struct TensorLayout {
    std::uint64_t base = 0;
    std::uint64_t batch_stride = 0;
    std::uint64_t head_stride = 0;
    std::uint64_t row_stride = 0;

    std::uint64_t row_address(std::uint64_t b, std::uint64_t h, std::uint64_t row) const {
        return base + b * batch_stride + h * head_stride + row * row_stride;
    }
};

// One attention job: shape, scale, element type and where Q, K, V and O are.
struct Job {
    Workload shape;
    ElemType elem = ElemType::F32;
    TensorLayout q, k, v, o;
    bool functional = true;  // false: timing only, no values move

    // Q, K, V, O packed one after another in C order from `base`, each 4 KiB aligned.
    static Job packed(const Workload& w, ElemType elem, std::uint64_t base, bool functional);
    // One past the last byte the packed layout uses.
    std::uint64_t packed_end() const;
};

// The byte range [first, last] a tensor of `shape` [B, H, rows, cols] occupies at `layout`, or
// nothing if it reaches past the end of the 64-bit address space.
std::optional<std::pair<std::uint64_t, std::uint64_t>> tensor_extent(const TensorLayout& layout,
                                                                      const std::array<std::uint64_t, 4>& shape,
                                                                      ElemType elem);

// Throws ConfigError naming the tensor's registers when Q, K, V or O would reach past 2^64.
void validate_layouts(const Job& job);

inline Job Job::packed(const Workload& w, ElemType elem, std::uint64_t base, bool functional) {
    Job j;
    j.shape = w;
    j.elem = elem;
    j.functional = functional;
    const std::uint64_t eb = elem_bytes(elem);
    auto layout = [&](std::uint64_t& at, std::uint64_t rows, std::uint64_t cols) {
        TensorLayout l;
        l.base = at;
        l.row_stride = cols * eb;
        l.head_stride = rows * l.row_stride;
        l.batch_stride = w.heads * l.head_stride;
        at += (w.batch * l.batch_stride + 4095) / 4096 * 4096;
        return l;
    };
    std::uint64_t at = base;
    j.q = layout(at, w.seq_q, w.head_dim);
    j.k = layout(at, w.seq_kv, w.head_dim);
    j.v = layout(at, w.seq_kv, w.v_dim);
    j.o = layout(at, w.seq_q, w.v_dim);
    return j;
}

inline std::uint64_t Job::packed_end() const {
    return o.base + shape.batch * o.batch_stride;
}

}  // namespace fusemax
