#pragma once
#include <array>
#include <cstdint>
#include <string>

#include "numerics/tensor.h"

namespace fusemax {

// Reads a C-order float32 or float16 .npy holding a 4-D array into fp32. Errors are ConfigError
// naming the file (and `what`, e.g. "--q") and what was expected: dtype, order, rank, shape.
Tensor4 read_npy(const std::string& path, const std::string& what);

// Reads and checks the shape against `expected` ([B,H,rows,cols]).
Tensor4 read_npy(const std::string& path, const std::string& what, const std::array<std::uint64_t, 4>& expected);

// Writes a C-order float32 .npy.
void write_npy(const std::string& path, const Tensor4& t);

}  // namespace fusemax
