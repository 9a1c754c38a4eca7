#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "protocol/tile_op.h"
#include "program/ops.h"

namespace fusemax {

// Deliberate datapath faults, for checking that the numerical check catches a broken datapath:
// Rescale leaves the running state unscaled when the running max grows (PRM = 1); DropKey leaves
// the last valid key of every tile out of SLNV (an off-by-one loop bound).
enum class DatapathFault : std::uint8_t { None, Rescale, DropKey };

// The arithmetic of the cascade's ops on one array's registers, in fp32. Both PE arrays own one:
// which ops an array runs is configuration, what an op computes is not.
//
// Layouts (p = query column, m = key row, f = value dim): tiles QK, SLN are [m][p] with a row
// stride of `cols`; per-query vectors are [p]; SLNV, SPNV, RNV are [f][p]. Operands fetched from the
// GLB arrive as the hardware stores them: Q tile [p][e], K tile [m][e], V tile [m][f], running
// state RM [p], RD [p], RNV [p][f].
class TileDatapath {
public:
    // Sizes registers for tiles of up to rows x cols and head dims e, f.
    void shape(std::uint32_t rows, std::uint32_t cols, std::uint32_t e, std::uint32_t f);
    // Host memory shape() allocates for these sizes.
    static std::uint64_t bytes(std::uint64_t rows, std::uint64_t cols, std::uint64_t e, std::uint64_t f);

    float* reg(TileValue v) { return regs_[static_cast<std::size_t>(v)].data(); }
    std::size_t reg_words(TileValue v) const { return regs_[static_cast<std::size_t>(v)].size(); }

    // Operand buffers the array fills from the GLB before executing.
    float* q_tile() { return q_.data(); }
    float* k_tile() { return k_.data(); }
    float* v_tile() { return v_.data(); }
    float* rm_state() { return rm_state_.data(); }
    float* rd_state() { return rd_state_.data(); }
    float* rnv_state() { return rnv_state_.data(); }

    // Runs `op` on the valid x.rows x x.cols part of the tile. `first` selects the identity for
    // the running state. AV writes O [p][f] to `out`.
    void execute(Op op, const OpExtent& x, bool first, float* out);
    void inject(DatapathFault fault) { fault_ = fault; }

private:
    std::uint32_t rows_ = 0, cols_ = 0, e_ = 0, f_ = 0;
    DatapathFault fault_ = DatapathFault::None;
    std::array<std::vector<float>, kTileValueCount> regs_;
    std::vector<float> q_, qt_, k_, v_, rm_state_, rd_state_, rnv_state_;
};

// Values an op leaves in its array's registers (forwarded when a consumer is on the other array).
std::vector<TileValue> op_outputs(Op op);

}  // namespace fusemax
