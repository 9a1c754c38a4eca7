#include "fusemax/program/tile_registers.h"

namespace fusemax {

void TileRegisters::shape(std::uint32_t rows, std::uint32_t cols, std::uint32_t e, std::uint32_t f) {
    if (rows == rows_ && cols == cols_ && e == e_ && f == f_) return;
    rows_ = rows, cols_ = cols, e_ = e, f_ = f;
    for (std::size_t v = 0; v < kTileValueCount; ++v)
        values_[v].assign(size_of(value_size(static_cast<TileValue>(v)), rows, cols, e, f), 0.0f);
    for (std::size_t o = 0; o < kOperandCount; ++o)
        operands_[o].assign(size_of(operand_size(static_cast<Operand>(o)), rows, cols, e, f), 0.0f);
}

std::uint64_t TileRegisters::bytes(std::uint64_t rows, std::uint64_t cols, std::uint64_t e, std::uint64_t f) {
    std::uint64_t words = 0;
    for (std::size_t v = 0; v < kTileValueCount; ++v) words += size_of(value_size(static_cast<TileValue>(v)), rows, cols, e, f);
    for (std::size_t o = 0; o < kOperandCount; ++o) words += size_of(operand_size(static_cast<Operand>(o)), rows, cols, e, f);
    return 4 * words;
}

}  // namespace fusemax
