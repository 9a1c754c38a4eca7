#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "fusemax/program/ops.h"

namespace fusemax {

// Deliberate datapath faults, for checking that the numerical check catches a broken datapath:
// Rescale leaves the running state unscaled when the running max grows (PRM = 1); DropKey leaves
// the last valid key of every tile out of SLNV (an off-by-one loop bound).
enum class DatapathFault : std::uint8_t { None, Rescale, DropKey };

// One PE array's registers in functional mode: the values ops leave for each other (by TileValue)
// and the operands fetched from the GLB (by Operand), sized for tiles of up to rows x cols and head
// dims e, f. Layouts (p = query column, m = key row, f = value dim): score tiles [m][p] with a row
// stride of `cols`, per-query values [p], per-query value rows [f][p]; operands as the hardware
// stores them: Q tile [p][e], K tile [m][e], V tile [m][f], running max and denominator [p], running
// numerator [p][f].
class TileRegisters {
public:
    // Sizes every register for these bounds (keeps them when unchanged).
    void shape(std::uint32_t rows, std::uint32_t cols, std::uint32_t e, std::uint32_t f);
    // Host memory shape() allocates for these bounds.
    static std::uint64_t bytes(std::uint64_t rows, std::uint64_t cols, std::uint64_t e, std::uint64_t f);

    float* value(TileValue v) { return values_[static_cast<std::size_t>(v)].data(); }
    std::size_t value_words(TileValue v) const { return values_[static_cast<std::size_t>(v)].size(); }
    float* operand(Operand o) { return operands_[static_cast<std::size_t>(o)].data(); }

    std::uint32_t rows() const { return rows_; }
    std::uint32_t cols() const { return cols_; }
    std::uint32_t e() const { return e_; }
    std::uint32_t f() const { return f_; }

    DatapathFault fault = DatapathFault::None;
    KeyMask mask;  // of the tile in the registers (QK leaves the scores it hides at -inf)

private:
    std::uint32_t rows_ = 0, cols_ = 0, e_ = 0, f_ = 0;
    std::array<std::vector<float>, kTileValueCount> values_;
    std::array<std::vector<float>, kOperandCount> operands_;
};

}  // namespace fusemax
