#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fusemax/protocol/dma.h"
#include "fusemax/config/gemm_shape.h"
#include "fusemax/config/workload.h"

namespace fusemax {

// Where one tensor lives in platform memory: element (b, h, row, col) is at
// base + b * batch_stride + h * head_stride + row * row_stride + col * element size.
struct TensorLayout {
    std::uint64_t base = 0;
    std::uint64_t batch_stride = 0;
    std::uint64_t head_stride = 0;
    std::uint64_t row_stride = 0;
    // Grouped-query attention stacks a group's query heads in one matrix of group x P rows: row r
    // of it is row r % group_rows of the group's head r / group_rows, group_stride apart (0: no
    // groups). Packed [B, H, P, E] heads follow one another (group_stride = P x row_stride); a
    // projection's [B*P, H*E] output interleaves them (group_stride = E x element).
    std::uint64_t group_rows = 0;
    std::uint64_t group_stride = 0;
    // Grouped-query attention run head by head (not stacked): each query head h reads the K/V head
    // h / head_share that its group shares (1: every head its own).
    std::uint64_t head_share = 1;

    std::uint64_t row_address(std::uint64_t b, std::uint64_t h, std::uint64_t row) const {
        const std::uint64_t within = group_rows ? row % group_rows : row;
        const std::uint64_t group = group_rows ? row / group_rows * group_stride : 0;
        const std::uint64_t head = head_share == 1 ? h : h / head_share;
        return base + b * batch_stride + head * head_stride + group + within * row_stride;
    }
    // Rows [row, row + n) are evenly strided (row_stride apart) in memory.
    bool evenly_strided(std::uint64_t row, std::uint64_t n) const {
        return !group_rows || group_stride == group_rows * row_stride || row / group_rows == (row + n - 1) / group_rows;
    }
};

// One tensor of a job: which operand it is, its shape [B, H, rows, cols] (a matrix is [1, 1, rows,
// cols]) and where it is.
struct TensorDesc {
    Tensor tensor = Tensor::Q;
    std::array<std::uint64_t, 4> shape{1, 1, 1, 1};
    TensorLayout layout;
};

// One job: a program (by name: "attention" is the design's attention program, "gemm" the GEMM of
// the 2D array) with its parameters, the element type of its tensors in platform memory, and the
// list of its tensors.
struct Job {
    std::string program = "attention";
    Workload shape;    // attention's parameters (batch, heads, sequence lengths, head dims, scale)
    GemmShape gemm;    // gemm's parameters
    ElemType elem = ElemType::F32;
    std::vector<TensorDesc> tensors;
    bool functional = true;  // false: timing only, no values move

    // The tensor, or ConfigError naming what is missing.
    const TensorDesc& tensor(Tensor t) const;
    TensorDesc& tensor(Tensor t) { return const_cast<TensorDesc&>(static_cast<const Job&>(*this).tensor(t)); }
    const TensorLayout& layout(Tensor t) const { return tensor(t).layout; }
    TensorLayout& layout(Tensor t) { return tensor(t).layout; }

    // An attention job with Q, K, V, O packed one after another in C order from `base`, each 4 KiB
    // aligned.
    static Job packed(const Workload& w, ElemType elem, std::uint64_t base, bool functional);
    // A GEMM job with A (X), W and Z packed the same way.
    static Job packed_gemm(const GemmShape& g, ElemType elem, std::uint64_t base, bool functional);
    // One past the last byte the packed layout uses.
    std::uint64_t packed_end() const;
};

// The byte range [first, last] a tensor of `shape` [B, H, rows, cols] occupies at `layout`, or
// nothing if it reaches past the end of the 64-bit address space.
std::optional<std::pair<std::uint64_t, std::uint64_t>> tensor_extent(const TensorLayout& layout,
                                                                      const std::array<std::uint64_t, 4>& shape,
                                                                      ElemType elem);

// Grouped-query attention as the hardware runs it: each group's query heads stacked into one query
// dimension of group x P queries against their shared K/V head ([B, H_kv, group x P, E] views of Q
// and O), so that each K/V tile is fetched once for the group. The views keep the heads where they
// are (TensorLayout's group_rows and group_stride).
Job stack_query_groups(const Job& job);
// ...or head by head (the mapping tiling.stack_groups: false): each query head against its group's
// K/V head as in multi-head attention, so that each K/V tile is fetched once per query head.
Job per_head_groups(const Job& job);
// The job as the hardware runs it: grouped-query heads stacked or head by head (the mapping's
// choice); any other job as it is.
inline Job as_mapped(const Job& job, bool stack_groups) {
    return stack_groups ? stack_query_groups(job) : per_head_groups(job);
}

// Throws ConfigError naming the tensor's registers when one would reach past 2^64.
void validate_layouts(const Job& job);

// The tensors a program's job must have, with the shapes its parameters give them.
std::vector<std::pair<Tensor, std::array<std::uint64_t, 4>>> expected_tensors(const Job& job);

}  // namespace fusemax
